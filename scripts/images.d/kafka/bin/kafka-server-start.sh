#!/usr/bin/env bash
# kafka-server-start.sh PROPERTIES: the broker in the foreground, logging to stdout.
export KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms256m -Xmx768m -XX:+UseG1GC}"
export KAFKA_LOG4J_CONFIG=/opt/kafka/config/log4j2.properties
exec /opt/kafka/bin/kafka-run-class.sh kafka.Kafka "$@"
