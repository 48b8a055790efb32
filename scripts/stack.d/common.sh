# shellcheck shell=bash
# Shared settings and helpers of scripts/stack: where things live, the ports (the same as
# docker-compose.yml and toxiproxy.json), logging, waiting, pid files and Debian installs.

if [[ $(id -u) -eq 0 ]]; then
    STACK_HOME="${SAGA_STACK_HOME:-/var/lib/order-saga}"
else
    STACK_HOME="${SAGA_STACK_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/order-saga}"
fi
# Installs (Kafka's jars, Toxiproxy's binaries) may live apart from the data, so a second,
# private stack (SAGA_STACK_HOME elsewhere, ports moved by the SAGA_*_PORT variables below; the
# chaos runner starts one) reuses what the first one installed.
CACHE_HOME="${SAGA_STACK_CACHE:-$STACK_HOME}"
RUN_DIR="$STACK_HOME/run"
SECRETS_DIR="$STACK_HOME/secrets"
LOG_DIR="$STACK_HOME/logs"
DATA_DIR="$STACK_HOME/data"

PG_PORT="${SAGA_PG_PORT:-5432}"
PG_PROXY_PORT="${SAGA_PG_PROXY_PORT:-15432}"
PG_USER=saga
PG_PASSWORD=saga
PG_DB=saga
REDIS_PORT="${SAGA_REDIS_PORT:-6379}"
REDIS_PROXY_PORT="${SAGA_REDIS_PROXY_PORT:-16379}"
KAFKA_PORT="${SAGA_KAFKA_PORT:-9092}"                     # direct listener (tests, checker, admin)
KAFKA_PROXIED_PORT="${SAGA_KAFKA_PROXIED_PORT:-29092}"    # listener advertised at Toxiproxy
KAFKA_PROXY_PORT="${SAGA_KAFKA_PROXY_PORT:-19092}"        # Toxiproxy's listen port for it
KAFKA_CONTROLLER_PORT="${SAGA_KAFKA_CONTROLLER_PORT:-9093}"
TOXIPROXY_PORT="${SAGA_TOXIPROXY_PORT:-8474}"
KAFKA_PARTITIONS="${KAFKA_PARTITIONS:-3}"

# One Kafka node (the default: CI and the benchmark baseline) or a replicated three-node
# cluster (stack.d/kafka-cluster.sh). The single node uses the KAFKA_*PORT variables above.
KAFKA_NODES="${SAGA_KAFKA_NODES:-1}"

# The cluster's ports: node N (1..3) owns the block BASE + 10*(N-1) + k, so one variable moves
# them all (a private stack sets it; the chaos runner's block 25400-25499 has room for it at
# CHAOS_STACK_PORT_BASE + 40). The default BASE 9110 stays below 20000, where the harness
# picks component ports, so a node that is down for a while never finds its port taken.
#   k  listener / proxy      what                                                 node 1
#   0  DIRECT                client listener, not proxied (tests, checker, admin)  9110
#   1  PROXIED               client listener, bound here ...                       9111
#   2  proxy kafka-N         ... advertised at this Toxiproxy proxy (components)   9112
#   3  BROKER                inter-broker listener, bound here ...                 9113
#   4  proxy kafka-N-broker  ... advertised at this proxy (peers fetch here)       9114
#   5  CONTROLLER            KRaft listener, bound here ...                        9115
#   6  proxy kafka-N-controller ... named in controller.quorum.voters              9116
#   7  HOST                  docker-compose.yml only: published for host clients   9117
# Every connection into node N from its peers goes through its two proxies, so disabling
# them cuts the peers off from it; its own connections out go through the peers' proxies
# and stay up (it keeps fetching as a follower; as a leader its followers drop out of ISR).
KAFKA_CLUSTER_PORT="${SAGA_KAFKA_CLUSTER_PORT:-9110}"
KAFKA_CLUSTER_DEFAULT_PORT=9110

# kafka_node_port N K [BASE]: port K (the table above) of node N.
kafka_node_port() { echo $((${3:-$KAFKA_CLUSTER_PORT} + 10 * ($1 - 1) + $2)); }

# How long one service may take to become healthy.
START_TIMEOUT="${SAGA_STACK_START_TIMEOUT:-120}"

log() { printf '[stack] %s\n' "$*" >&2; }

die() {
    printf '[stack] ERROR: %s\n' "$*" >&2
    exit 1
}

[[ "$KAFKA_NODES" == 1 || "$KAFKA_NODES" == 3 ]] ||
    die "SAGA_KAFKA_NODES must be 1 or 3, not '$KAFKA_NODES'"
[[ "$KAFKA_CLUSTER_PORT" =~ ^[0-9]+$ ]] || die "SAGA_KAFKA_CLUSTER_PORT must be a port number"

# Prints the tail of a service's log and exits: the message for a failed start.
fail_start() {
    local service="$1" logfile="$2"
    printf '[stack] ERROR: %s did not become healthy within %ss; last lines of %s:\n' \
        "$service" "$START_TIMEOUT" "$logfile" >&2
    tail -n 40 "$logfile" >&2 2>/dev/null || true
    exit 1
}

