# shellcheck shell=bash
# Jaeger v2 (one `jaeger` binary: OTLP receivers, in-memory trace storage, the query API and
# UI) for scripts/stack, built from its Go module into the cache like Toxiproxy and run with
# jaeger.yaml on loopback. Started only when named (`scripts/stack up jaeger`). The saga
# exports to it only when told to (OTEL_EXPORTER_OTLP_ENDPOINT=$JAEGER_OTLP_ENDPOINT): a
# shared stack's Jaeger does not make everyone's runs export.

JAEGER_VERSION=v1.75.0
JAEGER_BIN="$CACHE_HOME/jaeger-$JAEGER_VERSION/bin"
JAEGER_OTLP_GRPC_PORT="${SAGA_JAEGER_OTLP_GRPC_PORT:-4317}"
JAEGER_OTLP_HTTP_PORT="${SAGA_JAEGER_OTLP_HTTP_PORT:-4318}"
JAEGER_QUERY_PORT="${SAGA_JAEGER_QUERY_PORT:-16686}"
JAEGER_QUERY_GRPC_PORT="${SAGA_JAEGER_QUERY_GRPC_PORT:-16685}"
JAEGER_HEALTH_PORT="${SAGA_JAEGER_HEALTH_PORT:-13133}"

jaeger_install() {
    [[ -x "$JAEGER_BIN/jaeger" ]] && return 0
    jaeger_build "$JAEGER_BIN"
}

# Builds `jaeger` into DIR (static, without cgo, so an image can carry it alone). Its module
# is a program, not a library: `go get -tool` in a scratch module resolves it, then one build.
jaeger_build() {
    local dir="$1" go scratch started
    go="$(go_command)"
    scratch="$(mktemp -d)"
    started=$SECONDS
    log "building Jaeger $JAEGER_VERSION from its Go module (several minutes on two cores)"
    mkdir -p "$dir"
    (
        cd "$scratch" &&
            printf 'module order-saga/jaeger-build\n\ngo 1.24\n' >go.mod &&
            GOTOOLCHAIN=auto GOFLAGS=-mod=mod "$go" get -tool \
                "github.com/jaegertracing/jaeger/cmd/jaeger@$JAEGER_VERSION" &&
            GOTOOLCHAIN=auto GOFLAGS=-mod=mod CGO_ENABLED=0 "$go" build \
                -o "$dir/jaeger.partial" github.com/jaegertracing/jaeger/cmd/jaeger
    ) >>"$LOG_DIR/jaeger-install.log" 2>&1 || {
        rm -rf "$scratch"
        tail -n 20 "$LOG_DIR/jaeger-install.log" >&2
        die "building Jaeger $JAEGER_VERSION failed (log: $LOG_DIR/jaeger-install.log)"
    }
    rm -rf "$scratch"
    # Renamed only when whole: an interrupted build is not mistaken for an installed one.
    mv "$dir/jaeger.partial" "$dir/jaeger"
    log "Jaeger built in $((SECONDS - started))s"
}

jaeger_healthy() {
    curl -fsS -m 2 "http://127.0.0.1:$JAEGER_HEALTH_PORT/status" >/dev/null 2>&1 &&
        port_open "$JAEGER_OTLP_GRPC_PORT" && port_open "$JAEGER_QUERY_PORT"
}

jaeger_describe() {
    echo "OTLP grpc :$JAEGER_OTLP_GRPC_PORT http :$JAEGER_OTLP_HTTP_PORT, query http://127.0.0.1:$JAEGER_QUERY_PORT"
}

jaeger_start() {
    command -v curl >/dev/null || apt_install curl
    local port
    for port in "$JAEGER_OTLP_GRPC_PORT" "$JAEGER_OTLP_HTTP_PORT" "$JAEGER_QUERY_PORT" \
        "$JAEGER_QUERY_GRPC_PORT" "$JAEGER_HEALTH_PORT"; do
        require_free_port jaeger "$port"
    done
    log "starting Jaeger on 127.0.0.1 (OTLP :$JAEGER_OTLP_GRPC_PORT, query :$JAEGER_QUERY_PORT)"
    spawn jaeger "$LOG_DIR/jaeger.log" env JAEGER_LISTEN_HOST=127.0.0.1 \
        JAEGER_OTLP_GRPC_PORT="$JAEGER_OTLP_GRPC_PORT" JAEGER_OTLP_HTTP_PORT="$JAEGER_OTLP_HTTP_PORT" \
        JAEGER_QUERY_PORT="$JAEGER_QUERY_PORT" JAEGER_QUERY_GRPC_PORT="$JAEGER_QUERY_GRPC_PORT" \
        JAEGER_HEALTH_PORT="$JAEGER_HEALTH_PORT" \
        "$JAEGER_BIN/jaeger" --config "$REPO_ROOT/jaeger.yaml"
    wait_until jaeger "$LOG_DIR/jaeger.log" "$RUN_DIR/jaeger.pid" jaeger_healthy
}

jaeger_stop() { stop_pidfile jaeger; }

# The exporter's variables, printed by `scripts/stack env` while Jaeger runs.
jaeger_env() {
    jaeger_healthy || return 0
    cat <<EOF2
# Jaeger is up: OTEL_EXPORTER_OTLP_ENDPOINT=\$JAEGER_OTLP_ENDPOINT exports to it (docs/tracing.md).
export JAEGER_OTLP_ENDPOINT=http://127.0.0.1:$JAEGER_OTLP_GRPC_PORT
export JAEGER_QUERY_URL=http://127.0.0.1:$JAEGER_QUERY_PORT
EOF2
}
