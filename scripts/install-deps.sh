#!/usr/bin/env bash
# Installs what building, the demo and the tests need on a Debian machine: system packages from apt,
# Python tools from PyPI. Safe to run again: it installs only what is missing.
set -euo pipefail

apt_packages=(
  pkg-config libsecret-1-dev libglib2.0-dev libcurl4-openssl-dev
  gnome-keyring libsecret-tools dbus dbus-bin
  procps util-linux hyperfine time
)
pip_packages=("moto[server]" awscli boto3 pytest pexpect)

missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "install-deps: apt-get install ${missing[*]}" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

python=${PYTHON:-python3}
if ! "$python" - <<'PY' 2>/dev/null
import importlib.util, shutil, sys
mods = ["moto", "flask", "flask_cors", "boto3", "botocore", "pytest", "pexpect", "awscli"]
missing = [m for m in mods if importlib.util.find_spec(m) is None]
sys.exit(1 if missing or not shutil.which("moto_server") or not shutil.which("aws") else 0)
PY
then
  echo "install-deps: pip install ${pip_packages[*]}" >&2
  "$python" -m pip install --quiet --disable-pip-version-check "${pip_packages[@]}"
  command -v pyenv >/dev/null 2>&1 && pyenv rehash || true
fi
