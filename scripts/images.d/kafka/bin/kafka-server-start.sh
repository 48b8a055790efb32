#!/usr/bin/env bash
# kafka-server-start.sh PROPERTIES: the broker in the foreground, logging to stdout.
# Kafka's own default heap, fixed (see scripts/stack.d/kafka.sh); kafka-run-class.sh adds G1.
export KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms1g -Xmx1g}"
export KAFKA_LOG4J_CONFIG=/opt/kafka/config/log4j2.properties
exec /opt/kafka/bin/kafka-run-class.sh kafka.Kafka "$@"
