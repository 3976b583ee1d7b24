# Puts the project's virtual environment (made by scripts/install-deps.sh where the system Python
# refuses pip installs) first on PATH, so python3, aws and moto_server are the ones it installed.
_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
if [ -x "$_root/.venv/bin/python3" ]; then
  case ":$PATH:" in
    *":$_root/.venv/bin:"*) ;;
    *) export PATH="$_root/.venv/bin:$PATH" ;;
  esac
fi
unset _root
