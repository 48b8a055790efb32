# shellcheck shell=bash
# The components' PostgreSQL logins for scripts/stack: each component that uses PostgreSQL
# logs in as its own role (migrations/20261205200001_roles.sql grants each one what its
# component needs), with a password generated on first use and kept in $STACK_HOME/secrets
# (mode 0600), never in the repository. `scripts/stack env COMPONENT` prints its URL.

# The components that use PostgreSQL (`saga components` lists them all).
PG_COMPONENTS=(order-api outbox-relay payment-worker order-status-worker delivery-worker
    explorer auditor)

# order-api -> saga_order_api
pg_role_of() { echo "saga_${1//-/_}"; }

pg_password_of() { stack_secret "postgres-$1"; }

# Creates (or updates) every component's login role. The migration creates the same roles
# when they are missing and leaves these alone, so either may run first.
postgres_roles() {
    local bin component role sql=""
    bin="$(pg_bin)"
    for component in "${PG_COMPONENTS[@]}"; do
        role="$(pg_role_of "$component")"
        sql+="DO \$\$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$role')
            THEN CREATE ROLE $role; END IF; END \$\$;
            ALTER ROLE $role LOGIN PASSWORD '$(pg_password_of "$component")';"
    done
    "$bin/psql" -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U "$PG_USER" -d "$PG_DB" \
        -c "$sql" >/dev/null
}

# The URL `component` reaches PostgreSQL at (through Toxiproxy) as its own role; the owner's
# for a component that is not in PG_COMPONENTS (`saga migrate`, `saga all`).
pg_url_of() {
    local component="$1" user="$PG_USER" password="$PG_PASSWORD"
    if [[ " ${PG_COMPONENTS[*]} " == *" $component "* ]]; then
        user="$(pg_role_of "$component")"
        password="$(pg_password_of "$component")"
    fi
    echo "postgres://$user:$password@127.0.0.1:$PG_PROXY_PORT/$PG_DB$(tls_pg_query)"
}
