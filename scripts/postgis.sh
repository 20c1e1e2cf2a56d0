#!/usr/bin/env bash
# scripts/postgis.sh: a throwaway PostgreSQL 15 + PostGIS 3 + pgRouting cluster for development,
# tests and CI (DESIGN.md, "PostGIS in development, tests and CI"). There is no Docker: the script
# installs Debian's packages when they are missing, initdbs a cluster in a temp folder, starts it
# on a free port of 127.0.0.1 and prints its URL.
#
#   scripts/postgis.sh up       install if missing, start (or reuse) the cluster, print its URL
#   scripts/postgis.sh url      print the URL of the running cluster (exit 1 if none)
#   scripts/postgis.sh env      print "export DIMING_TEST_DATABASE_URL=..." (for eval)
#   scripts/postgis.sh status   say whether it runs (exit 0 if it does, 1 if not)
#   scripts/postgis.sh psql     open psql on it (extra arguments go to psql)
#   scripts/postgis.sh down     stop it and delete its folder
#
# Only the URL goes to stdout, everything else to stderr, so this works:
#   export DIMING_TEST_DATABASE_URL="$(scripts/postgis.sh up)"
#
# PostGIS and pgRouting are created in template1 (so every new database has them) and postgres.
# The state (folder, port, pid, URL) is kept in <repo>/.data/postgis.env, which can be sourced.
#
# Environment:
#   DIMING_PG_DIR   folder of the cluster (default /tmp/diming-pg-<uid>-<hash of the repo path>,
#                   so two checkouts do not clash)
#   DIMING_PG_PORT  first TCP port to try (default 55432; the next free one is taken)
set -euo pipefail

readonly PG_MAJOR=15
readonly PG_BIN=/usr/lib/postgresql/$PG_MAJOR/bin
readonly PG_LIB=/usr/lib/postgresql/$PG_MAJOR/lib
readonly PG_EXT=/usr/share/postgresql/$PG_MAJOR/extension
readonly PACKAGES=(postgresql-15-postgis-3 postgresql-15-pgrouting)
# A cluster folder holding this file was made by this script, so `down` may delete it.
readonly MARKER=.diming-postgis

script_dir=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
repo_root=$(dirname -- "$script_dir")
state_dir=$repo_root/.data
state_file=$state_dir/postgis.env
uid=$(id -u)
repo_hash=$(printf '%s' "$repo_root" | sha256sum | cut -c1-10)
pg_dir=$(realpath -m -- "${DIMING_PG_DIR:-/tmp/diming-pg-$uid-$repo_hash}")
first_port=${DIMING_PG_PORT:-55432}

log() { printf 'postgis.sh: %s\n' "$*" >&2; }
die() {
	log "error: $*"
	exit 1
}

is_root() { [[ $uid -eq 0 ]]; }

# as_pg runs a server program (initdb, pg_ctl) as the owner of the cluster. They refuse to run as
# root, so root hands them to the "postgres" system user of the Debian packages. The cd keeps them
# from complaining when the caller's working folder is closed to that user. The lock (fd 9) is
# closed: a server started by pg_ctl would inherit it and hold it for as long as it runs.
as_pg() {
	if is_root; then
		(cd / && runuser -u postgres -- "$@") 9>&-
	else
		"$@" 9>&-
	fi
}

url_for() { printf 'postgres://postgres@127.0.0.1:%s/postgres?sslmode=disable' "$1"; }

# psql_on PORT DB ARGS... runs psql against the cluster, stopping at the first error.
psql_on() {
	local port=$1 db=$2
	shift 2
	PGOPTIONS="-c client_min_messages=warning" PGCONNECT_TIMEOUT=5 "$PG_BIN/psql" -X -q -w -v ON_ERROR_STOP=1 \
		-h 127.0.0.1 -p "$port" -U postgres -d "$db" "$@"
}

# ---------------------------------------------------------------------------------------------
# Packages

packages_missing() {
	local f
	for f in initdb pg_ctl postgres psql pg_isready; do
		[[ -x $PG_BIN/$f ]] || return 0
	done
	# postgis.control is an alternatives symlink; -f follows it.
	[[ -f $PG_EXT/postgis.control && -f $PG_EXT/pgrouting.control && -f $PG_LIB/postgis-3.so ]] ||
		return 0
	compgen -G "$PG_LIB/libpgrouting-*.so" >/dev/null || return 0
	return 1
}

