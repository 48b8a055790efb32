# shellcheck shell=bash
# Certificates for a TLS stack (SAGA_TLS=1): a local CA and a server certificate for
# 127.0.0.1 and localhost signed by it, made with openssl on first use in $STACK_HOME/tls and
# never committed. Clients verify the server with the CA (`sslrootcert`, verify-full).
# scripts/secrets makes compose's with the same function, for its services' names too.

TLS_ENABLED="${SAGA_TLS:-0}"
TLS_DIR="$STACK_HOME/tls"
# The names the server certificate holds (openssl's subjectAltName syntax).
TLS_SERVER_NAMES="IP:127.0.0.1,DNS:localhost"

tls_on() { [[ "$TLS_ENABLED" == 1 ]]; }

# The script's own psql calls encrypt too: the server refuses them otherwise.
if tls_on; then export PGSSLMODE=require; fi

# Makes the CA and the server's key and certificate unless they exist.
tls_certificates() {
    [[ -s "$TLS_DIR/server.crt" ]] && return 0
    command -v openssl >/dev/null || apt_install openssl
    mkdir -p "$TLS_DIR"
    (
        cd "$TLS_DIR"
        umask 077
        openssl req -x509 -newkey rsa:2048 -nodes -days 825 -subj "/CN=order-saga local CA" \
            -keyout ca.key -out ca.crt 2>/dev/null
        openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
            -keyout server.key -out server.csr 2>/dev/null
        printf 'subjectAltName=%s\n' "$TLS_SERVER_NAMES" >server.ext
        openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 825 \
            -extfile server.ext -out server.crt 2>/dev/null
        chmod 644 ca.crt server.crt
    ) || die "making the TLS certificates in $TLS_DIR failed"
    log "TLS certificates in $TLS_DIR (CA: ca.crt)"
}

# What a PostgreSQL URL of this stack ends with: TLS verified against the CA, or nothing.
tls_pg_query() {
    if tls_on; then echo "?sslmode=verify-full&sslrootcert=$TLS_DIR/ca.crt"; fi
}
