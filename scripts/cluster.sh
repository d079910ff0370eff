#!/usr/bin/env bash
# Replicated infrastructure on this machine, from Debian's rabbitmq-server and postgresql packages
# (no Docker): three RabbitMQ nodes (rabbit-mw1..3@localhost) joined into one cluster, and a
# PostgreSQL primary with a streaming standby, on free ports under temporary directories
# (shared/testing/cluster.py). The machine's own broker (5672) and database (5432) are not touched.
#   scripts/cluster.sh up      start them, print RABBITMQ_URL / DATABASE_URL, tear down on Ctrl-C
#   scripts/cluster.sh test    run the cluster faults (tests/cluster; each test starts its own nodes)
set -euo pipefail
cd "$(dirname "$0")/.."
UV="$(command -v uv >/dev/null 2>&1 && echo uv || echo python3 -m uv)"
for tool in /usr/lib/rabbitmq/bin/rabbitmq-server /usr/lib/postgresql/15/bin/pg_basebackup; do
  [ -x "${RABBITMQ_BIN:-/usr/lib/rabbitmq/bin}/$(basename "$tool")" ] || [ -x "${POSTGRES_BIN:-/usr/lib/postgresql/15/bin}/$(basename "$tool")" ] \
    || { echo "missing $tool (apt-get install rabbitmq-server postgresql-15)" >&2; exit 1; }
done
case "${1:-}" in
  up) exec $UV run python -m shared.testing.cluster up ;;
  test) shift; exec $UV run pytest -m cluster tests/cluster -p no:cacheprovider --timeout 900 "$@" ;;
  *) echo "usage: $0 up|test [pytest args]" >&2; exit 2 ;;
esac
