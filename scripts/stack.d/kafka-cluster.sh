# shellcheck shell=bash
# Apache Kafka as a replicated three-node KRaft cluster (SAGA_KAFKA_NODES=3), so faults can hit
# one node while the saga keeps running on the other two. Each node is a combined
# broker+controller with its own data, log and ports (the table in stack.d/common.sh); all
# traffic between nodes goes through Toxiproxy (kafka-N-broker, kafka-N-controller), so
# Toxiproxy must run before the nodes can form a quorum. The `kafka` service is all three
# nodes; kafka-1, kafka-2 and kafka-3 are one node each (stop, SIGKILL, start one alone).

KAFKA_NODE_IDS=(1 2 3)
# Every node formats its storage with this id; a node whose data was deleted is formatted
# again with it on its next start, joins as the same node and re-replicates from its peers.
KAFKA_CLUSTER_ID_FILE="$DATA_DIR/kafka-cluster.id"

for node in "${KAFKA_NODE_IDS[@]}"; do
    # The node's own config path: tells its process from the other nodes' (and other stacks').
    PID_MARKER["kafka-$node"]="$KAFKA_CONF/server-$node.properties"
done
unset node

kafka_node_log() { echo "$LOG_DIR/kafka-$1.log"; }
kafka_node_data() { echo "$DATA_DIR/kafka-$1"; }

# The client addresses of all nodes, K=0 direct or K=2 through Toxiproxy, comma-separated.
kafka_cluster_bootstrap() {
    local k="$1" node list=()
    for node in "${KAFKA_NODE_IDS[@]}"; do list+=("127.0.0.1:$(kafka_node_port "$node" "$k")"); done
    (IFS=,; echo "${list[*]}")
}

kafka_cluster_voters() {
    local node list=()
    for node in "${KAFKA_NODE_IDS[@]}"; do
        list+=("$node@127.0.0.1:$(kafka_node_port "$node" 6)")
    done
    (IFS=,; echo "${list[*]}")
}

# The stored cluster id; else the one a surviving node was formatted with; else a new one.
kafka_cluster_id() {
    local node meta id=""
    if [[ -s "$KAFKA_CLUSTER_ID_FILE" ]]; then
        cat "$KAFKA_CLUSTER_ID_FILE"
        return
    fi
    for node in "${KAFKA_NODE_IDS[@]}"; do
        meta="$(kafka_node_data "$node")/meta.properties"
        [[ -f "$meta" ]] && id="$(sed -n 's/^cluster\.id=//p' "$meta")" && [[ -n "$id" ]] && break
    done
    if [[ -z "$id" ]]; then
        id="$(kafka_java kafka.tools.StorageTool random-uuid 2>>"$LOG_DIR/kafka-admin.log" | tail -n 1)"
    fi
    mkdir -p "$DATA_DIR"
    echo "$id" >"$KAFKA_CLUSTER_ID_FILE"
    echo "$id"
}

# Replication: every partition on all three nodes, a write needs two of them, and a replica
# that fell behind never becomes leader (no silent loss of acknowledged records). A follower
# silent for 10 s (not Kafka's 30) leaves the ISR, so a node cut off from its peers shows its
# effect (the ISR below the minimum, writes to what it leads refused) within a chaos window.
kafka_node_write_config() {
    local node="$1" p=()
    local k
    for k in 0 1 2 3 4 5 6; do p+=("$(kafka_node_port "$node" "$k")"); done
    mkdir -p "$KAFKA_CONF" "$(kafka_node_data "$node")"
    cat >"$KAFKA_CONF/server-$node.properties" <<EOF
process.roles=broker,controller
node.id=$node
controller.quorum.voters=$(kafka_cluster_voters)
controller.listener.names=CONTROLLER
listeners=DIRECT://127.0.0.1:${p[0]},PROXIED://127.0.0.1:${p[1]},BROKER://127.0.0.1:${p[3]},CONTROLLER://127.0.0.1:${p[5]}
advertised.listeners=DIRECT://127.0.0.1:${p[0]},PROXIED://127.0.0.1:${p[2]},BROKER://127.0.0.1:${p[4]},CONTROLLER://127.0.0.1:${p[6]}
listener.security.protocol.map=DIRECT:PLAINTEXT,PROXIED:PLAINTEXT,BROKER:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=BROKER
log.dirs=$(kafka_node_data "$node")
num.partitions=$KAFKA_PARTITIONS
auto.create.topics.enable=false
default.replication.factor=3
min.insync.replicas=2
unclean.leader.election.enable=false
offsets.topic.replication.factor=3
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=3
transaction.state.log.min.isr=2
share.coordinator.state.topic.replication.factor=3
share.coordinator.state.topic.min.isr=2
replica.lag.time.max.ms=10000
group.initial.rebalance.delay.ms=0
EOF
    kafka_log4j2_properties >"$KAFKA_CONF/log4j2.properties"
}

