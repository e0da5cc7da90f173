#!/usr/bin/env bash
# A PostgreSQL streaming replica of the primary on 127.0.0.1:5432, for trying the read replica
# (docs/scaling.md, "Read replica"). It is a second cluster on 127.0.0.1:$REPLICA_PORT made with
# pg_basebackup -R in a scratch directory; the primary is not restarted.
#
#   scripts/replica-demo.sh start [DIR]    # idempotent: a running, streaming replica is left alone
#   scripts/replica-demo.sh status [DIR]
#   scripts/replica-demo.sh stop [DIR]     # stops it and removes DIR (the copy is disposable)
#
# then: SHOUHU_REPLICA_URL=postgres://postgres@127.0.0.1:5499/shouhu make run (or the web server).
# Environment: REPLICA_PORT (5499), PRIMARY_PORT (5432), PG_BIN (/usr/lib/postgresql/<newest>/bin).
# The copy is physical: the whole primary cluster (every database on it) is copied and streamed.
set -euo pipefail

cmd=${1:-start}
dir=${2:-/tmp/shouhu-replica}
REPLICA_PORT=${REPLICA_PORT:-5499}
PRIMARY_PORT=${PRIMARY_PORT:-5432}
data="$dir/data"
log="$dir/replica.log"

say() { echo "replica-demo: $*" >&2; }
die() { say "$*"; exit 1; }

PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
[ -n "$PG_BIN" ] && [ -x "$PG_BIN/pg_ctl" ] || die "没有找到 PostgreSQL 程序（/usr/lib/postgresql/*/bin）；设置 PG_BIN"
primary_sql() { "$PG_BIN/psql" -X -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -d postgres -Atqc "$1"; }
replica_sql() { "$PG_BIN/psql" -X -h 127.0.0.1 -p "$REPLICA_PORT" -U postgres -d postgres -Atqc "$1" 2>/dev/null; }

# The server may not run as root: as root, run the cluster's programs as the postgres user.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

running() { [ -f "$data/postmaster.pid" ] && as_owner "$PG_BIN/pg_ctl" -D "$data" status >/dev/null 2>&1; }
streaming() { [ "$(replica_sql "SELECT count(*) FROM pg_stat_wal_receiver WHERE status = 'streaming'")" = "1" ]; }

stop() {
  if running; then as_owner "$PG_BIN/pg_ctl" -D "$data" -m fast -w stop >/dev/null; fi
  rm -rf "$dir"
  say "stopped, $dir removed"
}

allow_replication() {
  # pg_basebackup and the walreceiver open replication connections, which "host all ..." does not
  # cover. On a loopback trust setup (scripts/postgres.sh) add the matching line and reload.
  if "$PG_BIN/psql" -X "host=127.0.0.1 port=$PRIMARY_PORT user=postgres dbname=postgres replication=true" \
    -Atqc "IDENTIFY_SYSTEM" >/dev/null 2>&1; then
    return
  fi
  hba=$(primary_sql "SHOW hba_file")
  [ -w "$hba" ] || die "主库拒绝复制连接，且无法修改 $hba：请加入 host replication postgres 127.0.0.1/32 trust"
  say "adding a replication line for 127.0.0.1 to $hba and reloading the primary"
  sed -i '1i host replication postgres 127.0.0.1/32 trust # shouhu-replica-demo' "$hba"
  primary_sql "SELECT pg_reload_conf()" >/dev/null
  sleep 1
}

start() {
  if running && streaming; then
    say "already running on 127.0.0.1:$REPLICA_PORT ($data)"
    return
  fi
  "$PG_BIN/pg_isready" -h 127.0.0.1 -p "$PRIMARY_PORT" -q || die "主库 127.0.0.1:$PRIMARY_PORT 未运行（scripts/postgres.sh）"
  [ "$(primary_sql "SHOW wal_level")" != "minimal" ] || die "主库 wal_level = minimal：需改为 replica 并重启"
  [ "$(primary_sql "SHOW max_wal_senders")" -gt 0 ] || die "主库 max_wal_senders = 0：需大于 0 并重启"
  allow_replication
  # A stopped or broken copy is not worth repairing (the primary may have recycled the WAL it
  # needs): start again from a fresh base backup.
  if [ -e "$dir" ]; then stop; fi
  mkdir -p "$dir"
  [ "$(id -u)" -ne 0 ] || chown postgres: "$dir"
  say "base backup of 127.0.0.1:$PRIMARY_PORT into $data"
  as_owner "$PG_BIN/pg_basebackup" -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -D "$data" \
    -R -X stream -c fast --no-sync
  # The primary keeps its configuration outside its data directory (Debian), so the copy gets its
  # own. A hot standby needs these limits at least as high as the primary's.
  {
    echo "port = $REPLICA_PORT"
    echo "listen_addresses = '127.0.0.1'"
    echo "unix_socket_directories = '$dir'"
    echo "hot_standby = on"
    echo "shared_buffers = 32MB"
    for name in max_connections max_worker_processes max_wal_senders max_prepared_transactions \
      max_locks_per_transaction; do
      echo "$name = $(primary_sql "SHOW $name")"
    done
    echo "logging_collector = off"
    echo "cluster_name = 'shouhu-replica'"
  } | as_owner tee "$data/postgresql.conf" >/dev/null
  # ALTER SYSTEM settings copied from the primary must not override the port and limits above.
  as_owner sh -c "grep -E '^primary_conninfo' '$data/postgresql.auto.conf' > '$data/auto.tmp'; mv '$data/auto.tmp' '$data/postgresql.auto.conf'"
  printf '%s\n' "local all all trust" "host all all 127.0.0.1/32 trust" | as_owner tee "$data/pg_hba.conf" >/dev/null
  : | as_owner tee "$data/pg_ident.conf" >/dev/null
  as_owner "$PG_BIN/pg_ctl" -D "$data" -l "$log" -w -t 120 start >/dev/null || {
    tail -20 "$log" >&2
    die "备库未能启动（日志 $log）"
  }
  for _ in $(seq 1 60); do
    if streaming; then
      say "streaming on 127.0.0.1:$REPLICA_PORT ($data)"
      return
    fi
    sleep 1
  done
  tail -20 "$log" >&2
  die "备库已启动但未开始流复制（日志 $log）"
}

status() {
  if ! running; then
    echo "stopped"
    return 1
  fi
  replica_sql "SELECT 'in recovery: ' || pg_is_in_recovery()
    || ', receiver: ' || COALESCE((SELECT status FROM pg_stat_wal_receiver), 'none')
    || ', replay paused: ' || pg_is_wal_replay_paused()
    || ', last replayed transaction ' || COALESCE(round(EXTRACT(EPOCH FROM clock_timestamp()
       - pg_last_xact_replay_timestamp()))::text || ' s ago', 'none')"
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) die "usage: $0 start|status|stop [DIR]" ;;
esac
