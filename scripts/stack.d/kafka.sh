# shellcheck shell=bash
# Apache Kafka for scripts/stack: the broker's jars from Maven Central (via mvn), one combined
# broker+controller node in KRaft mode. Two client listeners: DIRECT (127.0.0.1:9092, for
# tests, the checker and admin) and PROXIED (bound on 29092, advertised at Toxiproxy's
# 127.0.0.1:19092) so components that bootstrap through the proxy keep talking through it.

KAFKA_VERSION="${KAFKA_VERSION:-4.1.1}"
LOG4J_VERSION=2.24.3
KAFKA_HOME_DIR="$CACHE_HOME/kafka-$KAFKA_VERSION"
KAFKA_LIBS="$KAFKA_HOME_DIR/libs"
KAFKA_DATA="$DATA_DIR/kafka"
KAFKA_CONF="$STACK_HOME/kafka-conf"

kafka_install() {
    command -v java >/dev/null || apt_install openjdk-17-jre-headless
    [[ -f "$KAFKA_LIBS/.complete" ]] && return 0
    command -v mvn >/dev/null || apt_install maven
    log "fetching Apache Kafka $KAFKA_VERSION jars from Maven Central"
    mkdir -p "$KAFKA_HOME_DIR"
    cat >"$KAFKA_HOME_DIR/pom.xml" <<EOF
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>order-saga</groupId><artifactId>kafka-runtime</artifactId><version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId>
      <version>$KAFKA_VERSION</version></dependency>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-tools</artifactId>
      <version>$KAFKA_VERSION</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-core</artifactId>
      <version>$LOG4J_VERSION</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId>
      <artifactId>log4j-slf4j-impl</artifactId><version>$LOG4J_VERSION</version></dependency>
  </dependencies>
</project>
EOF
    rm -rf "$KAFKA_LIBS"
    (cd "$KAFKA_HOME_DIR" && mvn -B -q dependency:copy-dependencies \
        -DoutputDirectory="$KAFKA_LIBS" -DincludeScope=runtime) >"$LOG_DIR/kafka-install.log" 2>&1 || {
        tail -n 30 "$LOG_DIR/kafka-install.log" >&2
        die "could not fetch Kafka $KAFKA_VERSION jars with mvn (see $LOG_DIR/kafka-install.log)"
    }
    touch "$KAFKA_LIBS/.complete"
}

KAFKA_JVM_OPTS=(-XX:+UseG1GC -Djava.awt.headless=true
    -Dlog4j2.configurationFile="$KAFKA_CONF/log4j2.properties" -Dkafka.logs.dir="$LOG_DIR"
    -cp "$KAFKA_LIBS/*")
# The broker runs as Kafka's own kafka-server-start.sh would run it: a fixed 1 GiB heap and
# kafka-run-class.sh's G1 settings (20 ms pause goal). With a small, growing heap the young
# generation was ~110 MB and collected every 4-5 s under scripts/bench's load, 12-45 ms each:
# every hop of the saga stalls during a pause, enough of them to set the half-rate p99.
# (The cluster's nodes share the G1 settings with a smaller heap: stack.d/kafka-cluster.sh.)
KAFKA_G1_OPTS=(-XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35
    -XX:+ExplicitGCInvokesConcurrent -XX:MaxInlineLevel=15)
KAFKA_BROKER_JVM_OPTS=(-Xms1g -Xmx1g "${KAFKA_G1_OPTS[@]}"
    "-Xlog:gc:file=$LOG_DIR/kafka-gc.log:time,uptime:filecount=2,filesize=10m")

# Kafka's command-line tools (storage format, topics): a small heap is plenty.
kafka_java() { java -Xms64m -Xmx512m "${KAFKA_JVM_OPTS[@]}" "$@"; }

kafka_write_config() {
    mkdir -p "$KAFKA_CONF" "$KAFKA_DATA"
    cat >"$KAFKA_CONF/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
controller.listener.names=CONTROLLER
listeners=DIRECT://127.0.0.1:$KAFKA_PORT,PROXIED://127.0.0.1:$KAFKA_PROXIED_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=DIRECT://127.0.0.1:$KAFKA_PORT,PROXIED://127.0.0.1:$KAFKA_PROXY_PORT
$(kafka_security_properties)
inter.broker.listener.name=DIRECT
log.dirs=$KAFKA_DATA
num.partitions=$KAFKA_PARTITIONS
auto.create.topics.enable=false
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
min.insync.replicas=1
default.replication.factor=1
group.initial.rebalance.delay.ms=0
# Hour-long segments: a record outlives retention.ms by up to one segment, which every
# deduplication window must cover (docs/configuration.md, "Retention").
log.roll.ms=3600000
EOF
    kafka_log4j2_properties >"$KAFKA_CONF/log4j2.properties"
}

# Plaintext listeners, or SASL_SSL only with SAGA_TLS=1 (stack.d/kafka-tls.sh).
kafka_security_properties() {
    if tls_on; then
        kafka_tls_keystore
        kafka_tls_properties
    else
        echo "listener.security.protocol.map=DIRECT:PLAINTEXT,PROXIED:PLAINTEXT,CONTROLLER:PLAINTEXT"
    fi
}