# Healthy: its listeners are open and its log says it started (registered with the quorum).
kafka_node_healthy() {
    local node="$1" k
    for k in 0 1 3 5; do port_open "$(kafka_node_port "$node" "$k")" || return 1; done
    grep -q "Kafka Server started" "$(kafka_node_log "$node")" 2>/dev/null
}

kafka_node_describe() {
    local node="$1"
    echo "node $node direct 127.0.0.1:$(kafka_node_port "$node" 0), proxied :$(kafka_node_port "$node" 2)," \
        "broker :$(kafka_node_port "$node" 4), controller :$(kafka_node_port "$node" 6) (proxies)," \
        "data=$(kafka_node_data "$node")"
}

# Starts one node without waiting: a node only starts once a quorum of the three runs.
kafka_node_spawn() {
    local node="$1" name="kafka-$1" data logfile k
    data="$(kafka_node_data "$node")"
    logfile="$(kafka_node_log "$node")"
    for k in 0 1 3 5; do require_free_port "$name" "$(kafka_node_port "$node" "$k")"; done
    kafka_node_write_config "$node"
    if [[ ! -f "$data/meta.properties" ]]; then
        local cluster_id
        cluster_id="$(kafka_cluster_id)"
        log "formatting KRaft storage of $name in $data (cluster $cluster_id)"
        # No --standalone: the three voters are static, from controller.quorum.voters.
        kafka_java kafka.tools.StorageTool format -t "$cluster_id" \
            -c "$KAFKA_CONF/server-$node.properties" >>"$logfile" 2>&1 ||
            fail_start "$name" "$logfile"
    fi
    [[ -f "$logfile" ]] && mv "$logfile" "$logfile.1"
    log "starting $name (Kafka $KAFKA_VERSION) on 127.0.0.1:$(kafka_node_port "$node" 0)"
    # Three nodes on one machine: half the single node's heap each, the same G1 settings.
    spawn "$name" "$logfile" java "${KAFKA_JVM_OPTS[@]}" -Xms512m -Xmx512m "${KAFKA_G1_OPTS[@]}" \
        "-Xlog:gc:file=$LOG_DIR/kafka-$node-gc.log:time,uptime:filecount=2,filesize=10m" \
        kafka.Kafka "$KAFKA_CONF/server-$node.properties"
}

kafka_node_wait() {
    local node="$1"
    wait_until "kafka-$node" "$(kafka_node_log "$node")" "$RUN_DIR/kafka-$node.pid" \
        kafka_node_healthy "$node"
}

kafka_node_start() {
    kafka_node_spawn "$1"
    kafka_node_wait "$1"
}

kafka_node_stop() { stop_pidfile "kafka-$1"; }

kafka_node_kill() { kill_pidfile "kafka-$1"; }

kafka_cluster_healthy() {
    local node
    for node in "${KAFKA_NODE_IDS[@]}"; do kafka_node_healthy "$node" || return 1; done
}

kafka_cluster_describe() {
    echo "3 nodes, direct $(kafka_cluster_bootstrap 0), proxied $(kafka_cluster_bootstrap 2), KRaft $KAFKA_VERSION"
}

# Starts every node that is not running, then waits for all of them.
kafka_cluster_start() {
    local node
    for node in "${KAFKA_NODE_IDS[@]}"; do
        if kafka_node_healthy "$node"; then
            log "kafka-$node already running"
        elif ! pid_alive "$RUN_DIR/kafka-$node.pid"; then
            kafka_node_spawn "$node"
        fi
    done
    for node in "${KAFKA_NODE_IDS[@]}"; do kafka_node_wait "$node"; done
}

# All nodes at once: stopped one after another, the last would wait for a quorum that left.
kafka_cluster_stop() {
    local node
    for node in "${KAFKA_NODE_IDS[@]}"; do kafka_node_stop "$node" & done
    wait
}

kafka_cluster_kill() {
    local node
    for node in "${KAFKA_NODE_IDS[@]}"; do kafka_node_kill "$node"; done
}

# In cluster mode the `kafka` service of scripts/stack is the three nodes.
if ((KAFKA_NODES == 3)); then
    KAFKA_ADMIN_BOOTSTRAP="$(kafka_cluster_bootstrap 0)"
    KAFKA_TOPIC_OPTS=(--replication-factor 3 --config min.insync.replicas=2)
    kafka_healthy() { kafka_cluster_healthy; }
    kafka_describe() { kafka_cluster_describe; }
    kafka_start() { kafka_cluster_start; }
    kafka_stop() { kafka_cluster_stop; }
fi
