# shellcheck shell=bash
# Toxiproxy for scripts/stack: server and cli built with `go install` into the cache, loaded
# with toxiproxy.json rewritten for loopback (compose's service names become 127.0.0.1).

TOXIPROXY_VERSION=v2.12.0
TOXIPROXY_BIN="$CACHE_HOME/toxiproxy-$TOXIPROXY_VERSION/bin"

go_command() {
    if command -v go >/dev/null; then
        echo go
    elif [[ -x /usr/local/go/bin/go ]]; then
        echo /usr/local/go/bin/go
    else
        apt_install golang-go ca-certificates
        echo go
    fi
}

toxiproxy_install() {
    [[ -x "$TOXIPROXY_BIN/toxiproxy-server" && -x "$TOXIPROXY_BIN/toxiproxy-cli" ]] && return 0
    toxiproxy_build "$TOXIPROXY_BIN"
}

# Builds toxiproxy-server and toxiproxy-cli into DIR. Without cgo the binaries are static, so
# the same build runs natively and in an image with nothing else in it (scripts/images).
toxiproxy_build() {
    local dir="$1" go cmd
    go="$(go_command)"
    log "building Toxiproxy $TOXIPROXY_VERSION with go install"
    mkdir -p "$dir"
    for cmd in server cli; do
        # GOTOOLCHAIN=auto lets an older go fetch the toolchain the module asks for.
        GOBIN="$dir" GOTOOLCHAIN=auto GOFLAGS=-mod=mod CGO_ENABLED=0 "$go" install \
            "github.com/Shopify/toxiproxy/v2/cmd/$cmd@$TOXIPROXY_VERSION" \
            >>"$LOG_DIR/toxiproxy-install.log" 2>&1 || {
            tail -n 20 "$LOG_DIR/toxiproxy-install.log" >&2
            die "go install of toxiproxy cmd/$cmd failed"
        }
        mv "$dir/$cmd" "$dir/toxiproxy-$cmd"
    done
}

toxiproxy_healthy() {
    curl -fsS -m 2 "http://127.0.0.1:$TOXIPROXY_PORT/version" >/dev/null 2>&1
}

toxiproxy_describe() {
    if ((KAFKA_NODES == 3)); then
        echo "api 127.0.0.1:$TOXIPROXY_PORT proxies postgres :$PG_PROXY_PORT redis :$REDIS_PROXY_PORT" \
            "kafka-N (client, -broker, -controller) :$(kafka_node_port 1 2)..:$(kafka_node_port 3 6)"
        return
    fi
    echo "api 127.0.0.1:$TOXIPROXY_PORT proxies postgres :$PG_PROXY_PORT redis :$REDIS_PROXY_PORT kafka :$KAFKA_PROXY_PORT"
}

# The listen and upstream ports of the cluster's proxies (the layout of stack.d/common.sh):
# compose's defaults in toxiproxy.cluster.json become this stack's, its names loopback.
toxiproxy_cluster_rewrites() {
    local node k default actual
    for node in "${KAFKA_NODE_IDS[@]}"; do
        for k in 1 2 3 4 5 6; do
            default="$(kafka_node_port "$node" "$k" "$KAFKA_CLUSTER_DEFAULT_PORT")"
            actual="$(kafka_node_port "$node" "$k")"
            printf '%s\n' "-e" "s/\"0\\.0\\.0\\.0:$default\"/\"127.0.0.1:$actual\"/" \
                "-e" "s/\"kafka-$node:$default\"/\"127.0.0.1:$actual\"/"
        done
    done
}

toxiproxy_start() {
    command -v curl >/dev/null || apt_install curl
    require_free_port toxiproxy "$TOXIPROXY_PORT"
    local config="$STACK_HOME/toxiproxy.native.json" file=toxiproxy.json cluster=()
    if ((KAFKA_NODES == 3)); then
        file=toxiproxy.cluster.json
        mapfile -t cluster < <(toxiproxy_cluster_rewrites)
    fi
    # Compose's names become loopback, and the ports follow SAGA_*_PORT.
    sed -e "s/\"0\.0\.0\.0:15432\"/\"127.0.0.1:$PG_PROXY_PORT\"/" \
        -e "s/\"0\.0\.0\.0:16379\"/\"127.0.0.1:$REDIS_PROXY_PORT\"/" \
        -e "s/\"0\.0\.0\.0:19092\"/\"127.0.0.1:$KAFKA_PROXY_PORT\"/" \
        -e "s/\"postgres:5432\"/\"127.0.0.1:$PG_PORT\"/" \
        -e "s/\"redis:6379\"/\"127.0.0.1:$REDIS_PORT\"/" \
        -e "s/\"kafka:29092\"/\"127.0.0.1:$KAFKA_PROXIED_PORT\"/" \
        "${cluster[@]}" "$REPO_ROOT/$file" >"$config"
    if grep -q '"0\.0\.0\.0:\|"\(postgres\|redis\|kafka\(-[0-9]\)\?\):' "$config"; then
        die "$file has an address this script does not know how to rewrite"
    fi
    log "starting Toxiproxy on 127.0.0.1:$TOXIPROXY_PORT"
    # Toxiproxy logs every connection at trace level unless told otherwise: gigabytes under
    # load, and a failing start's log tail would show nothing useful.
    spawn toxiproxy "$LOG_DIR/toxiproxy.log" env LOG_LEVEL="${SAGA_TOXIPROXY_LOG_LEVEL:-info}" \
        "$TOXIPROXY_BIN/toxiproxy-server" \
        -host 127.0.0.1 -port "$TOXIPROXY_PORT" -config "$config"
    wait_until toxiproxy "$LOG_DIR/toxiproxy.log" "$RUN_DIR/toxiproxy.pid" toxiproxy_ready
}

# Healthy and every proxy of toxiproxy.json (or toxiproxy.cluster.json) loaded and listening.
toxiproxy_ready() {
    toxiproxy_healthy && port_open "$PG_PROXY_PORT" && port_open "$REDIS_PROXY_PORT" || return 1
    if ((KAFKA_NODES == 1)); then
        port_open "$KAFKA_PROXY_PORT"
        return
    fi
    local node k
    for node in "${KAFKA_NODE_IDS[@]}"; do
        for k in 2 4 6; do port_open "$(kafka_node_port "$node" "$k")" || return 1; done
    done
}

toxiproxy_stop() { stop_pidfile toxiproxy; }
