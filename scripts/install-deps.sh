#!/usr/bin/env bash
# Installs what building, the demo and the tests need on a Debian machine: system packages from apt,
# Python tools from PyPI. Safe to run again: it installs only what is missing.
#
# The Python tools go into the python3 on PATH when it can take them, otherwise into a virtual
# environment in .venv (Debian's own Python refuses pip installs); scripts/lib/python-env.sh puts
# whichever was used first on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_packages=(
  pkg-config libsecret-1-dev libglib2.0-dev libcurl4-openssl-dev libcurl4 libsystemd-dev libssl-dev
  gnome-keyring libsecret-tools dbus dbus-bin
  python3 python3-venv procps util-linux time strace valgrind
  libmd-dev dpkg-dev lintian binutils gcc g++ gzip man-db openssl
  zsh fish
  python3-gi keepassxc libkf5wallet-bin libqca-qt5-2-plugins xvfb xdotool
)
# Exact versions, from one file (see its first lines for why).
pip_packages=(-r scripts/requirements-test.txt)

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

source scripts/lib/python-env.sh

has_python_tools() {
  "$1" - <<'PY' 2>/dev/null
import importlib.metadata, importlib.util, os, re, shutil, sys
mods = ["moto", "flask", "flask_cors", "boto3", "botocore", "pytest", "pexpect", "awscli", "jeepney"]
bindir = os.path.dirname(sys.executable)
tools = all(shutil.which(t) or os.path.exists(os.path.join(bindir, t)) for t in ("moto_server", "aws"))
pinned = re.findall(r"^([A-Za-z0-9_.-]+)(?:\[[^]]*\])?==(\S+)", open("scripts/requirements-test.txt").read(), re.M)
versions = all(importlib.metadata.version(name) == version for name, version in pinned)
sys.exit(0 if tools and versions and all(importlib.util.find_spec(m) for m in mods) else 1)
PY
}

if ! has_python_tools python3; then
  if python3 -m pip --version >/dev/null 2>&1 \
    && ! ls "$(python3 -c 'import sysconfig; print(sysconfig.get_path("stdlib"))')"/EXTERNALLY-MANAGED >/dev/null 2>&1; then
    echo "install-deps: pip install -r scripts/requirements-test.txt" >&2
    python3 -m pip install --quiet --disable-pip-version-check "${pip_packages[@]}"
    command -v pyenv >/dev/null 2>&1 && pyenv rehash || true
  else
    echo "install-deps: pip install -r scripts/requirements-test.txt into .venv" >&2
    [ -x .venv/bin/python3 ] || python3 -m venv .venv
    .venv/bin/python3 -m pip install --quiet --disable-pip-version-check "${pip_packages[@]}"
    source scripts/lib/python-env.sh
  fi
  has_python_tools python3 || { echo "install-deps: the Python test tools are still missing" >&2; exit 1; }
fi
