#!/bin/sh
# citus-local.sh starts or stops a local Citus cluster for the Citus tests:
# a coordinator and two workers on loopback, of a Citus already installed
# into PostgreSQL 15 (this script does not build or install it).
#
#   scripts/citus-local.sh start   # initdb on first use, start, add the workers
#   scripts/citus-local.sh stop
#
# Then: TENANTRY_TEST_CITUS=postgres://postgres@127.0.0.1:9700/postgres?sslmode=disable
# Data lives under $CITUS_DATA (default /opt/citus-data); ports are
# $CITUS_PORT (default 9700) and the next two. Run it as root (it runs the
# servers as the postgres user) or as the postgres user.
set -eu
BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
DATA=${CITUS_DATA:-/opt/citus-data}
PORT=${CITUS_PORT:-9700}
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

nodes() { echo "coordinator $PORT"; echo "worker1 $((PORT + 1))"; echo "worker2 $((PORT + 2))"; }

start() {
	mkdir -p "$DATA"
	[ "$(id -u)" = 0 ] && chown postgres "$DATA"
	nodes | while read -r name port; do
		dir=$DATA/$name
		if [ ! -f "$dir/PG_VERSION" ]; then
			as_pg "$BIN/initdb" -D "$dir" -U postgres --auth=trust >/dev/null
			cat >>"$dir/postgresql.conf" <<CONF
shared_preload_libraries = 'citus'
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
max_connections = 200
# a throwaway test cluster: durability buys nothing, and every test's
# TRUNCATE of each shard would otherwise wait on a file sync
fsync = off
synchronous_commit = off
full_page_writes = off
CONF
		fi
		as_pg "$BIN/pg_ctl" -D "$dir" -l "$dir/server.log" -w start >/dev/null
	done
	psql_c() { as_pg psql -X -q -h 127.0.0.1 -U postgres -p "$1" -d postgres -v ON_ERROR_STOP=1 -c "$2"; }
	nodes | while read -r name port; do psql_c "$port" "CREATE EXTENSION IF NOT EXISTS citus"; done
	psql_c "$PORT" "SELECT citus_set_coordinator_host('127.0.0.1', $PORT)" >/dev/null
	psql_c "$PORT" "SELECT citus_add_node('127.0.0.1', $((PORT + 1)))" >/dev/null
	psql_c "$PORT" "SELECT citus_add_node('127.0.0.1', $((PORT + 2)))" >/dev/null
	echo "TENANTRY_TEST_CITUS=postgres://postgres@127.0.0.1:$PORT/postgres?sslmode=disable"
}

stop() {
	nodes | while read -r name _; do
		[ -f "$DATA/$name/postmaster.pid" ] && as_pg "$BIN/pg_ctl" -D "$DATA/$name" -m fast -w stop >/dev/null
	done
	return 0
}

case "${1:-}" in
start) start ;;
stop) stop ;;
*) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
