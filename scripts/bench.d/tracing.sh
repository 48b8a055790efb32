# shellcheck shell=bash
# scripts/bench --tracing-compare: what exporting spans costs. Every component restarted without
# an exporter, then exporting to Jaeger (`scripts/stack up jaeger`, its OTLP/gRPC port), round
# after round in the same run on the same database: closed-loop saturation at TRACING_CLIENTS
# clients, the medians and their ratio, and the CPU time per order of the components and of
# Jaeger itself (the trace store shares the machine, as a collector beside the saga would).

# restart_traced off|on DATABASE_URL: every component again, exporting spans or not.
restart_traced() {
    stop_saga
    if [[ $1 == on ]]; then
        OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$JAEGER_OTLP_GRPC_PORT" start_saga "$2"
    else
        start_saga "$2"
    fi
}

# Clock ticks every component has used so far.
components_ticks() {
    local name total=0
    for name in "${!PIDS[@]}"; do total=$((total + $(cpu_ticks "${PIDS[$name]}"))); done
    echo "$total"
}

tracing_compare() {
    local round mode rate saga_ticks jaeger_ticks jaeger_pid hz
    local -A rates=([off]="" [on]="") saga_cpu=([off]="" [on]="") jaeger_cpu=([off]="" [on]="")
    "$REPO/scripts/stack" up jaeger >/dev/null
    jaeger_pid="$(cat "$RUN_DIR/jaeger.pid")"
    unset OTEL_EXPORTER_OTLP_ENDPOINT OTEL_EXPORTER_OTLP_TRACES_ENDPOINT
    hz="$(getconf CLK_TCK)"
    ms() { awk -v t="$1" -v hz="$hz" -v n="$ORDERS" 'BEGIN { printf "%.3f", t * 1000 / hz / n }'; }
    for round in $(seq 1 "$TRACING_ROUNDS"); do
        for mode in off on; do
            restart_traced "$mode" "$1"
            settle_db "$RUN_ID"
            saga_ticks="$(components_ticks)"
            jaeger_ticks="$(cpu_ticks "$jaeger_pid")"
            "$SAGA_BENCH" --url "http://127.0.0.1:$PORT_BASE" --orders "$ORDERS" \
                --concurrency "$TRACING_CLIENTS" --patience 120 \
                --json "$WORK/tracing-$mode-$round.json" >"$WORK/tracing-$mode-$round.txt"
            rate="$("$SAGA_BENCH" figure orders-per-second "$WORK/tracing-$mode-$round.json")"
            rates[$mode]+="$rate "
            saga_cpu[$mode]+="$(ms $(($(components_ticks) - saga_ticks))) "
            jaeger_cpu[$mode]+="$(ms $(($(cpu_ticks "$jaeger_pid") - jaeger_ticks))) "
            bench_log "tracing $mode, round $round: $rate orders/s"
        done
    done
    local off on
    off="$(median <<<"${rates[off]}")"
    on="$(median <<<"${rates[on]}")"
    echo "saturation, $TRACING_CLIENTS clients, $ORDERS orders a run, $TRACING_ROUNDS rounds (off, on):"
    echo "  spans not exported:        $off orders/s (runs: ${rates[off]% })"
    echo "  spans exported to Jaeger:  $on orders/s (runs: ${rates[on]% })"
    awk -v off="$off" -v on="$on" 'BEGIN { printf "  exported / not exported: %.1f%%\n", 100 * on / off }'
    echo "  components' CPU ms per order: off $(median <<<"${saga_cpu[off]}") (${saga_cpu[off]% })," \
        "on $(median <<<"${saga_cpu[on]}") (${saga_cpu[on]% })"
    echo "  Jaeger's CPU ms per order: off $(median <<<"${jaeger_cpu[off]}"), on $(median <<<"${jaeger_cpu[on]}")"
    echo "  load average before $LOAD_BEFORE, after $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores)"
}
