#!/usr/bin/env bash
# Create the Secrets the manifests reference, with fresh random passwords, in one namespace.
# For a province without a secrets manager (with one, create the same names and keys from it,
# e.g. with ExternalSecrets -- deploy/README.md lists them). Idempotent: an existing Secret is
# never touched (rotate deliberately: delete it, re-run, restart the pods). Prints no secret.
#
#   deploy/k8s/create-secrets.sh mentorweb-dev --dev     # also a dev HS256 JWT key
#   SMTP_PASSWORD=... S3_ACCESS_KEY_ID=... S3_SECRET_ACCESS_KEY=... \
#     deploy/k8s/create-secrets.sh mentorweb
set -euo pipefail
namespace="${1:?usage: create-secrets.sh NAMESPACE [--dev]}"
dev="${2:-}"
here="$(cd "$(dirname "$0")" && pwd)"
kubectl="${KUBECTL:-$(command -v kubectl || echo "$here/.tools/bin/kubectl")}"
umask 077
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

random() { python3 -c 'import secrets; print(secrets.token_hex(24), end="")'; }  # URL-safe

# create NAME TYPE KEY=FILE...  (values are read from files, never from the command line)
create() {
    local name="$1" type="$2"
    shift 2
    if "$kubectl" -n "$namespace" get secret "$name" >/dev/null 2>&1; then
        echo "kept    $name"
        return
    fi
    local args=()
    for pair in "$@"; do args+=("--from-file=$pair"); done
    "$kubectl" -n "$namespace" create secret generic "$name" --type="$type" "${args[@]}" \
        --dry-run=client -o yaml |
        "$kubectl" label --local -f - -o yaml app.kubernetes.io/part-of=mentorweb cnpg.io/reload=true |
        "$kubectl" -n "$namespace" apply -f - >/dev/null
    echo "created $name"
}

for service in registration matching notifications grants evaluation; do
    # PostgreSQL: CNPG sets the role's password from username/password; the service uses url.
    role="mentorweb_${service}"
    random >"$work/db-password"
    printf '%s' "$role" >"$work/db-username"
    printf 'postgresql+asyncpg://%s:%s@mentorweb-pg-rw:5432/mentorweb_%s' \
        "$role" "$(cat "$work/db-password")" "$service" >"$work/db-url"
    create "mentorweb-${service}-db" kubernetes.io/basic-auth \
        "username=$work/db-username" "password=$work/db-password" "url=$work/db-url"
    # The runtime role the pods log in as (row-level security; owns nothing).
    app_role="mentorweb_${service}_app"
    random >"$work/app-db-password"
    printf '%s' "$app_role" >"$work/app-db-username"
    printf 'postgresql+asyncpg://%s:%s@mentorweb-pg-rw:5432/mentorweb_%s' \
        "$app_role" "$(cat "$work/app-db-password")" "$service" >"$work/app-db-url"
    create "mentorweb-${service}-app-db" kubernetes.io/basic-auth \
        "username=$work/app-db-username" "password=$work/app-db-password" "url=$work/app-db-url"

    # RabbitMQ: the Messaging Topology Operator imports username/password into the User; the
    # service (RABBITMQ_URL) and KEDA (TriggerAuthentication host) use url.
    user="mentorweb-${service}"
    random >"$work/bus-password"
    printf '%s' "$user" >"$work/bus-username"
    printf 'amqp://%s:%s@mentorweb-rabbitmq:5672/' "$user" "$(cat "$work/bus-password")" >"$work/bus-url"
    create "mentorweb-${service}-bus" Opaque \
        "username=$work/bus-username" "password=$work/bus-password" "url=$work/bus-url"
done

# Unsubscribe links (notifications): their own signing key, never the JWT secret.
python3 -c 'import secrets; print(secrets.token_urlsafe(48), end="")' >"$work/link-keys"
create mentorweb-link-keys Opaque "keys=$work/link-keys"

if [ "$dev" = "--dev" ]; then
    random >"$work/jwt"
    create mentorweb-jwt Opaque "secret=$work/jwt"
fi
if [ -n "${SMTP_PASSWORD:-}" ]; then
    printf '%s' "$SMTP_PASSWORD" >"$work/smtp"
    create mentorweb-smtp Opaque "password=$work/smtp"
fi
if [ -n "${S3_ACCESS_KEY_ID:-}" ] && [ -n "${S3_SECRET_ACCESS_KEY:-}" ]; then
    printf '%s' "$S3_ACCESS_KEY_ID" >"$work/s3-id"
    printf '%s' "$S3_SECRET_ACCESS_KEY" >"$work/s3-key"
    create mentorweb-pg-backup-s3 Opaque "ACCESS_KEY_ID=$work/s3-id" "ACCESS_SECRET_KEY=$work/s3-key"
fi
