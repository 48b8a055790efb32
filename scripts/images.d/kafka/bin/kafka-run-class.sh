#!/usr/bin/env bash
# kafka-run-class.sh CLASS ARGS...: a Kafka class on the image's jars. Tools get a small
# heap and log warnings to stderr; the broker (kafka-server-start.sh) sets its own options.
set -euo pipefail
exec java ${KAFKA_HEAP_OPTS:--Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1} \
    ${KAFKA_JVM_PERFORMANCE_OPTS:-} ${KAFKA_OPTS:-} -Djava.awt.headless=true \
    "-Dlog4j2.configurationFile=${KAFKA_LOG4J_CONFIG:-/opt/kafka/config/tools-log4j2.properties}" \
    -Dkafka.logs.dir=/tmp -cp '/opt/kafka/libs/*' "$@"
