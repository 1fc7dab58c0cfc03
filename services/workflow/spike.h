/*  spike: the spike detector (docs/crisis-detection.md), a pure function
    over a playbook's per-minute mention counts.

    Minutes are Unix minutes (ms / 60000, rounded down); "now" is the minute
    M holding now_ms. With W = window_minutes:

      count     the sum of the counts of minutes M-W+1 .. M (the window,
                now's minute included)
      baseline  weeks N: the same window's sum at the same minute of the
                week in each of the N previous weeks (minutes
                M-k*10080-W+1 .. M-k*10080, k = 1..N): N samples.
                hours N: the sums of the window-sized slices that precede
                the window over the previous N hours (slice j: minutes
                M-(j+1)W+1 .. M-jW, j = 1..S with S = N*60 / W rounded
                down): S samples.
                A minute with no count counts 0 (no matching mention,
                or counting had not begun).
      mean, sd  the samples' mean and population standard deviation
      threshold mean + sigma * sd
      fires     when count >= min_count, count > threshold, and the last
                firing (if any) was at least cooldown_minutes before now_ms.

    A steady stream sits at the mean; a slow rise keeps the window within
    a few deviations of its recent past (its slices rise too); a burst
    leaves both behind. */
#ifndef WF_SPIKE_H
#define WF_SPIKE_H

#include <stddef.h>
#include <stdint.h>

#define WF_SPIKE_WEEK_MINUTES 10080
#define WF_SPIKE_MAX_WEEKS 12
#define WF_SPIKE_MAX_HOURS 168
#define WF_SPIKE_MAX_WINDOW 60
/* The most ranges wf_spike_ranges gives (the window and 12 weeks'). */
#define WF_SPIKE_MAX_RANGES (WF_SPIKE_MAX_WEEKS + 1)
/* How far back any detector reads: 12 weeks and a window. Older counts
   are never read again (watch.c prunes them). */
#define WF_SPIKE_HORIZON_MINUTES (WF_SPIKE_MAX_WEEKS * WF_SPIKE_WEEK_MINUTES + WF_SPIKE_MAX_WINDOW)

/* A playbook's triggers.spike (docs/playbooks.md). */
typedef struct {
    int window_minutes;   /* 1..60 */
    int min_count;        /* >= 1 */
    double sigma;         /* >= 0 */
    int baseline_weeks;   /* 1..12, or 0 */
    int baseline_hours;   /* 1..168, or 0: exactly one of the two non-zero */
    int cooldown_minutes; /* >= 0 */
} wf_spike_cfg_t;

/* 1 when cfg is within the bounds above; else 0 with why set. */
int wf_spike_cfg_valid(const wf_spike_cfg_t *cfg, char *why, size_t n);

/* The mentions counted in one minute. */
typedef struct {
    int64_t minute; /* Unix minute */
    int64_t n;
} wf_spike_count_t;

/* Minutes from .. to, both included. */
typedef struct {
    int64_t from, to;
} wf_spike_range_t;

/* The minutes the detector reads for cfg (valid) at now_ms, into out
   (room for WF_SPIKE_MAX_RANGES): the window first, then the baseline's
   (weeks: one range per week; hours: one range). Returns how many. */
size_t wf_spike_ranges(const wf_spike_cfg_t *cfg, int64_t now_ms, wf_spike_range_t *out);

typedef enum {
    WF_SPIKE_FIRE = 0, /* a spike: declare or propose */
    WF_SPIKE_FEW,      /* count < min_count */
    WF_SPIKE_USUAL,    /* count <= threshold */
    WF_SPIKE_COOLING,  /* would fire, but within the cool-down */
    WF_SPIKE_INVALID,  /* cfg out of bounds: never fires */
    WF_SPIKE_VERDICT_COUNT
} wf_spike_verdict_t;

/* "fire", "few", "usual", "cooling", "invalid"; "unknown" out of range. */
const char *wf_spike_verdict_name(wf_spike_verdict_t v);

/* The decision with its figures. */
typedef struct {
    wf_spike_verdict_t verdict;
    int64_t window_end; /* M, the Unix minute of now */
    int64_t count;
    int samples;
    double mean, stddev, threshold;
} wf_spike_result_t;

/* Decides (rules above) from series[0..n) (ascending minutes, each minute
   at most once; minutes outside the ranges are ignored), at now_ms, with
   the last firing at last_fired_ms (0: never). Pure. */
void wf_spike_detect(const wf_spike_cfg_t *cfg, const wf_spike_count_t *series, size_t n,
                     int64_t now_ms, int64_t last_fired_ms, wf_spike_result_t *out);

/* The figures as a JSON object into buf (n bytes): window_minutes,
   min_count, sigma, baseline ("weeks" or "hours"), baseline_n, count,
   samples, mean, stddev, threshold, window_end (RFC 3339, UTC, the end of
   the window's last minute). The length written (truncated if n is short,
   as snprintf). */
int wf_spike_figures_json(const wf_spike_cfg_t *cfg, const wf_spike_result_t *r, char *buf,
                          size_t n);

/* The crisis's reason: "spike: N mentions in M minutes (baseline mean X,
   sd Y)" into buf (as snprintf). */
int wf_spike_reason(const wf_spike_cfg_t *cfg, const wf_spike_result_t *r, char *buf, size_t n);

#endif
