# shellcheck shell=bash
# Redis with TLS and ACL users for scripts/stack (SAGA_TLS=1): only the TLS port listens (the
# local CA of stack.d/tls.sh; clients need no certificate of their own), the default user is
# off, each component that uses Redis logs in as its own user, allowed only the commands and
# keys it needs, and an admin user serves tests, the checker and the script's health check.

REDIS_ADMIN_USER=saga-admin
# The payment worker keeps its decisions (keys `[PREFIX]payment-decision:*`, one script);
# the auditor and the explorer read them.
declare -A REDIS_GRANTS=([payment-worker]="~*payment-decision:* +@read +@write +@scripting +ping"
    [auditor]="~*payment-decision:* +@read +ping" [explorer]="~*payment-decision:* +@read +ping")

redis_user_of() { echo "saga-$1"; }

redis_password_of() { stack_secret "redis-$1"; }

# The ACL file the server loads: passwords as SHA-256, so the file holds no secret.
redis_tls_acl_file() {
    local file="$STACK_HOME/redis-users.acl" component
    {
        echo "user default off"
        echo "user $REDIS_ADMIN_USER on #$(redis_password_of admin | sha256sum | cut -d' ' -f1) ~* &* +@all"
        for component in "${!REDIS_GRANTS[@]}"; do
            echo "user $(redis_user_of "$component") on" \
                "#$(redis_password_of "$component" | sha256sum | cut -d' ' -f1)" \
                "resetchannels ${REDIS_GRANTS[$component]}"
        done
    } >"$file"
    echo "$file"
}

# The server options that make Redis TLS-only with those users.
redis_tls_options() {
    tls_certificates
    echo --port 0 --tls-port "$REDIS_PORT" --tls-cert-file "$TLS_DIR/server.crt" \
        --tls-key-file "$TLS_DIR/server.key" --tls-ca-cert-file "$TLS_DIR/ca.crt" \
        --tls-auth-clients no --aclfile "$(redis_tls_acl_file)"
}

# redis-cli's options for the script's own calls: TLS, as the admin.
redis_cli_options() {
    if tls_on; then
        echo --tls --cacert "$TLS_DIR/ca.crt" --user "$REDIS_ADMIN_USER" \
            --pass "$(redis_password_of admin)" --no-auth-warning
    fi
}

# rediss://USER:PASSWORD@ for a component (the admin for anyone else), or nothing in plaintext.
redis_url_of() {
    local component="${1:-}" port="$2" name=admin user="$REDIS_ADMIN_USER"
    if ! tls_on; then
        echo "redis://127.0.0.1:$port/0"
        return
    fi
    if [[ -n "$component" && -n "${REDIS_GRANTS[$component]:-}" ]]; then
        name="$component"
        user="$(redis_user_of "$component")"
    fi
    echo "rediss://$user:$(redis_password_of "$name")@127.0.0.1:$port/0"
}
