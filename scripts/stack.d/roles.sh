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

# Where a TLS stack keeps each component's own logins, for harnesses that start the
# components themselves (the real-stack tests: testing/harness/src/logins.rs): one file per
# component with a login of its own, `export` lines, mode 0600 (they hold passwords).
LOGINS_DIR="$STACK_HOME/logins"

# The settings that log `component` in as itself, for each backend it has a login on.
component_logins() {
    local component="$1"
    if [[ " ${PG_COMPONENTS[*]} " == *" $component "* ]]; then
        echo "export DATABASE_URL='$(pg_url_of "$component")'"
    fi
    if [[ -n "${REDIS_GRANTS[$component]:-}" ]]; then
        echo "export REDIS_URL=$(redis_url_of "$component" "$REDIS_PROXY_PORT")"
    fi
    if [[ " ${KAFKA_COMPONENTS[*]} " == *" $component "* && -f "$KAFKA_DATA/.scram" ]]; then
        kafka_password_of "$component" >/dev/null
        echo "export KAFKA_SASL_USERNAME=$(kafka_user_of "$component")"
        echo "export KAFKA_SASL_PASSWORD_FILE=$SECRETS_DIR/kafka-$component"
    fi
}

# Writes every component's logins file (a TLS stack only: a plain one has no logins).
write_component_logins() {
    local component
    (umask 077 && mkdir -p "$LOGINS_DIR")
    while read -r component; do
        (umask 077 && component_logins "$component" >"$LOGINS_DIR/$component.env")
    done < <(printf '%s\n' "${PG_COMPONENTS[@]}" "${!REDIS_GRANTS[@]}" "${KAFKA_COMPONENTS[@]}" |
        sort -u)
}