# The broker's log4j2 configuration: INFO from the broker to stdout, where "Kafka Server
# started" tells that it is up (the local image of scripts/images uses it too).
kafka_log4j2_properties() {
    cat <<'EOF'
status = warn
appender.console.type = Console
appender.console.name = STDOUT
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.stdout.ref = STDOUT
logger.kafka.name = kafka
logger.kafka.level = INFO
logger.apache.name = org.apache.kafka
logger.apache.level = WARN
EOF
}

kafka_healthy() { port_open "$KAFKA_PORT" && port_open "$KAFKA_PROXIED_PORT"; }

kafka_started() { grep -q "Kafka Server started" "$LOG_DIR/kafka.log" && kafka_healthy; }

kafka_describe() {
    echo "direct 127.0.0.1:$KAFKA_PORT, proxied 127.0.0.1:$KAFKA_PROXY_PORT (bound $KAFKA_PROXIED_PORT), KRaft $KAFKA_VERSION"
}

kafka_start() {
    require_free_port kafka "$KAFKA_PORT"
    require_free_port kafka "$KAFKA_PROXIED_PORT"
    require_free_port kafka "$KAFKA_CONTROLLER_PORT"
    kafka_write_config
    if [[ ! -f "$KAFKA_DATA/meta.properties" ]]; then
        log "formatting KRaft storage in $KAFKA_DATA"
        local cluster_id users=()
        cluster_id="$(kafka_java kafka.tools.StorageTool random-uuid 2>>"$LOG_DIR/kafka.log" | tail -n 1)"
        # With TLS the SCRAM users are part of the first metadata: the broker's own included.
        if tls_on; then mapfile -t users < <(kafka_tls_format_options); fi
        kafka_java kafka.tools.StorageTool format -t "$cluster_id" \
            -c "$KAFKA_CONF/server.properties" "${users[@]}" >>"$LOG_DIR/kafka.log" 2>&1 ||
            fail_start kafka "$LOG_DIR/kafka.log"
        if tls_on; then touch "$KAFKA_DATA/.scram"; fi
    elif tls_on && [[ ! -f "$KAFKA_DATA/.scram" ]]; then
        die "$KAFKA_DATA was formatted without SAGA_TLS=1 (no SCRAM users): use another SAGA_STACK_HOME"
    fi
    [[ -f "$LOG_DIR/kafka.log" ]] && mv "$LOG_DIR/kafka.log" "$LOG_DIR/kafka.log.1"
    log "starting Kafka $KAFKA_VERSION on 127.0.0.1:$KAFKA_PORT (proxied at :$KAFKA_PROXY_PORT)"
    # Its GC pauses are logged beside its log (scripts/bench's tails are read against them).
    spawn kafka "$LOG_DIR/kafka.log" java "${KAFKA_JVM_OPTS[@]}" "${KAFKA_BROKER_JVM_OPTS[@]}" \
        kafka.Kafka \
        "$KAFKA_CONF/server.properties"
    wait_until kafka "$LOG_DIR/kafka.log" "$RUN_DIR/kafka.pid" kafka_started
}

# Where admin tools connect and how topics are replicated (the cluster sets its own).
KAFKA_ADMIN_BOOTSTRAP="127.0.0.1:$KAFKA_PORT"
KAFKA_TOPIC_OPTS=(--replication-factor 1)
# How the admin tools log in: nothing, or the admin user over SASL_SSL (SAGA_TLS=1).
KAFKA_ADMIN_OPTS=()

# Creates the saga's topics if missing (idempotent; the adapter does the same at start-up).
kafka_create_topics() {
    local existing topic
    if tls_on; then KAFKA_ADMIN_OPTS=(--command-config "$(kafka_tls_admin_config)"); fi
    existing="$(kafka_java org.apache.kafka.tools.TopicCommand "${KAFKA_ADMIN_OPTS[@]}" \
        --bootstrap-server "$KAFKA_ADMIN_BOOTSTRAP" --list 2>>"$LOG_DIR/kafka-admin.log")" ||
        die "listing Kafka topics failed (see $LOG_DIR/kafka-admin.log)"
    for topic in orders payments orders-dlq payments-dlq; do
        grep -qx "$topic" <<<"$existing" && continue
        log "creating topic $topic ($KAFKA_PARTITIONS partitions)"
        kafka_java org.apache.kafka.tools.TopicCommand "${KAFKA_ADMIN_OPTS[@]}" \
            --bootstrap-server "$KAFKA_ADMIN_BOOTSTRAP" --create --if-not-exists --topic "$topic" --partitions "$KAFKA_PARTITIONS" \
            "${KAFKA_TOPIC_OPTS[@]}" >>"$LOG_DIR/kafka-admin.log" 2>&1 ||
            die "creating topic $topic failed (see $LOG_DIR/kafka-admin.log)"
    done
    if tls_on; then kafka_tls_acls; fi
}

kafka_stop() { stop_pidfile kafka; }
