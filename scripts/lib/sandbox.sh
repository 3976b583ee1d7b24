# Shell functions that build a private world for the demo, the tests and the benchmark: a temporary
# HOME, a D-Bus session bus of its own, an unlocked gnome-keyring-daemon on it, and optionally moto as a
# local STS/IAM. Nothing touches the real user's keyring, ~/.aws or environment. Source this file, call
# sandbox_start, and sandbox_stop runs on exit.

sandbox_pids=()

sandbox_stop() {
  local pid
  for pid in "${sandbox_pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${sandbox_pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  sandbox_pids=()
  [ -n "${SANDBOX_DIR:-}" ] && rm -rf "$SANDBOX_DIR"
}

# Starts the bus and the keyring and exports HOME, XDG_*, DBUS_SESSION_BUS_ADDRESS, AWS_CONFIG_FILE and
# AWS_SHARED_CREDENTIALS_FILE pointing into the sandbox.
sandbox_start() {
  SANDBOX_DIR=$(mktemp -d "${TMPDIR:-/tmp}/awskeyring-sandbox.XXXXXX")
  trap sandbox_stop EXIT
  export HOME="$SANDBOX_DIR/home"
  export XDG_RUNTIME_DIR="$SANDBOX_DIR/run"
  export XDG_DATA_HOME="$HOME/.local/share" XDG_CONFIG_HOME="$HOME/.config" XDG_CACHE_HOME="$HOME/.cache"
  mkdir -p "$HOME/.aws" "$XDG_DATA_HOME" "$XDG_CONFIG_HOME"
  mkdir -m 700 -p "$XDG_RUNTIME_DIR"
  export AWS_CONFIG_FILE="$HOME/.aws/config" AWS_SHARED_CREDENTIALS_FILE="$HOME/.aws/credentials"
  unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN \
    AWS_ENDPOINT_URL AWS_ENDPOINT_URL_STS DISPLAY

  export DBUS_SESSION_BUS_ADDRESS="unix:path=$XDG_RUNTIME_DIR/bus"
  dbus-daemon --session --nofork --nopidfile --address="$DBUS_SESSION_BUS_ADDRESS" 2>/dev/null &
  sandbox_pids+=($!)
  sandbox_wait_for "the D-Bus session bus" dbus-send --session --print-reply --dest=org.freedesktop.DBus \
    /org/freedesktop/DBus org.freedesktop.DBus.GetId

  # The keyring's password is fixed: this keyring lives only as long as the sandbox.
  printf 'sandbox' | gnome-keyring-daemon --foreground --unlock --components=secrets \
    --control-directory="$XDG_RUNTIME_DIR/keyring" >/dev/null 2>&1 &
  sandbox_pids+=($!)
  sandbox_wait_for "gnome-keyring-daemon" sandbox_has_secret_service
}

sandbox_has_secret_service() {
  dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q 'boolean true'
}

# Starts moto_server on a free loopback port with SigV4 signature checks after the first $1 requests.
# Exports MOTO_ENDPOINT.
sandbox_start_moto() {
  local unsigned_requests=$1 port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  INITIAL_NO_AUTH_ACTION_COUNT=$unsigned_requests moto_server -H 127.0.0.1 -p "$port" \
    >"$SANDBOX_DIR/moto.log" 2>&1 &
  sandbox_pids+=($!)
  export MOTO_ENDPOINT="http://127.0.0.1:$port"
  sandbox_wait_for "moto_server" python3 -c "import urllib.request; urllib.request.urlopen('$MOTO_ENDPOINT/moto-api/')"
}

# Retries a command for up to 20 seconds.
sandbox_wait_for() {
  local what=$1 i
  shift
  for i in $(seq 1 200); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "sandbox: $what did not start" >&2
  return 1
}
