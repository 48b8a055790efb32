# shellcheck shell=bash
# Prometheus for scripts/stack: Debian's package (it ships promtool) on 127.0.0.1, scraping
# the saga's components found by file-based discovery and evaluating deploy/prometheus's
# alert rules. Not part of the default stack: `scripts/stack up prometheus` starts it.
#
# Components are not fixed processes here (the tests and the chaos runner start their own on
# free ports), so whoever starts some writes their targets to a file in PROMETHEUS_TARGETS_DIR
# (JSON, Prometheus's file_sd format; the label `job` names the component) and removes it when
# they stop; Prometheus watches the directory and picks a change up at once.

PROMETHEUS_PORT="${SAGA_PROMETHEUS_PORT:-9090}"
PROMETHEUS_HOME="$DATA_DIR/prometheus"
PROMETHEUS_TARGETS="$STACK_HOME/prometheus-targets"
# Short, so a test's short workload leaves several samples of every series.
PROMETHEUS_SCRAPE_INTERVAL="${SAGA_PROMETHEUS_SCRAPE_INTERVAL:-2s}"
PID_MARKER[prometheus]=prometheus

prometheus_install() {
    command -v prometheus >/dev/null && command -v promtool >/dev/null || apt_install prometheus
}

prometheus_healthy() {
    curl -fsS "http://127.0.0.1:$PROMETHEUS_PORT/-/ready" >/dev/null 2>&1
}

prometheus_describe() { echo "127.0.0.1:$PROMETHEUS_PORT targets=$PROMETHEUS_TARGETS"; }

# The configuration: rules from the repository, targets from the directory above.
prometheus_config() {
    cat <<YAML
global:
  scrape_interval: $PROMETHEUS_SCRAPE_INTERVAL
  evaluation_interval: $PROMETHEUS_SCRAPE_INTERVAL
rule_files:
  - $REPO_ROOT/deploy/prometheus/alerts.yml
scrape_configs:
  - job_name: saga
    file_sd_configs:
      - files: ["$PROMETHEUS_TARGETS/*.json"]
  - job_name: prometheus
    static_configs:
      - targets: ["127.0.0.1:$PROMETHEUS_PORT"]
YAML
}

prometheus_start() {
    mkdir -p "$PROMETHEUS_HOME/data" "$PROMETHEUS_TARGETS"
    # Writers may be another user (a test run by a developer beside a root-started stack).
    chmod 1777 "$PROMETHEUS_TARGETS"
    prometheus_config >"$PROMETHEUS_HOME/prometheus.yml"
    promtool check config "$PROMETHEUS_HOME/prometheus.yml" >>"$LOG_DIR/prometheus.log" 2>&1 ||
        die "the Prometheus configuration does not check (see $LOG_DIR/prometheus.log)"
    require_free_port prometheus "$PROMETHEUS_PORT"
    log "starting Prometheus on 127.0.0.1:$PROMETHEUS_PORT"
    spawn prometheus "$LOG_DIR/prometheus.log" prometheus \
        --config.file="$PROMETHEUS_HOME/prometheus.yml" \
        --storage.tsdb.path="$PROMETHEUS_HOME/data" --storage.tsdb.retention.time=2d \
        --web.listen-address="127.0.0.1:$PROMETHEUS_PORT" --web.enable-lifecycle
    wait_until prometheus "$LOG_DIR/prometheus.log" "$RUN_DIR/prometheus.pid" prometheus_healthy
}

prometheus_stop() { stop_pidfile prometheus; }
