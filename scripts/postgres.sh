#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for tests, kept whole inside one directory.
#
#   scripts/postgres.sh start DIR    make (if new) and start a cluster in DIR; prints its URL
#   scripts/postgres.sh stop DIR     stop it (fast shutdown); fine if it is not running
#   scripts/postgres.sh pause DIR    same as stop: the data stays for `resume`
#   scripts/postgres.sh resume DIR   start it again on the port it had, with the same data
#   scripts/postgres.sh restart DIR  stop, then resume
#
# DIR holds data/ (the cluster), server.log, initdb.log, the Unix socket and url,
# whose one line is what `start` prints: postgres://postgres@127.0.0.1:PORT/postgres
# (trust auth, so no password). Everything else goes to stderr. Deleting DIR after
# `stop` removes every trace. Installs Debian's `postgresql` package when no server
# is found. The server refuses to run as root, so root runs it as `nobody`.
set -euo pipefail

FIRST_PORT=54329
LAST_PORT=54429

log() { echo "postgres.sh: $*" >&2; }
die() {
  log "$*"
  exit 1
}

usage() {
  sed -n '4,8s/^# \{0,1\}//p' "$0" >&2
  exit 2
}

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# The newest installed server's bin directory, or nothing.
find_bindir() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -n "$d" ] && [ -x "$d/initdb" ]; then echo "$d"; fi
}

ensure_server() {
  BIN=$(find_bindir)
  if [ -z "$BIN" ]; then
    log "no PostgreSQL server found; installing postgresql with apt-get"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    as_root env DEBIAN_FRONTEND=noninteractive \
      apt-get install -y -qq --no-install-recommends postgresql >&2
    BIN=$(find_bindir)
    [ -n "$BIN" ] || die "postgresql installed, but no /usr/lib/postgresql/*/bin/initdb"
  fi
}

# Runs a command as the cluster's owner: `nobody` for root, else the caller. The
# working directory is DIR, so the server never trips over an unreadable one.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    (cd "$DIR" && runuser -u nobody -- "$@")
  else
    (cd "$DIR" && "$@")
  fi
}

# Sets DIR (absolute), DATA and LOG from the command line's DIR; creates DIR when
# asked to.
set_dirs() {
  local given=$1 create=$2
  if [ "$create" = yes ]; then
    mkdir -p -- "$given"
  elif [ ! -d "$given" ]; then
    DIR=$given DATA=$given/data LOG=$given/server.log
    return
  fi
  DIR=$(cd -- "$given" && pwd -P)
  DATA=$DIR/data
  LOG=$DIR/server.log
}

is_running() {
  [ -f "$DATA/PG_VERSION" ] && as_owner "$BIN/pg_ctl" status -D "$DATA" >/dev/null 2>&1
}

# The port recorded in DIR/url; fails when there is none.
url_port() {
  local port
  port=$(sed -n 's|^postgres://[^@]*@127\.0\.0\.1:\([0-9][0-9]*\)/.*$|\1|p' "$DIR/url" 2>/dev/null | head -n 1 || true)
  [ -n "$port" ] && echo "$port"
}

