#!/usr/bin/env bash
# Start (or stop) a real PostgreSQL and a real Chroma server on loopback for the
# integration tests, and print the variables that point the tests at them.
#   eval "$(scripts/services.sh start)"   ...   scripts/services.sh stop
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
RUN="${LEERROUTE_SERVICES_DIR:-/tmp/leerroute-services}"
PG_PORT="${PG_PORT:-55432}"
CHROMA_PORT="${CHROMA_PORT:-58000}"

start() {
  mkdir -p "$RUN"
  if ! command -v initdb >/dev/null 2>&1 && [ ! -x /usr/lib/postgresql/15/bin/initdb ]; then
    (apt-get update -qq && apt-get install -y -qq postgresql >/dev/null) >&2
  fi
  PGBIN="$(dirname "$(command -v initdb 2>/dev/null || echo /usr/lib/postgresql/15/bin/initdb)")"
  as_pg=()
  if [ "$(id -u)" = 0 ]; then as_pg=(runuser -u postgres --); chown postgres "$RUN"; fi
  if [ ! -d "$RUN/pg" ]; then
    "${as_pg[@]}" "$PGBIN/initdb" -D "$RUN/pg" -A trust -U leerroute >/dev/null
  fi
  "${as_pg[@]}" "$PGBIN/pg_ctl" -D "$RUN/pg" -o "-k $RUN -h 127.0.0.1 -p $PG_PORT" -l "$RUN/pg.log" -w start >/dev/null
  nohup "$ROOT/.venv/bin/chroma" run --path "$RUN/chroma" --host 127.0.0.1 --port "$CHROMA_PORT" >"$RUN/chroma.log" 2>&1 &
  echo $! >"$RUN/chroma.pid"
  for _ in $(seq 1 60); do
    curl -sf "http://127.0.0.1:$CHROMA_PORT/api/v2/heartbeat" >/dev/null && break
    sleep 0.5
  done
  echo "export LEERROUTE_TEST_DATABASE_URL=postgresql://leerroute@127.0.0.1:$PG_PORT/postgres"
  echo "export LEERROUTE_TEST_CHROMA_URL=http://127.0.0.1:$CHROMA_PORT"
}

stop() {
  [ -f "$RUN/chroma.pid" ] && kill "$(cat "$RUN/chroma.pid")" 2>/dev/null || true
  if [ -d "$RUN/pg" ]; then
    PGBIN="$(dirname "$(command -v pg_ctl 2>/dev/null || echo /usr/lib/postgresql/15/bin/pg_ctl)")"
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$PGBIN/pg_ctl" -D "$RUN/pg" -m fast stop >/dev/null || true
    else "$PGBIN/pg_ctl" -D "$RUN/pg" -m fast stop >/dev/null || true; fi
  fi
  rm -rf "$RUN"
}

"${1:-start}"
