# shellcheck shell=bash
# The base every local image starts from: a minimal Debian bookworm made with debootstrap
# (no registry needed) and imported as an image. It stands in for `debian:bookworm-slim`.

BASE_SUITE=bookworm
BASE_MIRROR="${SAGA_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
BASE_IMAGE="order-saga/debian:$BASE_SUITE"

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }

# Builds $BASE_IMAGE once; later calls find it and return.
base_build() {
    image_exists "$BASE_IMAGE" && return 0
    command -v debootstrap >/dev/null || apt_install debootstrap
    local root started=$SECONDS
    root="$(mktemp -d "${TMPDIR:-/tmp}/order-saga-rootfs.XXXXXX")"
    log "debootstrap $BASE_SUITE (minbase) from $BASE_MIRROR"
    debootstrap --variant=minbase "$BASE_SUITE" "$root" "$BASE_MIRROR" \
        >"$LOG_DIR/debootstrap.log" 2>&1 || {
        tail -n 20 "$LOG_DIR/debootstrap.log" >&2
        rm -rf "$root"
        die "debootstrap failed (see $LOG_DIR/debootstrap.log)"
    }
    # What debian:bookworm-slim has: updates and security fixes, no caches or docs kept.
    cat >"$root/etc/apt/sources.list" <<SOURCES
deb $BASE_MIRROR $BASE_SUITE main
deb $BASE_MIRROR $BASE_SUITE-updates main
deb ${BASE_MIRROR%/debian}/debian-security $BASE_SUITE-security main
SOURCES
    printf 'path-exclude /usr/share/doc/*\npath-exclude /usr/share/man/*\npath-exclude /usr/share/locale/*\n' \
        >"$root/etc/dpkg/dpkg.cfg.d/docker-slim"
    # Packages installed in a RUN step must not try to start their services.
    printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
    chmod +x "$root/usr/sbin/policy-rc.d"
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
    tar -C "$root" -c . | docker import -c 'CMD ["bash"]' - "$BASE_IMAGE" >/dev/null
    rm -rf "$root"
    log "$BASE_IMAGE imported in $((SECONDS - started)) s"
}
