#!/usr/bin/env bash
# Unpacks Debian trixie riscv64 programs and their libraries (the list in ./packages)
# into a sysroot for `isola exec --sysroot` and `qemu-riscv64 -L`:
# $ISOLA_CACHE/sysroots/trixie-riscv64-<key>/ (default ~/.cache/isola), keyed by the
# inputs, reused when present; prints its path. Packages are only unpacked (no
# maintainer scripts run): what the tests need of them is their files.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${ISOLA_CACHE:-$HOME/.cache/isola}
log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
"$repo/scripts/install-packages.sh" debian-archive-keyring
key=$(cat "$here/build.sh" "$here/packages" "$repo/scripts/debian-apt.sh" | sha256sum | cut -c1-12)
out="$cache/sysroots/trixie-riscv64-$key"
if [ -x "$out/usr/bin/python3.13" ]; then
    log "up to date: $out"
    echo "$out"
    exit 0
fi
apt_root="$cache/work/sysroot/apt"
log "downloading Debian trixie riscv64 packages"
rm -f "$apt_root"/var/cache/apt/archives/*.deb  # only this build's packages
"$repo/scripts/debian-apt.sh" "$apt_root" riscv64 trixie -qq -y --download-only install $(grep -v '^#' "$here/packages") >/dev/null
rm -rf "$out.tmp"
mkdir -p "$out.tmp"
# merged /usr, as Debian lays it out
mkdir -p "$out.tmp/usr/bin" "$out.tmp/usr/lib" "$out.tmp/usr/sbin"
ln -s usr/bin "$out.tmp/bin"; ln -s usr/lib "$out.tmp/lib"; ln -s usr/sbin "$out.tmp/sbin"
for deb in "$apt_root"/var/cache/apt/archives/*.deb; do
    dpkg-deb -x "$deb" "$out.tmp"
done
# Python's bytecode, as the package's postinst would compile it (dpkg-deb -x runs no
# scripts): without it every run compiles the standard library and the tests anew.
log "compiling Python's bytecode (under qemu-riscv64)"
qemu-riscv64 -L "$out.tmp" "$out.tmp/usr/bin/python3.13" -m compileall -q -j1 "$out.tmp/usr/lib/python3.13" >/dev/null || true
rm -rf "$out"
mv "$out.tmp" "$out"
# Sysroots of earlier inputs are of no further use.
for old in "$cache"/sysroots/trixie-riscv64-*; do
    [ "$old" = "$out" ] || rm -rf "$old"
done
log "built: $out ($(du -sh "$out" | cut -f1))"
echo "$out"
