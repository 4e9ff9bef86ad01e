#!/usr/bin/env bash
# Prints the Debian mirror this machine's apt configuration uses for its own release
# (the URIs of the source whose Suites name it). Other suites and architectures come
# from the same mirror; no host name is written anywhere in the repository.
set -euo pipefail
suite=$(. /etc/os-release && echo "$VERSION_CODENAME")
mirror=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk -v suite="$suite" '
    /^URIs:/ { uri = $2 }
    /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == suite) { print uri; exit } }')
[ -n "$mirror" ] || mirror=$(awk -v suite="$suite" '$1 == "deb" && $3 == suite { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true)
[ -n "$mirror" ] || { echo "debian-mirror.sh: no apt source for Debian $suite in /etc/apt" >&2; exit 1; }
echo "$mirror"
