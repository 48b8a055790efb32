# One image for every saga component: `saga <component>` (see docker-compose.yml), and the
# chaos runner (`chaos run`, compose profile `chaos`).
# Build stage: librdkafka is compiled from the rdkafka crate's bundled sources (cmake).
FROM rust:1-bookworm AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends cmake \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p saga --bin saga -p chaos --bin chaos \
    && cp target/release/saga target/release/chaos /usr/local/bin/

# Runtime stage: a slim Debian with curl for health checks, running as a non-root user.
FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin saga
COPY --from=build /usr/local/bin/saga /usr/local/bin/chaos /usr/local/bin/
USER saga
ENTRYPOINT ["saga"]
CMD ["--help"]
