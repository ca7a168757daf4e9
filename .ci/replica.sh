#!/usr/bin/env bash
# A real streaming replica of the local PostgreSQL server, for tests/replica.test.ts.
#   .ci/replica.sh setup DIR     pg_basebackup -R of 127.0.0.1:5432 into DIR, started as a hot
#                                standby on a free port; prints "PORT" on success
#   .ci/replica.sh stop DIR      stops it (the test uses this to check the fallback to the primary)
#   .ci/replica.sh start DIR     starts it again
#   .ci/replica.sh teardown DIR  stops it, removes DIR, and undoes any pg_hba.conf line setup added
# Needs root (the cluster runs as the postgres OS user), wal_level replica or logical and
# max_wal_senders > 0 on the primary; anything missing: setup exits 1 and the test is skipped.
# CI runs on the very machine the primary serves: the only change made to the primary is one
# "host replication" line for 127.0.0.1 in pg_hba.conf (and a reload) when none is there, removed
# by teardown.
set -euo pipefail
cmd=${1:?usage: replica.sh setup|start|stop|teardown DIR}
dir=${2:?usage: replica.sh setup|start|stop|teardown DIR}
PSQL=(psql -h 127.0.0.1 -p 5432 -U postgres -Atq)
major=$("${PSQL[@]}" -c 'SHOW server_version_num' | cut -c1-2)
bin=/usr/lib/postgresql/$major/bin
as_postgres() { runuser -u postgres -- "$@"; }
marker="# jj-case-api CI replica (removed by .ci/replica.sh teardown)"

case "$cmd" in
setup)
  [ "$(id -u)" = 0 ] || { echo "replica: needs root to run a second cluster as postgres" >&2; exit 1; }
  [ -x "$bin/pg_basebackup" ] || { echo "replica: no $bin/pg_basebackup" >&2; exit 1; }
  wal=$("${PSQL[@]}" -c 'SHOW wal_level')
  senders=$("${PSQL[@]}" -c 'SHOW max_wal_senders')
  if [ "$wal" = minimal ] || [ "$senders" = 0 ]; then
    echo "replica: the primary has wal_level=$wal, max_wal_senders=$senders: no streaming replication" >&2
    exit 1
  fi
  hba=$("${PSQL[@]}" -c 'SHOW hba_file')
  if ! grep -Eq '^[[:space:]]*host[[:space:]]+replication[[:space:]]+(all|postgres)[[:space:]]+127\.0\.0\.1/32' "$hba"; then
    printf '%s\nhost replication postgres 127.0.0.1/32 trust\n' "$marker" >>"$hba"
    "${PSQL[@]}" -c 'SELECT pg_reload_conf()' >/dev/null
    echo "$hba" >"$dir.hba"
  fi
  port=''
  for p in $(seq 5433 5450); do
    rc=0
    pg_isready -h 127.0.0.1 -p "$p" >/dev/null 2>&1 || rc=$?
    if [ "$rc" = 2 ]; then port=$p; break; fi # nothing answers there
  done
  [ -n "$port" ] || { echo "replica: no free port in 5433-5450" >&2; exit 1; }
  mkdir -p "$dir"
  chown postgres: "$dir"
  # A replication slot keeps the primary's WAL until the replica has it: on a busy server (other
  # suites writing) WAL was recycled before the standby could stream it. Dropped by teardown.
  slot="jj_ci_replica_$(basename "$dir" | tr -c 'a-zA-Z0-9_\n' '_')_$$"
  echo "$slot" >"$dir.slot"
  as_postgres "$bin/pg_basebackup" -h 127.0.0.1 -p 5432 -U postgres -D "$dir/data" -R -X stream -c fast -C -S "$slot"
  # Debian keeps the configuration outside the data directory: the standby gets a minimal one.
  printf "listen_addresses = '127.0.0.1'\nport = %s\nunix_socket_directories = '%s'\nhot_standby = on\nmax_connections = 100\n" \
    "$port" "$dir" | as_postgres tee "$dir/data/postgresql.conf" >/dev/null
  printf 'local all all trust\nhost all all 127.0.0.1/32 trust\n' | as_postgres tee "$dir/data/pg_hba.conf" >/dev/null
  : | as_postgres tee "$dir/data/pg_ident.conf" >/dev/null
  as_postgres "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 60 start >/dev/null
  echo "$port"
  ;;
start) as_postgres "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 60 start >/dev/null ;;
stop) as_postgres "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null ;;
teardown)
  if [ -d "$dir/data" ]; then as_postgres "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true; fi
  rm -rf "$dir"
  if [ -f "$dir.slot" ]; then
    "${PSQL[@]}" -c "SELECT pg_drop_replication_slot('$(cat "$dir.slot")') FROM pg_replication_slots WHERE slot_name = '$(cat "$dir.slot")'" >/dev/null || true
    rm -f "$dir.slot"
  fi
  if [ -f "$dir.hba" ]; then
    hba=$(cat "$dir.hba")
    # Remove exactly the two lines setup appended.
    sed -i "\|^$marker\$|,+1d" "$hba"
    "${PSQL[@]}" -c 'SELECT pg_reload_conf()' >/dev/null
    rm -f "$dir.hba"
  fi
  ;;
*) echo "unknown command $cmd" >&2; exit 2 ;;
esac
