#!/usr/bin/env bash
# Unpacks the web console's terminal emulator, xterm.js from Debian's libjs-xterm,
# into $ISOLA_CACHE/web/xterm (once): `isola serve --web` serves it from there, so
# the page needs no network. Bookworm's package holds only a CommonJS stub of 288
# bytes, so this takes trixie's (a browser build), through the mirror the machine's
# own apt configuration names (scripts/debian-apt.sh); a host whose
# /usr/share/javascript/xterm already is a browser build is served that as well.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${ISOLA_CACHE:-$HOME/.cache/isola}
out="$cache/web/xterm"
[ -s "$out/xterm.js" ] && [ -s "$out/xterm.css" ] && exit 0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && "$here/debian-apt.sh" "$cache/apt/trixie-all" amd64 trixie download libjs-xterm >/dev/null)
dpkg-deb -x "$work"/libjs-xterm_*.deb "$work/root"
mkdir -p "$out.tmp"
cp "$work/root/usr/share/javascript/xterm/xterm.js" "$work/root/usr/share/javascript/xterm/xterm.css" "$out.tmp/"
cp "$work/root/usr/share/doc/libjs-xterm/copyright" "$out.tmp/copyright"
rm -rf "$out"
mv "$out.tmp" "$out"
echo "web-assets: xterm.js $(dpkg-deb -f "$work"/libjs-xterm_*.deb Version) in $out" >&2
