#!/usr/bin/env bash
# Prints the path of a Python 3.13 interpreter: python3.13 on PATH, else the newest pyenv 3.13.
set -euo pipefail
if command -v python3.13 >/dev/null 2>&1 && python3.13 -c 'import sys; assert sys.version_info[:2] == (3, 13)' 2>/dev/null; then
  command -v python3.13; exit 0
fi
for candidate in $(ls -d "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.13*/bin/python3.13 2>/dev/null | sort -V -r); do
  if "$candidate" -c 'import venv' 2>/dev/null; then echo "$candidate"; exit 0; fi
done
echo "error: Python 3.13 not found. Install it (e.g. 'pyenv install 3.13') or put python3.13 on PATH." >&2
exit 1
