# shellcheck shell=bash
# Kafka with TLS and SCRAM for scripts/stack (SAGA_TLS=1, single node): both client listeners
# speak SASL_SSL only (the local CA of stack.d/tls.sh, SCRAM-SHA-512), one SCRAM user per
# component with ACLs under KRaft's StandardAuthorizer, and an admin user for the script's
# own tools, the tests and the checker. Passwords are generated into $STACK_HOME/secrets.
#
# The controller listener stays PLAINTEXT on loopback: KRaft controllers cannot check SCRAM
# (its credentials live in the metadata they serve), and it answers only KRaft's own RPCs.
# Its principal, ANONYMOUS, is a super user so the broker may register with its controller.

KAFKA_ADMIN_USER=saga-admin
KAFKA_SASL_MECHANISM=SCRAM-SHA-512

# What each component may do: deploy/kafka-acls.txt, which the real-stack harness reads too
# (it grants the same on each test run's prefixed names). The components that use Kafka are
# the ones it names; each gets a SCRAM user.
KAFKA_ACL_TABLE="$REPO_ROOT/deploy/kafka-acls.txt"
# shellcheck source=../../deploy/kafka-acls.sh
source "$REPO_ROOT/deploy/kafka-acls.sh"
mapfile -t KAFKA_COMPONENTS < <(kafka_acl_components "$KAFKA_ACL_TABLE")

kafka_password_of() { stack_secret "kafka-$1"; }

# The broker's key and certificate as one PEM keystore, readable by the broker only.
kafka_tls_keystore() {
    tls_certificates
    (umask 077 && cat "$TLS_DIR/server.key" "$TLS_DIR/server.crt" >"$KAFKA_CONF/keystore.pem")
}

# The broker settings that make its client listeners SASL_SSL only.
kafka_tls_properties() {
    local admin_password
    admin_password="$(kafka_password_of admin)"
    cat <<EOF
listener.security.protocol.map=DIRECT:SASL_SSL,PROXIED:SASL_SSL,CONTROLLER:PLAINTEXT
sasl.enabled.mechanisms=$KAFKA_SASL_MECHANISM
sasl.mechanism.inter.broker.protocol=$KAFKA_SASL_MECHANISM
listener.name.direct.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="$KAFKA_ADMIN_USER" password="$admin_password";
listener.name.proxied.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
ssl.keystore.type=PEM
ssl.keystore.location=$KAFKA_CONF/keystore.pem
ssl.truststore.type=PEM
ssl.truststore.location=$TLS_DIR/ca.crt
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
super.users=User:$KAFKA_ADMIN_USER;User:ANONYMOUS
allow.everyone.if.no.acl.found=false
EOF
}

# How the script's own tools log in: the admin user over SASL_SSL.
kafka_tls_admin_config() {
    local file="$KAFKA_CONF/admin.properties"
    (umask 077 && cat >"$file" <<EOF
security.protocol=SASL_SSL
sasl.mechanism=$KAFKA_SASL_MECHANISM
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="$KAFKA_ADMIN_USER" password="$(kafka_password_of admin)";
ssl.truststore.type=PEM
ssl.truststore.location=$TLS_DIR/ca.crt
EOF
    )
    echo "$file"
}

# The --add-scram options of `kafka-storage format`: every user exists from the first start.
kafka_tls_format_options() {
    local component
    printf -- '--add-scram\nSCRAM-SHA-512=[name=%s,password=%s]\n' "$KAFKA_ADMIN_USER" \
        "$(kafka_password_of admin)"
    for component in "${KAFKA_COMPONENTS[@]}"; do
        printf -- '--add-scram\nSCRAM-SHA-512=[name=%s,password=%s]\n' \
            "$(kafka_user_of "$component")" "$(kafka_password_of "$component")"
    done
}

# kafka_acl ARGS...: adds ACLs as the admin (AclCommand, idempotent).
kafka_acl() {
    kafka_java org.apache.kafka.tools.AclCommand --bootstrap-server "$KAFKA_ADMIN_BOOTSTRAP" \
        --command-config "$KAFKA_CONF/admin.properties" --add --force "$@" \
        >>"$LOG_DIR/kafka-admin.log" 2>&1 || die "adding Kafka ACLs failed (see $LOG_DIR/kafka-admin.log)"
}

# The table's ACLs on the stack's own names, again whenever the table changed (each line is a
# JVM start; AclCommand's --add leaves what exists alone).
kafka_tls_acls() {
    local marker="$KAFKA_DATA/.acls" digest
    digest="$(sha256sum "$KAFKA_ACL_TABLE" | cut -d' ' -f1)"
    [[ "$(cat "$marker" 2>/dev/null)" == "$digest" ]] && return 0
    log "adding the components' Kafka ACLs ($KAFKA_ACL_TABLE)"
    kafka_acls_each "$KAFKA_ACL_TABLE" kafka_acl || die "$KAFKA_ACL_TABLE: not granted"
    echo "$digest" >"$marker"
}

# The client settings `scripts/stack env [COMPONENT]` prints: the component's own user, or the
# admin for tests and tools.
kafka_tls_env() {
    local component="${1:-}" name=admin
    [[ " ${KAFKA_COMPONENTS[*]} " == *" $component "* ]] && name="$component"
    local user="$KAFKA_ADMIN_USER"
    [[ "$name" == admin ]] || user="$(kafka_user_of "$name")"
    kafka_password_of "$name" >/dev/null
    cat <<EOF
export KAFKA_SECURITY_PROTOCOL=SASL_SSL
export KAFKA_SSL_CA_FILE=$TLS_DIR/ca.crt
export KAFKA_SASL_MECHANISM=$KAFKA_SASL_MECHANISM
export KAFKA_SASL_USERNAME=$user
export KAFKA_SASL_PASSWORD_FILE=$SECRETS_DIR/kafka-$name
EOF
}
