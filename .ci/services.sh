#!/usr/bin/env bash
# Make sure PostgreSQL and Redis answer on 127.0.0.1; start them if installed but stopped.
# Used by `make test` (and so by CI) and `make run`. Exits non-zero only for PostgreSQL,
# which the tests cannot do without; `make run` copes without Redis.
set -u
need_pg=${NEED_POSTGRES:-1}

if command -v pg_isready >/dev/null 2>&1 && ! pg_isready -q -h 127.0.0.1 -p 5432; then
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    echo "Starting PostgreSQL…"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start || true
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
  fi
fi
if [ "$need_pg" = 1 ] && ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  echo "PostgreSQL is not answering on 127.0.0.1:5432 and could not be started." >&2
  exit 1
fi

if ! (command -v redis-cli >/dev/null 2>&1 && redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1); then
  if command -v redis-server >/dev/null 2>&1; then
    echo "Starting Redis…"
    mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
      --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
    for _ in $(seq 1 20); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.5; done
  fi
fi
if redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  echo "PostgreSQL and Redis are up."
else
  echo "Redis is not answering on 127.0.0.1:6379." >&2
  [ "$need_pg" = 1 ] && exit 1
fi
exit 0
