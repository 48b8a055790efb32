#!/usr/bin/env bash
# First start: initdb in $PGDATA as $POSTGRES_USER with $POSTGRES_PASSWORD, password
# authentication from other hosts, and $POSTGRES_DB created. Every start: the server in the
# foreground, listening on all of the container's addresses.
set -euo pipefail

if [[ "${1:-}" == -* ]]; then
    set -- postgres "$@"
fi
if [[ "${1:-}" != postgres ]]; then
    exec "$@"
fi

user="${POSTGRES_USER:-postgres}"
database="${POSTGRES_DB:-$user}"
if [[ ! -s "$PGDATA/PG_VERSION" ]]; then
    if [[ -z "${POSTGRES_PASSWORD:-}" ]]; then
        echo "POSTGRES_PASSWORD is not set: the server accepts no passwordless logins" >&2
        exit 1
    fi
    initdb --username="$user" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") \
        --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >/dev/null
    printf "listen_addresses = '*'\n" >>"$PGDATA/postgresql.conf"
    printf 'host all all all scram-sha-256\n' >>"$PGDATA/pg_hba.conf"
    # A socket-only server for the set-up, as the upstream image does: its log goes to
    # stdout, the final server's to stderr (testcontainers waits for one of each).
    pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start
    if [[ "$database" != postgres ]]; then
        psql -v ON_ERROR_STOP=1 --username "$user" --dbname postgres \
            -c "CREATE DATABASE \"$database\"" >/dev/null
    fi
    pg_ctl -D "$PGDATA" -m fast -w stop
    echo "PostgreSQL init process complete; ready for start up."
fi
exec "$@"
