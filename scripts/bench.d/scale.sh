# shellcheck shell=bash
# scripts/bench --at-scale: the operators' tools at production size. One private database and
# topic prefix; every component, the explorer and the auditor included, as its own process.
# The explorer's pages are timed on the empty saga (the baseline), then `saga-bench history`
# loads SCALE_ORDERS finished orders (with their payment events on `payments`) and
# SCALE_LETTERS dead letters on `orders.dlq`; `saga dlq list` is timed (the first run indexes
# every letter, the next ones read the index); the pages are timed again; the auditor's lag is
# sampled while it judges the history and then under closed-loop saturation load; its peak
# RSS is read last. The history is loaded with the saga stopped (it commits the saga's groups
# past it, as days of running would have). Figures on stdout, each page beside its baseline
# as a ratio.

SCALE_ORDERS=1000000
SCALE_LETTERS=100000
SCALE_ROUNDS=100
SCALE_LOAD_ORDERS=6000

# The hash the API_KEYS entries carry.
key_hash() { printf %s "$1" | sha256sum | cut -d' ' -f1; }

# metric PORT NAME: the value of an unlabelled metric on a component's /metrics (empty when absent).
metric() {
    (
        exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
        printf 'GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
        awk -v name="$2" '$1 == name { print $2 }' <&3
    ) 2>/dev/null
}

# sample_behind SECONDS FILE: the auditor's saga_audit_behind_seconds every half second.
sample_behind() {
    local until=$((SECONDS + $1)) port
    port="$(port_of auditor)"
    : >"$2"
    while ((SECONDS < until)); do
        metric "$port" saga_audit_behind_seconds >>"$2"
        sleep 0.5
    done
}

max_of() { sort -g "$1" | tail -n 1; }

# timed FILE COMMAND...: runs COMMAND with its output to FILE; prints the wall seconds.
timed() {
    local out="$1" started
    shift
    started="$(date +%s.%N)"
    "$@" >"$out"
    awk -v s="$started" -v e="$(date +%s.%N)" 'BEGIN { printf "%.2f", e - s }'
}

at_scale() {
    local db="${RUN_ID}_scale" explorer first second list_max caught behind_max rss order
    export API_KEYS="dev:client:$(key_hash order-saga-dev-key),ops:operator:$(key_hash order-saga-ops-key)"
    COMPONENTS+=(auditor)
    export AUDITOR_URL="http://127.0.0.1:$(port_of auditor)"
    create_db "$db"
    export DATABASE_URL
    DATABASE_URL="$(db_url "$db")"
    "$SAGA" migrate 2>/dev/null
    start_saga "$DATABASE_URL"
    explorer="http://127.0.0.1:$(port_of explorer)"
    bench_log "baseline: the explorer's pages on the empty saga"
    SAGA_API_KEY=order-saga-ops-key "$SAGA_BENCH" explore --url "$explorer" \
        --rounds "$SCALE_ROUNDS" --json "$WORK/explore-empty.json" >"$WORK/explore-empty.txt"
    # Loaded with the saga stopped: the history commits the saga's groups past what it
    # publishes, which Kafka refuses while the groups have members.
    stop_saga
    bench_log "loading $SCALE_ORDERS orders and $SCALE_LETTERS dead letters"
    "$SAGA_BENCH" history --orders "$SCALE_ORDERS" --dead-letters "$SCALE_LETTERS" 2>&1 |
        tee "$WORK/history.txt" >&2
    start_saga "$DATABASE_URL"
    local restarted=$SECONDS
    first="$(timed "$WORK/dlq-first.txt" "$SAGA" dlq list)"
    : >"$WORK/dlq-then.txt"
    for _ in 1 2 3 4 5; do timed /dev/null "$SAGA" dlq list >>"$WORK/dlq-then.txt"; echo >>"$WORK/dlq-then.txt"; done
    second="$(sort -g "$WORK/dlq-then.txt" | sed -n 3p)"
    list_max="$(max_of "$WORK/dlq-then.txt")"
    order=$((SCALE_ORDERS / 2))
    bench_log "the explorer's pages at $SCALE_ORDERS orders"
    SAGA_API_KEY=order-saga-ops-key "$SAGA_BENCH" explore --url "$explorer" --order "$order" \
        --rounds "$SCALE_ROUNDS" --json "$WORK/explore-scale.json" >"$WORK/explore-scale.txt"
    bench_log "the auditor judging the history"
    # Every order, its status change and (nine in ten) its courier: rows the auditor must read.
    local rows=$((SCALE_ORDERS * 29 / 10))
    caught=$restarted
    until awk -v r="$(metric "$(port_of auditor)" saga_audit_rows_read_total)" -v n="$rows" \
        'BEGIN { exit !(r != "" && r >= n) }'; do
        ((SECONDS - caught < 900)) || bench_die "the auditor did not catch up in 900 s"
        sleep 1
    done
    caught=$((SECONDS - caught))
    bench_log "saturation load with the auditor following"
    sample_behind 100000 "$WORK/behind.txt" &
    local sampler=$!
    "$SAGA_BENCH" --url "http://127.0.0.1:$PORT_BASE" --orders "$SCALE_LOAD_ORDERS" \
        --concurrency 16 --patience 120 --json "$WORK/scale-load.json" >"$WORK/scale-load.txt"
    sleep 3
    kill "$sampler" 2>/dev/null || true
    wait "$sampler" 2>/dev/null || true
    behind_max="$(max_of "$WORK/behind.txt")"
    rss="$(peak_rss_kb auditor)"
    scale_report "$first" "$second" "$list_max" "$caught" "$behind_max" "$rss"
    stop_saga
}

# The figures, each page's p99 beside its baseline's.
scale_report() {
    echo "the operators' tools at $SCALE_ORDERS orders and $SCALE_LETTERS dead letters" \
        "(goals: pages p99 < 200 ms, saga dlq list < 2 s, auditor < 200 MB and < 5 s behind)"
    printf '  %-26s %14s %14s %8s\n' "explorer page" "p99 empty" "p99 at scale" ratio
    python3 - "$WORK/explore-empty.json" "$WORK/explore-scale.json" <<'PY'
import json, sys
empty, scale = (json.load(open(p)) for p in sys.argv[1:3])
for page, figures in scale.items():
    base = empty.get(page, {}).get("p99_ms", 0)
    at = figures["p99_ms"]
    ratio = f"{at / base:.2f}" if base else "-"
    print(f"  {page:<26} {base:11.1f} ms {at:11.1f} ms {ratio:>8}")
PY
    echo "  saga dlq list: first run (indexes every letter) $1 s; then median $2 s, max $3 s"
    echo "  auditor: judged the history in ${4} s from its start (the pages were timed meanwhile);" \
        "under saturation load" \
        "($("$SAGA_BENCH" figure orders-per-second "$WORK/scale-load.json") orders/s at 16 clients)" \
        "at most ${5} s behind; peak RSS $(($6 / 1024)) MB"
    echo "  load average $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores)"
}
