#!/usr/bin/env bash
# Makes (once) the Python environment Isola's tests use: a venv with the PyPI packages
# pinned in requirements.txt, installed through pip as this machine configures it,
# under $ISOLA_CACHE/python/HASH (HASH from requirements.txt, so a change of pins makes
# a new one). Prints the environment's directory.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
requirements="$root/requirements.txt"
cache=${ISOLA_CACHE:-$HOME/.cache/isola}
env="$cache/python/$(sha256sum "$requirements" | cut -c1-12)"
if [ ! -e "$env/.complete" ]; then
    echo "python-env: installing requirements.txt into $env" >&2
    rm -rf "$env"
    mkdir -p "$(dirname "$env")"
    python3 -m venv "$env"
    "$env/bin/pip" install --quiet --disable-pip-version-check --requirement "$requirements" >&2
    touch "$env/.complete"
fi
echo "$env"
