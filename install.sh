#!/bin/sh
# Install the wizard from this clone into its own venv ($LLM_WIZARD_HOME, default ~/.llm-wizard),
# then start it. Before anything is created it checks what a fresh machine often lacks (Python
# 3.10+, venv/ensurepip) and names the package to install. PYTHON picks the interpreter.
set -eu
PY=${PYTHON:-python3}
DEST=${LLM_WIZARD_HOME:-$HOME/.llm-wizard}
cd "$(dirname "$0")"

if ! command -v "$PY" >/dev/null 2>&1; then
  echo "install.sh: $PY not found. Install Python 3.10 or newer (Debian/Ubuntu: sudo apt install python3 python3-venv)." >&2
  exit 2
fi
version=$("$PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
if ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 10))'; then
  echo "install.sh: the wizard needs Python 3.10 or newer; $PY is $version. Set PYTHON=/path/to/python3.12 (for example)." >&2
  exit 2
fi
if ! "$PY" -c 'import venv, ensurepip' >/dev/null 2>&1; then
  echo "install.sh: $PY ($version) cannot create virtual environments: venv/ensurepip is missing." >&2
  echo "  Install python$version-venv (Debian/Ubuntu: sudo apt install python$version-venv), then run this again." >&2
  exit 2
fi
"$PY" -m venv "$DEST"
"$DEST/bin/python" -m pip install -q --disable-pip-version-check .
echo "Installed $DEST/bin/llm-wizard (run it again any time; add $DEST/bin to PATH to type just llm-wizard)."
exec "$DEST/bin/llm-wizard" "$@"