ensure_packages() {
	packages_missing || return 0
	if ! is_root; then
		die "PostgreSQL $PG_MAJOR with PostGIS 3 and pgRouting is not installed; install it with:
    sudo apt-get update && sudo apt-get install -y ${PACKAGES[*]}"
	fi
	command -v apt-get >/dev/null || die "apt-get not found; install ${PACKAGES[*]} (Debian 12 names) by hand"
	log "installing ${PACKAGES[*]} with apt-get (this takes a while)"
	# The postgresql package may create and start a default cluster on port 5432; it is not used.
	local apt=(apt-get -q -o DPkg::Lock::Timeout=600
		-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
	# fd 9 (the lock) is closed: without systemd, the package scripts start that default cluster
	# from here, and it would inherit the lock.
	DEBIAN_FRONTEND=noninteractive "${apt[@]}" update >&2 9>&-
	DEBIAN_FRONTEND=noninteractive "${apt[@]}" install -y --no-install-recommends "${PACKAGES[@]}" >&2 9>&-
	if packages_missing; then
		die "apt-get installed ${PACKAGES[*]} but files are still missing under $PG_BIN, $PG_LIB or $PG_EXT"
	fi
}

# ---------------------------------------------------------------------------------------------
# State file

st_dir='' st_port='' st_pid='' st_url=''

# state_get KEY prints KEY's value from the state file (it is written by write_state, below).
state_get() {
	(
		unset DIMING_PG_DIR DIMING_PG_PORT DIMING_PG_PID DIMING_TEST_DATABASE_URL
		# shellcheck source=/dev/null
		. "$state_file" >/dev/null 2>&1 && printf '%s' "${!1-}"
	) || true
}

load_state() {
	st_dir='' st_port='' st_pid='' st_url=''
	[[ -f $state_file ]] || return 1
	st_dir=$(state_get DIMING_PG_DIR)
	st_port=$(state_get DIMING_PG_PORT)
	st_pid=$(state_get DIMING_PG_PID)
	st_url=$(state_get DIMING_TEST_DATABASE_URL)
	[[ -n $st_dir && $st_port =~ ^[0-9]+$ ]] && st_url=${st_url:-$(url_for "$st_port")}
}

shell_quote() { printf "'%s'" "${1//\'/\'\\\'\'}"; }

write_state() { # DIR PORT PID
	local tmp
	tmp=$(mktemp "$state_file.XXXXXX")
	{
		echo "# Written by scripts/postgis.sh up. Load with: set -a; . .data/postgis.env; set +a"
		echo "DIMING_PG_DIR=$(shell_quote "$1")"
		echo "DIMING_PG_PORT=$2"
		echo "DIMING_PG_PID=$3"
		echo "DIMING_TEST_DATABASE_URL=$(shell_quote "$(url_for "$2")")"
	} >"$tmp"
	chmod 644 "$tmp"
	mv -f -- "$tmp" "$state_file"
}

ensure_state_dir() {
	if [[ ! -d $state_dir ]]; then
		mkdir -p -- "$state_dir" 2>/dev/null || die "cannot create $state_dir (the state of the cluster is kept there)"
		# Keep the folder out of git without touching the repo's .gitignore.
		printf '*\n' >"$state_dir/.gitignore"
	fi
	[[ -w $state_dir ]] || die "cannot write to $state_dir (the state of the cluster is kept there)"
}

# take_lock serialises up and down of one checkout (e.g. parallel test runners calling up).
take_lock() {
	ensure_state_dir
	command -v flock >/dev/null || return 0
	exec 9>"$state_dir/postgis.lock"
	flock -w 900 9 || die "timed out waiting for another scripts/postgis.sh (lock $state_dir/postgis.lock)"
}

# ---------------------------------------------------------------------------------------------
# Cluster

# cluster_alive DIR PORT: a server answers on PORT and serves DIR/data, which still exists.
# (A server whose folder was deleted keeps running for up to a minute.)
cluster_alive() {
	local dir=$1 port=$2 got
	[[ -f $dir/data/PG_VERSION && $port =~ ^[0-9]+$ ]] || return 1
	got=$(PGCONNECT_TIMEOUT=3 "$PG_BIN/psql" -X -A -t -q -w -h 127.0.0.1 -p "$port" \
		-U postgres -d postgres -c 'SHOW data_directory' 2>/dev/null) || return 1
	[[ $got == "$dir/data" ]]
}

# kill_orphan DIR PID stops PID if it is the postmaster of DIR/data (e.g. its folder was deleted,
# so pg_ctl cannot reach it any more). The command line check guards against reused pids.
kill_orphan() {
	local dir=$1 pid=$2 cmd i
	[[ $pid =~ ^[0-9]+$ && -r /proc/$pid/cmdline ]] || return 0
	cmd=$(tr '\0' ' ' </proc/"$pid"/cmdline 2>/dev/null) || return 0
	[[ $cmd == "$PG_BIN/postgres -D $dir/data "* ]] || return 0
	log "stopping the orphaned server $pid of $dir"
	kill -QUIT "$pid" 2>/dev/null || return 0 # immediate shutdown
	for ((i = 0; i < 100; i++)); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
}

# discard DIR [PID]: stop whatever runs in DIR and delete DIR if this script made it.
discard() {
	local dir=$1 pid=${2:-}
	if [[ -f $dir/data/postmaster.pid ]] &&
		as_pg "$PG_BIN/pg_ctl" status -D "$dir/data" >/dev/null 2>&1; then
		log "stopping the cluster in $dir"
		if ! as_pg "$PG_BIN/pg_ctl" stop -D "$dir/data" -m fast -w -t 60 >&2; then
			log "fast shutdown failed; trying immediate"
			as_pg "$PG_BIN/pg_ctl" stop -D "$dir/data" -m immediate -w -t 30 >&2 || true
		fi
	fi
	kill_orphan "$dir" "$pid"
	if [[ -f $dir/$MARKER ]]; then
		rm -rf -- "$dir"
	elif [[ -e $dir ]]; then
		log "leaving $dir alone: it was not made by this script"
	fi
}

# shellcheck disable=SC2016 # $1 is expanded by the inner bash
port_in_use() { timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$1" 2>/dev/null; }

# free_port FROM prints the first port >= FROM where nothing listens on 127.0.0.1.
free_port() {
	local port=$1
	while ((port < 65536)); do
		port_in_use "$port" || {
			echo "$port"
			return 0
		}
		port=$((port + 1))
	done
	die "no free TCP port at or above $1"
}

# A half-made cluster (failed or interrupted up) is stopped and deleted.
cleanup_on_failure=''
on_exit() {
	local rc=$?
	if ((rc != 0)) && [[ -n $cleanup_on_failure ]]; then
		log "up failed; removing $cleanup_on_failure"
		discard "$cleanup_on_failure" || true
	fi
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

prepare_dir() {
	if [[ -e $pg_dir ]]; then
		if [[ -f $pg_dir/$MARKER ]]; then
			log "replacing the unrecorded cluster folder $pg_dir"
			discard "$pg_dir"
		elif [[ ! -d $pg_dir || -n $(ls -A -- "$pg_dir") ]]; then
			die "$pg_dir exists and was not made by this script; remove it or set DIMING_PG_DIR"
		fi
	fi
	mkdir -p -- "$pg_dir"
	chmod 700 -- "$pg_dir"
	: >"$pg_dir/$MARKER"
	cleanup_on_failure=$pg_dir
	if is_root; then
		getent passwd postgres >/dev/null ||
			die "there is no postgres system user (the postgresql-common package makes it)"
		chown postgres:postgres -- "$pg_dir"
		as_pg test -w "$pg_dir" -a -x "$pg_dir" ||
			die "the postgres user cannot use $pg_dir (is a parent folder closed to it?); set DIMING_PG_DIR to a folder under /tmp"
	fi
}

create_cluster() {
	local data=$pg_dir/data logfile=$pg_dir/postgres.log conf locale=C
	local port=$first_port tries=0 before pid i db

	prepare_dir
	log "creating a cluster in $pg_dir"
	locale -a 2>/dev/null | grep -Eqix 'c\.utf-?8' && locale=C.UTF-8
	if ! as_pg "$PG_BIN/initdb" -D "$data" -A trust -U postgres -E UTF8 --locale="$locale" \
		--no-sync >"$pg_dir/initdb.log" 2>&1; then
		cat -- "$pg_dir/initdb.log" >&2
		die "initdb failed"
	fi

	conf=$data/postgresql.conf
	{
		echo
		echo "# Added by scripts/postgis.sh: a throwaway cluster for tests, not durable."
		echo "listen_addresses = '127.0.0.1'"
		# A Unix socket path must fit in 107 bytes; with a long folder, go without.
		if ((${#pg_dir} + 20 <= 107)); then
			echo "unix_socket_directories = '${pg_dir//\'/\'\'}'"
		else
			echo "unix_socket_directories = ''"
		fi
		echo "fsync = off"
		echo "synchronous_commit = off"
		echo "full_page_writes = off"
		echo "max_connections = 200"
		echo "shared_buffers = 128MB"
	} >>"$conf"

	# The port is probed, then bound by the server; if someone takes it in between, try the next.
	while :; do
		port=$(free_port "$port")
		echo "port = $port" >>"$conf" # the last setting wins
		before=0
		[[ -f $logfile ]] && before=$(wc -l <"$logfile")
		log "starting PostgreSQL on 127.0.0.1:$port"
		if as_pg "$PG_BIN/pg_ctl" start -D "$data" -l "$logfile" -w -t 60 -s >&2; then
			break
		fi
		if ((++tries < 10)) && tail -n "+$((before + 1))" -- "$logfile" | grep -q 'could not bind'; then
			log "port $port was taken meanwhile; trying the next one"
			port=$((port + 1))
			continue
		fi
		tail -n 30 -- "$logfile" >&2 || true
		die "PostgreSQL did not start (log: $logfile)"
	done

	for ((i = 0; i < 150; i++)); do
		"$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$port" -U postgres -d postgres && break
		sleep 0.2
	done
	"$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$port" -U postgres -d postgres ||
		die "PostgreSQL started but does not accept connections (log: $logfile)"
	pid=$(head -n 1 -- "$data/postmaster.pid")

	# In template1, so that every database created afterwards has them, and in postgres (made by
	# initdb before), the database of the URL. Nothing may stay connected to template1, or CREATE
	# DATABASE fails ("source database is being accessed by other users").
	for db in template1 postgres; do
		psql_on "$port" "$db" -c 'CREATE EXTENSION IF NOT EXISTS postgis' \
			-c 'CREATE EXTENSION IF NOT EXISTS pgrouting' >&2
	done
	# Check that a fresh database has both.
	psql_on "$port" postgres -c 'DROP DATABASE IF EXISTS diming_postgis_check' \
		-c 'CREATE DATABASE diming_postgis_check' >&2
	psql_on "$port" diming_postgis_check -A -t \
		-c 'SELECT postgis_full_version()' -c 'SELECT pgr_version()' >&2 ||
		die "PostGIS or pgRouting does not work in a new database (log: $logfile)"
	psql_on "$port" postgres -c 'DROP DATABASE diming_postgis_check' >&2

	write_state "$pg_dir" "$port" "$pid"
	cleanup_on_failure=''
	log "ready: $(url_for "$port") (folder $pg_dir; stop it with scripts/postgis.sh down)"
	url_for "$port"
	echo
}

# ---------------------------------------------------------------------------------------------
# Commands

cmd_up() {
	take_lock
	ensure_packages
	if load_state; then
		if cluster_alive "$st_dir" "$st_port"; then
			[[ $st_dir == "$pg_dir" ]] ||
				log "note: reusing the running cluster in $st_dir, not $pg_dir; run down first to move it"
			printf '%s\n' "$st_url"
			return 0
		fi
		log "the recorded cluster ($st_dir, port $st_port) is not running; making a new one"
	fi
	if [[ -n $st_dir ]]; then
		discard "$st_dir" "$st_pid"
	fi
	rm -f -- "$state_file"
	create_cluster
}

cmd_down() {
	take_lock
	if load_state || [[ -n $st_dir ]]; then
		discard "$st_dir" "$st_pid"
	fi
	if [[ $st_dir != "$pg_dir" && -e $pg_dir ]]; then
		discard "$pg_dir"
	fi
	rm -f -- "$state_file"
	log "down"
}

running_url() {
	load_state && cluster_alive "$st_dir" "$st_port" && printf '%s\n' "$st_url"
}

cmd_url() {
	running_url || die "no cluster is running; start one with scripts/postgis.sh up"
}

cmd_status() {
	if load_state && cluster_alive "$st_dir" "$st_port"; then
		echo "running: $st_url (folder $st_dir, pid $st_pid)"
	elif [[ -f $state_file ]]; then
		echo "not running (the state file $state_file is stale; up makes a new cluster, down clears it)"
		return 1
	else
		echo "not running"
		return 1
	fi
}

usage() {
	sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}" >&2
}

main() {
	local cmd=${1:-}
	[[ $# -gt 0 ]] && shift
	case $cmd in
	up) cmd_up ;;
	down) cmd_down ;;
	url) cmd_url ;;
	status) cmd_status ;;
	env)
		local url
		url=$(cmd_url)
		echo "export DIMING_TEST_DATABASE_URL=$(shell_quote "$url")"
		;;
	psql)
		local url
		url=$(cmd_url)
		exec "$PG_BIN/psql" "$url" "$@"
		;;
	-h | --help | help) usage ;;
	*)
		usage
		exit 2
		;;
	esac
}

main "$@"
