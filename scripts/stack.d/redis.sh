# shellcheck shell=bash
# Redis for scripts/stack: Debian's redis-server on 127.0.0.1 with AOF persistence, as in
# docker-compose.yml.

REDIS_DATA="$DATA_DIR/redis"

redis_install() {
    command -v redis-server >/dev/null && command -v redis-cli >/dev/null ||
        apt_install redis-server redis-tools
}

redis_healthy() {
    # shellcheck disable=SC2046 # its options are words
    [[ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" $(redis_cli_options) ping 2>/dev/null)" == PONG ]]
}

redis_describe() { echo "127.0.0.1:$REDIS_PORT aof=$REDIS_DATA"; }

redis_start() {
    mkdir -p "$REDIS_DATA"
    require_free_port redis "$REDIS_PORT"
    local listen=(--port "$REDIS_PORT")
    # shellcheck disable=SC2207 # its options are words
    if tls_on; then listen=($(redis_tls_options)); fi
    log "starting Redis on 127.0.0.1:$REDIS_PORT"
    spawn redis "$LOG_DIR/redis.log" redis-server --bind 127.0.0.1 "${listen[@]}" \
        --dir "$REDIS_DATA" --appendonly yes --appendfsync everysec --save "" \
        --protected-mode yes --daemonize no
    wait_until redis "$LOG_DIR/redis.log" "$RUN_DIR/redis.pid" redis_healthy
}

redis_stop() { stop_pidfile redis; }
