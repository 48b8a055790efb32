# shellcheck shell=bash
# How deploy/kafka-acls.txt becomes Kafka ACLs, for the shells that grant it: sourced by
# scripts/stack.d/kafka-tls.sh (the native TLS stack) and by docker-compose.tls.yml's
# topic-init job. (The real-stack harness reads the table itself: kafka_grants.rs.)

# A component's SCRAM user.
kafka_user_of() { echo "saga-$1"; }

# The components TABLE names (its `*` lines grant to all of them), one per line.
kafka_acl_components() { awk '!/^#/ && NF && $1 != "*" { print $1 }' "$1" | sort -u; }

# kafka_acls_each TABLE CALLBACK: calls CALLBACK once per line of TABLE with AclCommand's
# options for it (--allow-principal, --operation, --topic, --group, --cluster).
kafka_acls_each() {
    local table="$1" callback="$2" words components=() who operation resource args
    mapfile -t components < <(kafka_acl_components "$table")
    # An array, never an unquoted expansion: `*` is a name here, not a glob.
    while read -r -a words; do
        if ((${#words[@]} == 0)) || [[ "${words[0]}" == \#* ]]; then continue; fi
        args=()
        if [[ "${words[0]}" == '*' ]]; then
            for who in "${components[@]}"; do args+=(--allow-principal "User:$(kafka_user_of "$who")"); done
        else
            args+=(--allow-principal "User:$(kafka_user_of "${words[0]}")")
        fi
        for operation in ${words[1]//,/ }; do args+=(--operation "$operation"); done
        for resource in "${words[@]:2}"; do
            case "$resource" in
                topic:*) args+=(--topic "${resource#topic:}") ;;
                group:*) args+=(--group "${resource#group:}") ;;
                cluster) args+=(--cluster) ;;
                *)
                    echo "$table: '$resource' is not topic:NAME, group:NAME or cluster" >&2
                    return 1
                    ;;
            esac
        done
        "$callback" "${args[@]}" </dev/null || return 1
    done <"$table"
}