# wait_until SERVICE LOGFILE PIDFILE CHECK...: polls CHECK until it succeeds, the process in
# PIDFILE dies, or START_TIMEOUT passes.
wait_until() {
    local service="$1" logfile="$2" pidfile="$3"
    shift 3
    local deadline=$((SECONDS + START_TIMEOUT))
    until "$@" >/dev/null 2>&1; do
        if [[ -n "$pidfile" ]] && ! pid_alive "$pidfile"; then
            printf '[stack] ERROR: %s exited during start-up\n' "$service" >&2
            fail_start "$service" "$logfile"
        fi
        ((SECONDS < deadline)) || fail_start "$service" "$logfile"
        sleep 0.5
    done
}

# stack_secret NAME: the password in secrets/NAME (mode 0600), made the first time it is
# asked for; never in the repository.
stack_secret() {
    local file="$SECRETS_DIR/$1"
    if [[ ! -s "$file" ]]; then
        (umask 077 && mkdir -p "$SECRETS_DIR" &&
            od -An -tx1 -N18 /dev/urandom | tr -d ' \n' >"$file")
    fi
    cat "$file"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Refuses to start a service on a port some other process already holds.
require_free_port() {
    local service="$1" port="$2"
    if port_open "$port"; then
        die "port $port (for $service) is in use by a process this script did not start"
    fi
}

# What each service's command line contains: a stale pid file whose number now belongs to
# some other process (after a reboot or a SIGKILLed stack) must not be taken for ours.
# (The cluster's nodes add theirs: stack.d/kafka-cluster.sh.)
declare -A PID_MARKER=([postgres]=postgres [redis]=redis-server [kafka]=kafka.Kafka
    [toxiproxy]=toxiproxy-server)

# A process `spawn` has just started is this script's fork until it execs, and a command
# line reads empty in the middle of an exec: a live process is asked for its marker again
# for up to a second before it is called a stranger.
pid_alive() {
    local pidfile="$1" pid name marker tries
    [[ -s "$pidfile" ]] || return 1
    pid="$(head -n 1 "$pidfile")"
    [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
    name="$(basename "$pidfile" .pid)"
    marker="${PID_MARKER[$name]:-}"
    [[ -n "$marker" ]] || return 0
    for ((tries = 0; tries < 20; tries++)); do
        cmdline_has "$pid" "$marker" && return 0
        kill -0 "$pid" 2>/dev/null || return 1
        sleep 0.05
    done
    return 1
}

# Whether process PID's command line contains MARKER (read whole: under pipefail, a grep
# that stops at the first match must not turn a match into a failure).
cmdline_has() {
    local args
    args="$(tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null)" || return 1
    [[ "$args" == *"$2"* ]]
}

# spawn NAME LOGFILE CMD...: starts CMD detached with output to LOGFILE; pid to run/NAME.pid.
spawn() {
    local name="$1" logfile="$2"
    shift 2
    setsid nohup "$@" >>"$logfile" 2>&1 </dev/null &
    echo $! >"$RUN_DIR/$name.pid"
}

# Stops the process in run/NAME.pid (TERM, then KILL after a bound) and forgets it.
stop_pidfile() {
    local name="$1" pidfile="$RUN_DIR/$1.pid" pid
    if ! pid_alive "$pidfile"; then
        rm -f "$pidfile"
        return 0
    fi
    pid="$(head -n 1 "$pidfile")"
    kill -TERM "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + 30))
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null || true
    rm -f "$pidfile"
    log "$name stopped"
}

# SIGKILLs the process in run/NAME.pid (no shutdown, no flush: a crash) and waits until it
# is gone; the pid file stays, and `up` sees its process dead and starts it again.
kill_pidfile() {
    local name="$1" pidfile="$RUN_DIR/$1.pid" pid
    pid_alive "$pidfile" || die "$name is not running (no live process in $pidfile)"
    pid="$(head -n 1 "$pidfile")"
    kill -KILL "$pid"
    local deadline=$((SECONDS + 10))
    while kill -0 "$pid" 2>/dev/null && ! grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null; do
        ((SECONDS < deadline)) || die "$name (pid $pid) outlived SIGKILL for 10 s"
        sleep 0.1
    done
    log "$name killed (SIGKILL, pid $pid)"
}

apt_updated=false

# Installs Debian packages without starting their system services (ours run on our own
# data directories; a packaged postgresql or redis would take the ports).
apt_install() {
    [[ $(id -u) -eq 0 ]] || die "missing packages ($*); run as root or install them"
    if ! $apt_updated; then
        DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
        apt_updated=true
    fi
    local policy=/usr/sbin/policy-rc.d created_policy=false
    if [[ ! -e $policy ]]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy"
        created_policy=true
    fi
    log "installing $*"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" \
        >"$LOG_DIR/apt.log" 2>&1 || {
        $created_policy && rm -f "$policy"
        tail -n 20 "$LOG_DIR/apt.log" >&2
        die "apt-get install $* failed"
    }
    $created_policy && rm -f "$policy"
    return 0
}