# True when something already accepts connections on 127.0.0.1:$1.
port_busy() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# A new cluster in DATA, with the test settings appended to its postgresql.conf.
init_cluster() {
  if [ "$(id -u)" -eq 0 ]; then
    chown nobody: "$DIR"
    chmod 755 "$DIR"
    as_owner test -w "$DIR" -a -x "$DIR" ||
      die "user nobody cannot write to $DIR (are its parent directories searchable by all?)"
  fi
  log "creating a cluster in $DATA"
  if ! as_owner "$BIN/initdb" -D "$DATA" -A trust -U postgres -E UTF8 --locale=C --no-sync \
    >"$DIR/initdb.log" 2>&1; then
    cat "$DIR/initdb.log" >&2
    die "initdb failed"
  fi
  # The server keeps its log private; made here first, it stays readable by all.
  as_owner touch "$LOG"
  chmod 644 "$LOG"
  # Single quotes inside a setting's value are doubled.
  local sockdir=${DIR//\'/\'\'}
  cat >>"$DATA/postgresql.conf" <<EOF

# Set by scripts/postgres.sh for tests.
listen_addresses = '127.0.0.1'
unix_socket_directories = '$sockdir'
fsync = on
max_connections = 300
shared_buffers = 128MB
EOF
}

# Starts the cluster on port $1; returns 3 when the port is taken, 1 on other failures.
start_on() {
  local port=$1 before
  before=$( (stat -c %s "$LOG" 2>/dev/null) || echo 0)
  if as_owner "$BIN/pg_ctl" start -D "$DATA" -l "$LOG" -w -t 60 -o "-p $port" >&2; then
    return 0
  fi
  if tail -c +"$((before + 1))" "$LOG" 2>/dev/null | grep -q 'could not bind\|Address already in use'; then
    return 3
  fi
  return 1
}

print_url() {
  local url="postgres://postgres@127.0.0.1:$1/postgres"
  echo "$url" >"$DIR/url"
  chmod 644 "$DIR/url"
  echo "$url"
}

show_log_and_die() {
  log "the server did not start; the end of $LOG:"
  tail -n 20 "$LOG" >&2 2>/dev/null || true
  die "$1"
}

cmd_start() {
  set_dirs "$1" yes
  ensure_server
  local port
  if is_running; then
    port=$(url_port) || die "a server runs in $DATA, but $DIR/url is missing"
    log "already running"
    print_url "$port"
    return
  fi
  # The socket's path has to fit in sockaddr_un (107 bytes).
  [ "${#DIR}" -le 90 ] || die "$DIR is too long a path for the server's Unix socket"
  [ -f "$DATA/PG_VERSION" ] || init_cluster
  # A stopped cluster gets its old port back when it is free.
  local old rc
  old=$(url_port 2>/dev/null || true)
  for port in $old $(seq "$FIRST_PORT" "$LAST_PORT"); do
    port_busy "$port" && continue
    rc=0
    start_on "$port" || rc=$?
    case $rc in
      0)
        log "started on port $port; log in $LOG"
        print_url "$port"
        return
        ;;
      3) log "port $port is taken, trying another" ;;
      *) show_log_and_die "could not start the cluster in $DATA" ;;
    esac
  done
  die "no free port between $FIRST_PORT and $LAST_PORT"
}

cmd_stop() {
  set_dirs "$1" no
  if [ ! -f "$DATA/PG_VERSION" ]; then
    log "no cluster in $DATA; nothing to stop"
    return
  fi
  BIN=$(find_bindir)
  [ -n "$BIN" ] || die "no PostgreSQL server binaries found"
  if ! is_running; then
    log "not running"
    return
  fi
  as_owner "$BIN/pg_ctl" stop -D "$DATA" -m fast -w -t 60 >&2
}

cmd_resume() {
  set_dirs "$1" no
  [ -f "$DATA/PG_VERSION" ] || die "no cluster in $DATA: use start first"
  BIN=$(find_bindir)
  [ -n "$BIN" ] || die "no PostgreSQL server binaries found"
  local port
  port=$(url_port) || die "no port recorded in $DIR/url"
  if is_running; then
    log "already running"
  else
    # The port may be briefly held by someone else: wait up to ten seconds for it.
    local try rc
    for try in 1 2 3 4 5 6 7 8 9 10; do
      rc=0
      start_on "$port" || rc=$?
      [ "$rc" -eq 3 ] || break
      log "port $port is taken (try $try of 10)"
      sleep 1
    done
    [ "$rc" -eq 0 ] || show_log_and_die "could not start the cluster again on port $port"
    log "running again on port $port"
  fi
  print_url "$port"
}

[ $# -eq 2 ] || usage
case $1 in
  start) cmd_start "$2" ;;
  stop | pause) cmd_stop "$2" ;;
  resume) cmd_resume "$2" ;;
  restart)
    cmd_stop "$2"
    cmd_resume "$2"
    ;;
  *) usage ;;
esac
