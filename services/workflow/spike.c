/*  spike: the detector's arithmetic over sparse per-minute counts. */
#include "spike.h"

#include <math.h>
#include <stdio.h>
#include <time.h>

static const char *const s_verdicts[WF_SPIKE_VERDICT_COUNT] = {[WF_SPIKE_FIRE] = "fire",
                                                               [WF_SPIKE_FEW] = "few",
                                                               [WF_SPIKE_USUAL] = "usual",
                                                               [WF_SPIKE_COOLING] = "cooling",
                                                               [WF_SPIKE_INVALID] = "invalid"};

const char *wf_spike_verdict_name(wf_spike_verdict_t v) {
    return (unsigned)v < WF_SPIKE_VERDICT_COUNT ? s_verdicts[v] : "unknown";
}

int wf_spike_cfg_valid(const wf_spike_cfg_t *c, char *why, size_t n) {
    const char *bad = NULL;
    if (c->window_minutes < 1 || c->window_minutes > WF_SPIKE_MAX_WINDOW)
        bad = "window_minutes must be 1..60";
    else if (c->min_count < 1)
        bad = "min_count must be at least 1";
    else if (!(c->sigma >= 0) || !isfinite(c->sigma))
        bad = "sigma must be a number >= 0";
    else if ((c->baseline_weeks != 0) == (c->baseline_hours != 0))
        bad = "exactly one of baseline_weeks and baseline_hours must be set";
    else if (c->baseline_weeks < 0 || c->baseline_weeks > WF_SPIKE_MAX_WEEKS)
        bad = "baseline_weeks must be 1..12";
    else if (c->baseline_hours < 0 || c->baseline_hours > WF_SPIKE_MAX_HOURS)
        bad = "baseline_hours must be 1..168";
    else if (c->cooldown_minutes < 0)
        bad = "cooldown_minutes must be >= 0";
    if (bad)
        snprintf(why, n, "%s", bad);
    return bad == NULL;
}

/* Floor division: minutes before 1970 stay in their own minute. */
static int64_t minute_of(int64_t ms) { return ms >= 0 ? ms / 60000 : -((-ms + 59999) / 60000); }

size_t wf_spike_ranges(const wf_spike_cfg_t *cfg, int64_t now_ms, wf_spike_range_t *out) {
    int64_t m = minute_of(now_ms), w = cfg->window_minutes;
    size_t k = 0;
    out[k++] = (wf_spike_range_t){m - w + 1, m};
    if (cfg->baseline_weeks > 0) {
        for (int64_t wk = 1; wk <= cfg->baseline_weeks; wk++)
            out[k++] = (wf_spike_range_t){m - wk * WF_SPIKE_WEEK_MINUTES - w + 1,
                                          m - wk * WF_SPIKE_WEEK_MINUTES};
    } else {
        int64_t slices = (int64_t)cfg->baseline_hours * 60 / w;
        out[k++] = (wf_spike_range_t){m - (slices + 1) * w + 1, m - w};
    }
    return k;
}

/* The first index of series whose minute is >= minute. */
static size_t lower_bound(const wf_spike_count_t *s, size_t n, int64_t minute) {
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s[mid].minute < minute)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static int64_t sum(const wf_spike_count_t *s, size_t n, int64_t from, int64_t to) {
    int64_t total = 0;
    for (size_t i = lower_bound(s, n, from); i < n && s[i].minute <= to; i++)
        total += s[i].n;
    return total;
}

/* Baseline sample k (1-based): the window's sum k weeks or k slices back. */
static double sample(const wf_spike_cfg_t *cfg, const wf_spike_count_t *s, size_t n, int64_t m,
                     int k) {
    int64_t w = cfg->window_minutes;
    int64_t end = cfg->baseline_weeks > 0 ? m - k * WF_SPIKE_WEEK_MINUTES : m - k * w;
    return (double)sum(s, n, end - w + 1, end);
}

/* The baseline's samples' mean and population standard deviation, in two
   passes (a steady baseline's deviation is exactly 0). */
static void baseline(const wf_spike_cfg_t *cfg, const wf_spike_count_t *s, size_t n, int64_t m,
                     wf_spike_result_t *r) {
    int samples = cfg->baseline_weeks > 0
                      ? cfg->baseline_weeks
                      : (int)((int64_t)cfg->baseline_hours * 60 / cfg->window_minutes);
    double total = 0, squares = 0;
    for (int k = 1; k <= samples; k++)
        total += sample(cfg, s, n, m, k);
    r->samples = samples;
    r->mean = total / samples;
    for (int k = 1; k <= samples; k++) {
        double d = sample(cfg, s, n, m, k) - r->mean;
        squares += d * d;
    }
    r->stddev = sqrt(squares / samples);
}

void wf_spike_detect(const wf_spike_cfg_t *cfg, const wf_spike_count_t *series, size_t n,
                     int64_t now_ms, int64_t last_fired_ms, wf_spike_result_t *out) {
    char why[80];
    *out = (wf_spike_result_t){.verdict = WF_SPIKE_INVALID, .window_end = minute_of(now_ms)};
    if (!wf_spike_cfg_valid(cfg, why, sizeof why))
        return;
    int64_t m = out->window_end;
    out->count = sum(series, n, m - cfg->window_minutes + 1, m);
    baseline(cfg, series, n, m, out);
    out->threshold = out->mean + cfg->sigma * out->stddev;
    if (out->count < cfg->min_count)
        out->verdict = WF_SPIKE_FEW;
    else if (!((double)out->count > out->threshold))
        out->verdict = WF_SPIKE_USUAL;
    else if (last_fired_ms > 0 && now_ms - last_fired_ms < (int64_t)cfg->cooldown_minutes * 60000)
        out->verdict = WF_SPIKE_COOLING;
    else
        out->verdict = WF_SPIKE_FIRE;
}

int wf_spike_figures_json(const wf_spike_cfg_t *cfg, const wf_spike_result_t *r, char *buf,
                          size_t n) {
    time_t end = (time_t)((r->window_end + 1) * 60);
    struct tm tm;
    char when[32];
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&end, &tm));
    int weeks = cfg->baseline_weeks > 0;
    return snprintf(buf, n,
                    "{\"window_minutes\":%d,\"min_count\":%d,\"sigma\":%g,\"baseline\":\"%s\","
                    "\"baseline_n\":%d,\"count\":%lld,\"samples\":%d,\"mean\":%.3f,"
                    "\"stddev\":%.3f,\"threshold\":%.3f,\"window_end\":\"%s\"}",
                    cfg->window_minutes, cfg->min_count, cfg->sigma, weeks ? "weeks" : "hours",
                    weeks ? cfg->baseline_weeks : cfg->baseline_hours, (long long)r->count,
                    r->samples, r->mean, r->stddev, r->threshold, when);
}

int wf_spike_reason(const wf_spike_cfg_t *cfg, const wf_spike_result_t *r, char *buf, size_t n) {
    return snprintf(buf, n, "spike: %lld mentions in %d minutes (baseline mean %.1f, sd %.1f)",
                    (long long)r->count, cfg->window_minutes, r->mean, r->stddev);
}
