#!/usr/bin/env bash
# Runs the example on the default image (make images) and checks what it prints:
# the first VM's answer, the restored VM going on with the shell variable set
# before the snapshot, and the second VM's poweroff. make test runs it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${ISOLA_CACHE:-$HOME/.cache/isola}
image=$(ls -td "$cache"/images/default-*/ 2>/dev/null | head -1)
[ -n "$image" ] || { echo "check.sh: no default image in $cache; run 'make images'" >&2; exit 1; }
out=$(timeout 300 "$here/../../.build/examples/release/EmbedLinux" "$image/Image" "$image/initramfs.cpio.gz")
echo "$out"
for line in "first VM: 42" "second VM: saved-before-the-snapshot" "second VM ended: the guest powered off with exit code 0"; do
    grep -qxF "$line" <<<"$out" || { echo "check.sh: missing '$line'" >&2; exit 1; }
done
echo "EmbedLinux: ok"
