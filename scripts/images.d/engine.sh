# shellcheck shell=bash
# The Docker engine and the compose v2 plugin for scripts/images, installed and started when
# missing. Debian's `docker.io` brings dockerd (20.10); compose v2 is not packaged, and
# `go install` refuses its module (its go.mod has `exclude` directives), so the module is
# downloaded from the Go module proxy and built in a writable copy of itself (~7 minutes on
# two cores, once: the binary is kept as a CLI plugin).

COMPOSE_VERSION="${SAGA_COMPOSE_VERSION:-v2.40.3}"
COMPOSE_MODULE=github.com/docker/compose/v2
# Where the docker CLI looks for plugins for every user.
PLUGIN_DIR=/usr/local/lib/docker/cli-plugins
DOCKERD_LOG="$LOG_DIR/dockerd.log"

engine_answers() { docker info >/dev/null 2>&1; }

# dockerd, containerd and runc from Debian; the CLI too unless one is already on PATH.
engine_install() {
    command -v dockerd >/dev/null && command -v docker >/dev/null && return 0
    apt_install docker.io
}

# Starts dockerd in the background when nothing answers on its socket. It keeps running
# after this script exits (compose and the tests need it); `dockerd` logs to $DOCKERD_LOG.
engine_start() {
    engine_answers && return 0
    [[ $(id -u) -eq 0 ]] || die "the Docker engine is not running; start it as root (dockerd)"
    log "starting dockerd (log: $DOCKERD_LOG)"
    setsid nohup dockerd >>"$DOCKERD_LOG" 2>&1 </dev/null &
    local deadline=$((SECONDS + 60))
    until engine_answers; do
        ((SECONDS < deadline)) || {
            tail -n 20 "$DOCKERD_LOG" >&2
            die "dockerd did not answer within 60 s"
        }
        sleep 0.5
    done
}

compose_answers() { docker compose version >/dev/null 2>&1; }

# Builds docker-compose $COMPOSE_VERSION from its Go module and installs it as a CLI plugin.
compose_install() {
    compose_answers && return 0
    [[ $(id -u) -eq 0 ]] || die "docker compose is missing; run scripts/images engine as root"
    local go work src started=$SECONDS
    go="$(go_command)"
    work="$CACHE_HOME/compose-$COMPOSE_VERSION"
    log "building docker compose $COMPOSE_VERSION from its Go module (several minutes, once)"
    mkdir -p "$work"
    src="$(cd "$work" && GOFLAGS=-mod=mod GOTOOLCHAIN=auto "$go" mod download -json \
        "$COMPOSE_MODULE@$COMPOSE_VERSION" 2>>"$LOG_DIR/compose-install.log" |
        sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
    [[ -n "$src" && -d "$src" ]] || {
        tail -n 20 "$LOG_DIR/compose-install.log" >&2
        die "could not download $COMPOSE_MODULE@$COMPOSE_VERSION"
    }
    # The module cache is read-only, and `go build` must write go.sum and resolve the
    # module's own dependency graph (with its excludes) as the main module.
    rm -rf "$work/src"
    cp -r "$src" "$work/src"
    chmod -R u+w "$work/src"
    (cd "$work/src" && GOFLAGS=-mod=mod GOTOOLCHAIN=auto CGO_ENABLED=0 "$go" build -trimpath \
        -ldflags "-s -w -X $COMPOSE_MODULE/internal.Version=$COMPOSE_VERSION" \
        -o "$work/docker-compose" ./cmd) >>"$LOG_DIR/compose-install.log" 2>&1 || {
        tail -n 20 "$LOG_DIR/compose-install.log" >&2
        die "building docker compose failed (see $LOG_DIR/compose-install.log)"
    }
    install -D -m 0755 "$work/docker-compose" "$PLUGIN_DIR/docker-compose"
    rm -rf "$work/src"
    compose_answers || die "docker compose does not answer after installing $PLUGIN_DIR/docker-compose"
    log "docker compose $COMPOSE_VERSION installed in $((SECONDS - started)) s"
}

# engine [--no-compose]: dockerd (and debootstrap for the base image), then the compose
# plugin unless told not to (CI builds it with `compose` in the background meanwhile).
cmd_engine() {
    mkdir -p "$LOG_DIR"
    engine_install
    command -v debootstrap >/dev/null || apt_install debootstrap
    # Resolved now, so that a compose build in the background never needs apt.
    go_command >/dev/null
    engine_start
    [[ "${1:-}" == --no-compose ]] || compose_install
    log "engine: $(docker version -f 'server {{.Server.Version}}, cli {{.Client.Version}}')"
}

cmd_compose() {
    mkdir -p "$LOG_DIR"
    compose_install
    log "$(docker compose version)"
}
