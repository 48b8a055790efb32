# shellcheck shell=bash
# Builds the local images for scripts/images: each from its directory here (a Dockerfile and
# the files it copies) plus what the native stack already fetched (Kafka's jars, Toxiproxy's
# binaries) or this machine has (the Rust toolchain), sent to the engine as one tar stream.

IMAGE_NAMES=(base postgres redis kafka toxiproxy rust prometheus jaeger)

# The variable compose, the Dockerfile and the tests read, and the local image it names.
declare -A IMAGE_VARIABLE=([base]=RUNTIME_IMAGE [postgres]=POSTGRES_IMAGE
    [redis]=REDIS_IMAGE [kafka]=KAFKA_IMAGE [toxiproxy]=TOXIPROXY_IMAGE [rust]=RUST_IMAGE
    [prometheus]=PROMETHEUS_IMAGE
    [jaeger]=JAEGER_IMAGE)

rust_toolchain_dir() { dirname "$(dirname "$(rustup which rustc 2>/dev/null || command -v rustc)")"; }

image_tag() {
    case "$1" in
        base) echo "$BASE_IMAGE" ;;
        postgres) echo order-saga/postgres:15 ;;
        redis) echo order-saga/redis:7 ;;
        prometheus) echo order-saga/prometheus:2.42 ;;
        kafka) echo "order-saga/kafka:$KAFKA_VERSION" ;;
        toxiproxy) echo "order-saga/toxiproxy:${TOXIPROXY_VERSION#v}" ;;
        jaeger) echo "order-saga/jaeger:${JAEGER_VERSION#v}" ;;
        rust) echo "order-saga/rust:$(rustc --version | cut -d' ' -f2)" ;;
    esac
}

# docker_build NAME TAR-ARGS...: the image NAME from images.d/NAME plus TAR-ARGS (more
# files for its context), on $BASE_IMAGE.
docker_build() {
    local name="$1" tag started=$SECONDS
    shift
    tag="$(image_tag "$name")"
    log "building $tag"
    # shellcheck disable=SC2094
    tar -c -C "$IMAGES_LIB/$name" . "$@" |
        DOCKER_BUILDKIT=0 docker build -q --build-arg "BASE_IMAGE=$BASE_IMAGE" -t "$tag" - \
            >"$LOG_DIR/image-$name.log" 2>&1 || {
        tail -n 30 "$LOG_DIR/image-$name.log" >&2
        die "building $tag failed (see $LOG_DIR/image-$name.log)"
    }
    log "$tag ready in $((SECONDS - started)) s"
}

build_one() {
    case "$1" in
        base) base_build ;;
        postgres | redis | prometheus) docker_build "$1" ;;
        kafka)
            kafka_install
            local context
            context="$(mktemp -d)"
            mkdir -p "$context/config"
            kafka_log4j2_properties >"$context/config/log4j2.properties"
            docker_build kafka -C "$KAFKA_HOME_DIR" libs -C "$context" config
            rm -rf "$context"
            ;;
        toxiproxy)
            local bin="$CACHE_HOME/toxiproxy-$TOXIPROXY_VERSION-static"
            [[ -x "$bin/toxiproxy-server" && -x "$bin/toxiproxy-cli" ]] || toxiproxy_build "$bin"
            docker_build toxiproxy -C "$bin/.." --transform "s|^${bin##*/}/|bin/|" \
                "${bin##*/}/toxiproxy-server" "${bin##*/}/toxiproxy-cli"
            ;;
        jaeger)
            jaeger_install
            docker_build jaeger -C "$JAEGER_BIN/.." bin/jaeger
            ;;
        rust)
            local toolchain context
            toolchain="$(rust_toolchain_dir)"
            [[ -x "$toolchain/bin/cargo" ]] || die "no Rust toolchain found (rustup which rustc)"
            # The builder trusts what this machine trusts: cargo fetches crates over HTTPS,
            # possibly through an egress that presents a local CA.
            context="$(mktemp -d)"
            mkdir -p "$context/ca-certificates"
            cp /usr/local/share/ca-certificates/*.crt "$context/ca-certificates/" 2>/dev/null || true
            docker_build rust -C "$context" ca-certificates -C "$(dirname "$toolchain")" \
                --transform "s|^${toolchain##*/}/|toolchain/|" \
                "${toolchain##*/}/bin" "${toolchain##*/}/lib" "${toolchain##*/}/libexec"
            rm -rf "$context"
            ;;
        *) die "unknown image $1 (one of: ${IMAGE_NAMES[*]})" ;;
    esac
}

cmd_build() {
    mkdir -p "$LOG_DIR"
    engine_answers || die "the Docker engine does not answer; run scripts/images engine"
    local name chosen=("$@")
    ((${#chosen[@]})) || chosen=("${IMAGE_NAMES[@]}")
    base_build
    for name in "${chosen[@]}"; do
        [[ "$name" == base ]] || build_one "$name"
    done
    cmd_env
}

# The variables selecting every local image that exists.
cmd_env() {
    local name tag
    echo "# Local images (scripts/images build): docker-compose.yml and the tests read these."
    for name in "${IMAGE_NAMES[@]}"; do
        tag="$(image_tag "$name")"
        image_exists "$tag" && echo "export ${IMAGE_VARIABLE[$name]}=$tag"
    done
    return 0
}

cmd_status() {
    local name tag ok=0
    for name in "${IMAGE_NAMES[@]}"; do
        tag="$(image_tag "$name")"
        if image_exists "$tag"; then
            printf '%-10s present  %s\n' "$name" "$tag"
        else
            printf '%-10s MISSING  %s\n' "$name" "$tag"
            ok=1
        fi
    done
    return $ok
}
