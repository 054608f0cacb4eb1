# shellcheck shell=bash
# shellcheck disable=SC2034  # PG_BIN and PG_STARTED are read by the scripts that source this file
# A private PostgreSQL for the demo and the tests, without systemd. Sourced by run.sh and test.sh.
#
#   start_postgres DIR PORT [--throwaway]   start (or reuse) a server whose files live in DIR;
#                                           --throwaway: tests only (no fsync, more connections)
#   stop_postgres DIR                       stop it (no-op when it is not running)
#
# After start_postgres: PG_BIN is the server's bin dir, PG_STARTED is 1 if this call started the
# server (0 if it was already running), so callers stop only what they started.
#
# Where the files go: the server refuses to run as root, so it runs as the Debian `postgres` user,
# who must be able to reach DIR. A repo under /root (mode 700) is out of its reach, and opening
# /root to everyone would be a surprising side effect of a dev script. So when postgres cannot
# reach DIR, the files live in /tmp/asiops-pg-<hash of DIR> instead (stable across runs, so the demo
# keeps its data until the machine is rebooted) and DIR gets symlinks to them. The same fallback
# applies when DIR is too long for a Unix socket path (~107 bytes).

# apt-get update at most once per script run, and only when something has to be installed.
apt_install() {
  if [[ $EUID -ne 0 ]]; then
    echo "error: '$*' is missing and installing it needs root (apt-get install -y $*)" >&2
    return 1
  fi
  if [[ -z ${_APT_UPDATED:-} ]]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    _APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
}

# Highest installed server version, e.g. /usr/lib/postgresql/15/bin.
_pg_bin() {
  local initdb
  initdb=$(printf '%s\n' /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)
  [[ -x $initdb ]] && dirname "$initdb"
}

# Run a server command as the postgres user (it refuses root); as a normal user, run it directly.
_as_pg() {
  if [[ $EUID -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# Print the directory that really holds the server's files for DIR (see the header).
_pg_home() {
  local dir=$1
  if [[ $EUID -eq 0 ]]; then
    chown postgres: "$dir"
    if _as_pg test -w "$dir" && (( ${#dir} < 80 )); then echo "$dir"; return; fi
    echo "/tmp/asiops-pg-$(printf %s "$dir" | sha256sum | cut -c1-12)"
  else
    echo "$dir"
  fi
}

start_postgres() {
  local dir=$1 port=$2 mode=${3:-}
  PG_STARTED=0

  PG_BIN=$(_pg_bin) || true
  if [[ -z $PG_BIN ]]; then
    apt_install postgresql
    PG_BIN=$(_pg_bin)
  fi

  (umask 022 && mkdir -p "$dir")   # world-traversable parents, whatever the caller's umask
  dir=$(cd "$dir" && pwd -P)
  local home
  home=$(_pg_home "$dir")
  if [[ $home != "$dir" ]]; then
    mkdir -p "$home" && chown postgres: "$home"
    ln -sfn "$home/pgdata" "$dir/pgdata"
    ln -sfn "$home/postgres.log" "$dir/postgres.log"
  fi
  local data=$home/pgdata log=$home/postgres.log

  if [[ ! -f $data/PG_VERSION ]]; then
    # Trust auth on 127.0.0.1 only: fine for a dev box and tests, never for a deployment.
    _as_pg "$PG_BIN/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
      --no-sync >"$home/initdb.log" 2>&1 \
      || { cat "$home/initdb.log" >&2; return 1; }
  fi

  if _as_pg "$PG_BIN/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    # Line 4 of postmaster.pid is the port it listens on; callers connect to PORT.
    local running
    running=$(sed -n 4p "$data/postmaster.pid")
    if [[ $running != "$port" ]]; then
      echo "error: PostgreSQL on $data is already running on port $running, not $port" >&2
      return 1
    fi
    echo "PostgreSQL already running on $data (reusing it)"
    return 0
  fi

  # -o is run through /bin/sh by pg_ctl, hence the single quotes around the socket dir.
  local opts="-c listen_addresses=127.0.0.1 -p $port -k '$home'"
  # Durability is pointless for a server deleted after the run; parallel test hosts (each with
  # EF and Hangfire pools) need more than the default 100 connections.
  [[ $mode == --throwaway ]] \
    && opts+=" -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300"
  if ! _as_pg "$PG_BIN/pg_ctl" -D "$data" -l "$log" -w -t 60 start -o "$opts" >/dev/null; then
    echo "error: PostgreSQL did not start on port $port; last lines of $log:" >&2
    tail -n 20 "$log" >&2
    return 1
  fi
  PG_STARTED=1
}

stop_postgres() {
  local dir=$1
  [[ -d $dir ]] || return 0
  local data
  data=$(cd "$dir" && pwd -P)/pgdata
  [[ -L $data ]] && data=$(readlink "$data")
  local bin=${PG_BIN:-$(_pg_bin)}
  [[ -n $bin && -f $data/PG_VERSION ]] || return 0
  if _as_pg "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    _as_pg "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null
  fi
}
