"""Inbound helpers of `make bench` (bench/run.py, phase inbound) and of the
suite's short run of it (tests/e2e/test_bench_inbound.py): did every
mention bench-loadgen --inbound posted reach the inbox exactly once, and
where did the time between its acknowledgement and the inbox go.

Mentions are found by their external ids, which bench-loadgen makes from
its --key-prefix ("PREFIX-N"): one prefix per run, sharing a stem per
phase, so that `LIKE 'stem-%'` finds a whole phase."""
import os
import subprocess


def records(path):
    """The loadgen's per-item file: (item, mention id, t_submit_us,
    t_ack_us, status, t_visible_us) per line (t_visible_us 0: not seen)."""
    out = []
    with open(path) as f:
        for line in f:
            i, mid, sub, ack, status, vis = line.rstrip("\n").split("\t")
            out.append((int(i), mid, int(sub), int(ack), int(status), int(vis)))
    return out


def exactly_once(s, stem, acked):
    """What broke exactly-once for the mentions whose external id starts
    with `stem-`, `acked` of which were acknowledged as new (201): a list of
    sentences, empty when every acknowledged mention is stored once, has
    one inbox row, and one mention.received and one mention.routed event."""
    like = stem.replace("_", "\\_") + "-%"
    row = s.psql(
        "SELECT count(*), count(i.mention_id), "
        "(SELECT count(*) FROM event_log e JOIN mention x ON x.id = e.correlation_id "
        f"  WHERE x.external_id LIKE '{like}' AND e.type = 'mention.received'), "
        "(SELECT count(DISTINCT e.correlation_id) FROM event_log e "
        "  JOIN mention x ON x.id = e.correlation_id "
        f"  WHERE x.external_id LIKE '{like}' AND e.type = 'mention.received'), "
        "(SELECT count(*) FROM event_log e JOIN mention x ON x.id = e.correlation_id "
        f"  WHERE x.external_id LIKE '{like}' AND e.type = 'mention.routed'), "
        "(SELECT count(DISTINCT e.correlation_id) FROM event_log e "
        "  JOIN mention x ON x.id = e.correlation_id "
        f"  WHERE x.external_id LIKE '{like}' AND e.type = 'mention.routed') "
        f"FROM mention m LEFT JOIN inbox_item i ON i.mention_id = m.id "
        f"WHERE m.external_id LIKE '{like}'")
    stored, inbox, received, received_ids, routed, routed_ids = (int(x) for x in row.split("|"))
    bad = []
    if stored != acked:
        bad.append(f"{acked} mentions acknowledged as new, {stored} stored")
    if inbox != stored:
        bad.append(f"{stored - inbox} of {stored} stored mentions have no inbox row (lost)")
    for what, n, ids in (("mention.received", received, received_ids),
                         ("mention.routed", routed, routed_ids)):
        if n != ids:
            bad.append(f"{n - ids} duplicated {what} events")
        if ids != stored:
            bad.append(f"{stored - ids} of {stored} mentions without {what}")
    return bad


def inbox_rows(s, stem):
    """How many mentions of the phase `stem` have an inbox row."""
    like = stem.replace("_", "\\_") + "-%"
    return int(s.psql("SELECT count(*) FROM mention m JOIN inbox_item i ON i.mention_id = m.id "
                      f"WHERE m.external_id LIKE '{like}'"))


def stages(s, path, results_dir):
    """Where the time went between acknowledgement and inbox, for the
    mentions of the loadgen file `path` that the probe saw: per stage, its
    p50 / p99 in ms, as [(stage, p50, p99, n)]. The stages, from the
    database's own stamps: ingest's transaction (mention.received's
    created_at, its start) -> the client's acknowledgement; the
    acknowledgement -> the hub sequencing it (sequenced_at); sequenced ->
    workflow's transaction starting (mention.routed's created_at: the
    delivery, and the batch waiting to be read); that transaction start ->
    visible to the probe (workflow's batch, its commit, and the probe's
    resolution)."""
    rows = [r for r in records(path) if r[5] and r[4] in (200, 201)]
    if not rows:
        return []
    tsv = os.path.join(results_dir, "inbound-stages.tsv")
    with open(tsv, "w") as f:
        for _, mid, _, ack, _, vis in rows:
            f.write(f"{mid}\t{ack}\t{vis}\n")
    s.psql("DROP TABLE IF EXISTS bench_inbound; CREATE TABLE bench_inbound "
           "(id uuid PRIMARY KEY, ack_us bigint, vis_us bigint)")
    subprocess.run(["psql", s.db_url, "-q", "-c", f"\\copy bench_inbound FROM '{tsv}'"],
                   check=True)
    us = "extract(epoch FROM {})::float8 * 1e6"
    spans = {
        "ingest tx start -> ack": f"b.ack_us - {us.format('r.created_at')}",
        "ack -> sequenced": f"{us.format('r.sequenced_at')} - b.ack_us",
        "sequenced -> workflow tx": f"{us.format('w.created_at')} - {us.format('r.sequenced_at')}",
        "workflow tx -> visible": f"b.vis_us - {us.format('w.created_at')}",
        "ack -> visible": "b.vis_us - b.ack_us",
    }
    cols = ", ".join(
        f"percentile_cont(0.5) WITHIN GROUP (ORDER BY {e}) / 1000, "
        f"percentile_cont(0.99) WITHIN GROUP (ORDER BY {e}) / 1000" for e in spans.values())
    row = s.psql(
        f"SELECT count(*), {cols} FROM bench_inbound b "
        "JOIN event_log r ON r.correlation_id = b.id AND r.type = 'mention.received' "
        "JOIN event_log w ON w.correlation_id = b.id AND w.type = 'mention.routed'")
    s.psql("DROP TABLE bench_inbound")
    vals = row.split("|")
    n = int(vals[0])
    return [(name, float(vals[1 + 2 * k]), float(vals[2 + 2 * k]), n)
            for k, name in enumerate(spans)]
