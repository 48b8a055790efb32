#!/bin/sh
# Like the upstream image: options alone run the server, and a server started without a
# config file leaves protected mode off (it listens on every address of the container).
set -eu
case "${1:-}" in
    -*) set -- redis-server "$@" ;;
esac
if [ "${1:-}" = redis-server ]; then
    case "${2:-}" in
        *.conf) ;;
        *)
            shift
            set -- redis-server --protected-mode no "$@"
            ;;
    esac
fi
exec "$@"
