#!/usr/bin/env bash
# The main job, end to end on this machine: installs what is missing, builds the release binary, then in
# a private sandbox (its own HOME, D-Bus session and unlocked gnome-keyring, and moto standing in for
# AWS STS/IAM with signature checking on) stores an access key in the keyring and has the real AWS CLI
# get its credentials through credential_process. Nothing outside the sandbox is read or changed.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
source scripts/lib/python-env.sh
echo "== building (swift build -c release --disable-local-rpath)" >&2
swift build -c release --disable-local-rpath >&2
bin="$(swift build -c release --disable-local-rpath --show-bin-path)/awskeyring-helper"

source scripts/lib/sandbox.sh
sandbox_start
roles=(--role demo-admin --role demo-readonly)
sandbox_start_moto "$(python3 scripts/lib/moto_setup.py --endpoint x "${roles[@]}" --count)"
eval "$(python3 scripts/lib/moto_setup.py --endpoint "$MOTO_ENDPOINT" "${roles[@]}")"

export AWS_ENDPOINT_URL="$MOTO_ENDPOINT" AWS_DEFAULT_REGION=us-east-1
cat >"$AWS_CONFIG_FILE" <<CONFIG
[default]
region = us-east-1

# The keys live in the keyring under this name; nothing secret is in this file.
[profile demo-keys]

[profile demo]
credential_process = "$bin" --profile demo-keys

[profile demo-admin]
role_arn = $ROLE_ARN_DEMO_ADMIN
source_profile = demo-keys
role_session_name = demo

[profile admin]
credential_process = "$bin" --profile demo-admin
CONFIG

step() { printf '\n== %s\n' "$*"; }

step "store the access key in the keyring (from the environment; 'store' alone asks on the terminal)"
AWS_ACCESS_KEY_ID="$DEMO_ACCESS_KEY_ID" AWS_SECRET_ACCESS_KEY="$DEMO_SECRET_ACCESS_KEY" \
  "$bin" store --profile demo-keys --from-env
unset DEMO_SECRET_ACCESS_KEY

step "awskeyring-helper list"
"$bin" list

step "~/.aws/config (no secrets in it, and no ~/.aws/credentials at all)"
cat "$AWS_CONFIG_FILE"
test ! -e "$AWS_SHARED_CREDENTIALS_FILE"

step "awskeyring-helper explain --profile demo-admin"
"$bin" explain --profile demo-admin

step "aws sts get-caller-identity --profile demo  (long-lived keys from the keyring)"
aws sts get-caller-identity --profile demo

step "aws sts get-caller-identity --profile admin  (role assumed with the keyring's keys)"
aws sts get-caller-identity --profile admin

step "the same again: the role's credentials now come from the cache, with no STS call"
"$bin" --profile demo-admin | python3 -c 'import json, sys; d = json.load(sys.stdin); print("AccessKeyId", d["AccessKeyId"], "expires", d["Expiration"])'
aws sts get-caller-identity --profile admin --query Arn --output text

step "done: the demo's keyring, bus and STS are being shut down"
