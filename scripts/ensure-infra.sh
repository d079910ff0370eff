#!/usr/bin/env bash
# Start the local RabbitMQ, PostgreSQL and Redis if they are installed here but not running.
# Used by `make run`, `make test` and .ci/run on machines without a Docker engine.
set -euo pipefail

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && exec 3>&- ; }

# The login roles the services run as (mentorweb_<service>_app): they own nothing and are held to
# row-level security; migrations (run as the owner, here postgres) grant them rows. `mentorweb
# migrate` creates them too when missing; this also covers a database migrated elsewhere.
ensure_runtime_roles() {
  command -v psql >/dev/null 2>&1 || return 0
  local service role
  for service in registration matching notifications grants evaluation console; do
    role="mentorweb_${service}_app"
    psql -h 127.0.0.1 -U "${PGUSER:-postgres}" -d postgres -v ON_ERROR_STOP=1 -qAt -c \
      "SELECT 1 FROM pg_roles WHERE rolname = '${role}'" | grep -q 1 && continue
    psql -h 127.0.0.1 -U "${PGUSER:-postgres}" -d postgres -v ON_ERROR_STOP=1 -q -c \
      "CREATE ROLE ${role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOREPLICATION" \
      >/dev/null 2>&1 || true  # created meanwhile by a migration, or no right to: migrate says so
  done
}

if ! port_open 5432; then
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    echo "starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start
  else
    echo "PostgreSQL is not reachable on 127.0.0.1:5432 and not installed locally" >&2; exit 1
  fi
fi
if ! port_open 5672; then
  if command -v rabbitmq-server >/dev/null 2>&1; then
    echo "starting RabbitMQ"
    rabbitmq-server -detached
  else
    echo "RabbitMQ is not reachable on 127.0.0.1:5672 and not installed locally" >&2; exit 1
  fi
fi
# Redis holds the rate-limit counters every replica shares (shared/ratelimit.py).
if ! port_open 6379; then
  if ! command -v redis-server >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
    echo "installing Debian's redis-server"
    SUDO=""; if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq -o DPkg::Lock::Timeout=600 redis-server >/dev/null
  fi
  if command -v redis-server >/dev/null 2>&1; then
    echo "starting Redis"
    redis-server --bind 127.0.0.1 --port 6379 --daemonize yes --save "" --appendonly no
  else
    echo "Redis is not reachable on 127.0.0.1:6379 and not installed locally (apt-get install redis-server)" >&2; exit 1
  fi
fi
for i in $(seq 1 90); do
  if port_open 5432 && port_open 5672 && port_open 6379; then
    # RabbitMQ accepts TCP a little before it is ready for AMQP clients.
    if command -v rabbitmqctl >/dev/null 2>&1; then rabbitmqctl await_startup >/dev/null 2>&1 || true; fi
    ensure_runtime_roles
    exit 0
  fi
  sleep 1
done
echo "RabbitMQ/PostgreSQL/Redis did not come up within 90 s" >&2
exit 1
