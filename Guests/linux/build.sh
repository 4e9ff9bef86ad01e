#!/usr/bin/env bash
# Builds Isola's default Linux guest from Debian's packages only:
#   - the kernel from linux-source-6.1 with kernel.config merged onto tinyconfig,
#   - BusyBox from Debian's busybox source package, static for riscv64,
#   - an initramfs with BusyBox init, inittab and rcS (this folder),
#   - container.cpio.gz: the container init (../container-init) alone, for isola-runtime.
# Results go to $ISOLA_CACHE/images/default-<key>/ (default ~/.cache/isola),
# keyed by the inputs, and are reused when present. Prints progress.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${ISOLA_CACHE:-$HOME/.cache/isola}
jobs=$(nproc)
cross=riscv64-linux-gnu-
log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

need=(linux-source-6.1 flex bison bc libssl-dev libelf-dev cpio dpkg-dev gcc-riscv64-linux-gnu libc6-dev-riscv64-cross xz-utils)
"$here/../../scripts/install-packages.sh" "${need[@]}"

kernel_tar=$(ls /usr/src/linux-source-6.1.tar.xz)
kernel_version=$(dpkg-query -W -f='${Version}' linux-source-6.1)
key=$( (echo "$kernel_version"; cat "$here/kernel.config" "$here/rcS" "$here/inittab" "$here/smp-stress.c" "$here/../container-init/init.c" "$here/build.sh") | sha256sum | cut -c1-12)
out="$cache/images/default-$key"
if [ -f "$out/Image" ] && [ -f "$out/initramfs.cpio.gz" ] && [ -f "$out/container.cpio.gz" ]; then
    log "up to date: $out"
    echo "$out"
    exit 0
fi
work="$cache/work"
mkdir -p "$work" "$out.tmp"

# --- kernel ---
src="$work/linux-source-6.1"
if [ ! -f "$src/Makefile" ]; then
    log "unpacking linux-source-6.1 ($kernel_version)"
    tar -C "$work" -xf "$kernel_tar"
fi
log "configuring the kernel"
make -s -C "$src" ARCH=riscv CROSS_COMPILE=$cross O="$work/kbuild" tinyconfig >/dev/null
"$src/scripts/kconfig/merge_config.sh" -m -O "$work/kbuild" "$work/kbuild/.config" "$here/kernel.config" >/dev/null
make -s -C "$src" ARCH=riscv CROSS_COMPILE=$cross O="$work/kbuild" olddefconfig >/dev/null
log "building the kernel (-j$jobs)"
make -s -C "$src" ARCH=riscv CROSS_COMPILE=$cross O="$work/kbuild" -j"$jobs" Image >/dev/null
cp "$work/kbuild/arch/riscv/boot/Image" "$out.tmp/Image"
# The kernel with its symbols, for a debugger (isola run --gdb; gdb-multiarch vmlinux).
cp "$work/kbuild/vmlinux" "$out.tmp/vmlinux"
cp "$work/kbuild/.config" "$out.tmp/kernel.config"

# --- BusyBox ---
bb=$(ls -d "$work"/busybox-*/ 2>/dev/null | head -1 || true)
if [ -z "$bb" ]; then
    log "fetching Debian's busybox source"
    list=/etc/apt/sources.list.d/isola-deb-src.sources
    if ! apt-get source --print-uris busybox >/dev/null 2>&1; then
        # deb-src for the same Debian release the machine already uses, from the mirror
        # its own apt configuration names for that release
        suite=$(. /etc/os-release && echo "$VERSION_CODENAME")
        mirror=$("$here/../../scripts/debian-mirror.sh")
        sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
        printf 'Types: deb-src\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "$mirror" "$suite" | $sudo tee "$list" >/dev/null
        $sudo apt-get update -qq
    fi
    (cd "$work" && apt-get source -qq busybox >/dev/null 2>&1)
    bb=$(ls -d "$work"/busybox-*/ | head -1)
fi
log "building BusyBox (static, riscv64)"
mkdir -p "$work/bbuild"
make -s -C "$bb" O="$work/bbuild" CROSS_COMPILE=$cross defconfig >/dev/null
sed -i -e 's/^# CONFIG_STATIC is not set/CONFIG_STATIC=y/' -e 's/^CONFIG_TC=y/# CONFIG_TC is not set/' "$work/bbuild/.config"
make -s -C "$work/bbuild" CROSS_COMPILE=$cross oldconfig </dev/null >/dev/null 2>&1 || true
make -s -C "$work/bbuild" CROSS_COMPILE=$cross -j"$jobs" busybox >/dev/null 2>&1
rm -rf "$work/rootfs"
make -s -C "$work/bbuild" CROSS_COMPILE=$cross CONFIG_PREFIX="$work/rootfs" install >/dev/null 2>&1
cp "$work/bbuild/busybox" "$out.tmp/busybox"

# --- the project's own guest programs ---
log "building smp-stress"
${cross}gcc -O2 -static -o "$work/smp-stress" "$here/smp-stress.c"

# --- initramfs (gen_init_cpio: device nodes without root) ---
log "packing the initramfs"
spec="$work/initramfs.list"
{
    echo "dir /dev 0755 0 0"
    echo "nod /dev/console 0600 0 0 c 5 1"
    echo "nod /dev/null 0666 0 0 c 1 3"
    for d in proc sys tmp root etc etc/init.d mnt; do echo "dir /$d 0755 0 0"; done
    echo "slink /init /bin/busybox 0777 0 0"
    echo "file /etc/inittab $here/inittab 0644 0 0"
    echo "file /etc/init.d/rcS $here/rcS 0755 0 0"
    (cd "$work/rootfs" && find . -mindepth 1 | sort) | while read -r f; do
        p=${f#.}
        if [ -L "$work/rootfs/$f" ]; then echo "slink $p $(readlink "$work/rootfs/$f") 0777 0 0"
        elif [ -d "$work/rootfs/$f" ]; then echo "dir $p 0755 0 0"
        else echo "file $p $work/rootfs/$f 0755 0 0"; fi
    done
    echo "file /bin/smp-stress $work/smp-stress 0755 0 0"
} > "$spec"
"$work/kbuild/usr/gen_init_cpio" "$spec" | gzip -9 > "$out.tmp/initramfs.cpio.gz"

# --- the container init's initramfs: /init and the directories it mounts on ---
log "building the container init"
${cross}gcc -O2 -static -Wall -o "$work/container-init" "$here/../container-init/init.c"
{
    echo "dir /dev 0755 0 0"
    echo "nod /dev/console 0600 0 0 c 5 1"
    for d in proc sys newroot; do echo "dir /$d 0755 0 0"; done
    echo "file /init $work/container-init 0755 0 0"
} > "$work/container.list"
"$work/kbuild/usr/gen_init_cpio" "$work/container.list" | gzip -9 > "$out.tmp/container.cpio.gz"
rm -rf "$out"
mv "$out.tmp" "$out"
# Older default images are superseded: keep the cache to one.
for old in "$cache"/images/default-*; do
    [ "$old" = "$out" ] || rm -rf "$old"
done
log "done: $out"
echo "$out"
