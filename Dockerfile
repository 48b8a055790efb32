# One image for every saga component (`saga <component>`, see docker-compose.yml), and one for
# the chaos runner (`chaos run`, compose profile `chaos`): the same plus the `chaos` binary,
# which the services' image does not ship. Both run as a non-root user.
#
# The bases are build arguments so that a machine without a registry can use the local
# images of `scripts/images build` (it prints RUST_IMAGE and RUNTIME_IMAGE; compose passes
# them on). Targets:
#   runtime (default)  compiles the workspace in the Rust image, then copies `saga`
#   runtime-chaos      that, plus `chaos`
#   prebuilt           copies `saga` already built on this machine from target/docker-bin/
#                      (CI: the binary its tests just built), no compiling
#   prebuilt-chaos     that, plus target/docker-bin/chaos
ARG RUST_IMAGE=rust:1-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim

# A slim Debian with curl for health checks, OpenSSL for librdkafka's TLS, and the user the
# components run as.
FROM ${RUNTIME_IMAGE} AS runtime-base
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl libssl3 \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin saga

# Before `build` in this file: the classic builder builds every stage up to its target.
FROM runtime-base AS prebuilt
COPY target/docker-bin/saga /usr/local/bin/
USER saga
ENTRYPOINT ["saga"]
CMD ["--help"]

FROM prebuilt AS prebuilt-chaos
COPY target/docker-bin/chaos /usr/local/bin/
USER saga
ENTRYPOINT ["chaos"]

# librdkafka is compiled from the rdkafka crate's bundled sources (cmake), against the
# system OpenSSL.
FROM ${RUST_IMAGE} AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends cmake libssl-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p saga --bin saga -p chaos --bin chaos \
    && cp target/release/saga target/release/chaos /usr/local/bin/

FROM runtime-base AS runtime-chaos
COPY --from=build /usr/local/bin/saga /usr/local/bin/chaos /usr/local/bin/
USER saga
ENTRYPOINT ["chaos"]
CMD ["--help"]

# Last: the default target, the services' image.
FROM runtime-base AS runtime
COPY --from=build /usr/local/bin/saga /usr/local/bin/
USER saga
ENTRYPOINT ["saga"]
CMD ["--help"]
