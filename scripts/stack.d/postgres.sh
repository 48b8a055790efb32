# shellcheck shell=bash
# PostgreSQL for scripts/stack: Debian's package, a private cluster in $DATA_DIR/postgres
# listening on 127.0.0.1 only, trust auth, role and database `saga` (the schema's owner), and
# a login role per component (stack.d/roles.sh).

PG_DATA="$DATA_DIR/postgres"
PG_SOCKETS="$RUN_DIR/postgres"

pg_bin() {
    local dir
    dir="$(find /usr/lib/postgresql -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n 1)"
    [[ -n "$dir" ]] || return 1
    echo "$dir"
}

# Runs a PostgreSQL tool as the cluster's owner (initdb and postgres refuse root).
pg_as_owner() {
    if [[ $(id -u) -eq 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

postgres_install() {
    pg_bin >/dev/null || apt_install postgresql
    pg_bin >/dev/null || die "PostgreSQL binaries not found after installing postgresql"
    if [[ $(id -u) -eq 0 ]] && ! id postgres >/dev/null 2>&1; then
        die "the postgres system user is missing (it comes with Debian's postgresql package)"
    fi
}

postgres_healthy() {
    local bin
    bin="$(pg_bin)" || return 1
    "$bin/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -U "$PG_USER" -d "$PG_DB"
}

postgres_describe() { echo "127.0.0.1:$PG_PORT data=$PG_DATA"; }

postgres_start() {
    local bin
    bin="$(pg_bin)"
    mkdir -p "$PG_DATA" "$PG_SOCKETS"
    if [[ $(id -u) -eq 0 ]]; then
        chown postgres:postgres "$PG_DATA" "$PG_SOCKETS"
        chmod 700 "$PG_DATA"
        touch "$LOG_DIR/postgres.log" && chown postgres "$LOG_DIR/postgres.log"
    fi
    if [[ ! -s "$PG_DATA/PG_VERSION" ]]; then
        log "initialising PostgreSQL cluster in $PG_DATA"
        pg_as_owner "$bin/initdb" -D "$PG_DATA" -U "$PG_USER" --auth=trust -E UTF8 \
            --locale=C.UTF-8 >>"$LOG_DIR/postgres.log" 2>&1 ||
            fail_start postgres "$LOG_DIR/postgres.log"
    fi
    local tls_options=""
    if tls_on; then
        tls_options="$(postgres_tls)"
    fi
    require_free_port postgres "$PG_PORT"
    log "starting PostgreSQL on 127.0.0.1:$PG_PORT"
    # max_connections: every test database and component keeps a pool.
    # After a SIGKILL the old postmaster may linger a moment as a zombie, and PostgreSQL
    # refuses to start while the pid in postmaster.pid exists: retry briefly.
    local attempt
    for attempt in 1 2 3 4 5 6 7 8 9 10; do
        pg_as_owner "$bin/pg_ctl" start -D "$PG_DATA" -l "$LOG_DIR/postgres.log" -w \
            -t "$START_TIMEOUT" -o "-c listen_addresses=127.0.0.1 -p $PG_PORT \
            -c unix_socket_directories=$PG_SOCKETS -c max_connections=300 \
            -c fsync=on -c synchronous_commit=on $tls_options" >/dev/null && break
        tail -n 3 "$LOG_DIR/postgres.log" | grep -q 'lock file "postmaster.pid" already exists' &&
            ((attempt < 10)) || fail_start postgres "$LOG_DIR/postgres.log"
        sleep 1
    done
    head -n 1 "$PG_DATA/postmaster.pid" >"$RUN_DIR/postgres.pid"
    wait_until postgres "$LOG_DIR/postgres.log" "$RUN_DIR/postgres.pid" postgres_healthy
    if ! "$bin/psql" -h 127.0.0.1 -p "$PG_PORT" -U "$PG_USER" -d postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'" | grep -q 1; then
        "$bin/createdb" -h 127.0.0.1 -p "$PG_PORT" -U "$PG_USER" "$PG_DB"
    fi
    "$bin/psql" -q -h 127.0.0.1 -p "$PG_PORT" -U "$PG_USER" -d "$PG_DB" \
        -c "ALTER ROLE $PG_USER PASSWORD '$PG_PASSWORD'" >/dev/null
}

# TLS only (SAGA_TLS=1): the server's certificate, and no unencrypted connection over TCP. Prints
# the server options that turn TLS on.
postgres_tls() {
    tls_certificates
    local key="$PG_DATA/server.key"
    cp "$TLS_DIR/server.key" "$key"
    chmod 600 "$key"
    if [[ $(id -u) -eq 0 ]]; then chown postgres:postgres "$key"; fi
    printf '%s\n' "local all all trust" "hostssl all all 127.0.0.1/32 trust" \
        "hostnossl all all all reject" >"$PG_DATA/pg_hba.conf"
    echo "-c ssl=on -c ssl_cert_file=$TLS_DIR/server.crt -c ssl_key_file=$key"
}

postgres_stop() {
    local bin
    if [[ -f "$RUN_DIR/postgres.pid" ]] && pid_alive "$RUN_DIR/postgres.pid"; then
        bin="$(pg_bin)"
        pg_as_owner "$bin/pg_ctl" stop -D "$PG_DATA" -m fast -t 60 >/dev/null 2>&1 ||
            stop_pidfile postgres
        log "postgres stopped"
    fi
    rm -f "$RUN_DIR/postgres.pid"
}
