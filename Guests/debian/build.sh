#!/usr/bin/env bash
# Builds a Debian trixie riscv64 disk image from Debian's packages only, into
# $ISOLA_CACHE/images/debian-<key>/ (default ~/.cache/isola), keyed by the inputs and
# reused when present:
#   disk.qcow2   an MBR disk with one bootable ext4 partition: systemd, Debian's kernel
#                and an initramfs with its virtio modules, apt, a serial login on ttyS0,
#                the user isola (password isola, in sudo; root's password is isola too),
#                /boot/extlinux/extlinux.conf for U-Boot's distro boot
#   vmlinuz, initrd.img   the same kernel and initramfs, for `isola run --kernel`
#
# How: apt on this host, pointed at trixie for riscv64 on the mirror this machine's own
# apt configuration names (scripts/debian-apt.sh), resolves and downloads the packages; they are unpacked under
# fakeroot into a file system image (no privileges, no binfmt_misc needed); then the
# image boots once in Isola, under Isola's own kernel, where dpkg configures them (their
# maintainer scripts are riscv64 code) and firstboot.sh sets the system up. Needs the
# release build of isola (make build) and the default image (make images).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${ISOLA_CACHE:-$HOME/.cache/isola}
isola=${ISOLA:-$repo/.build/release/isola}
suite=trixie
size=${DEBIAN_IMAGE_SIZE:-4G}
log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

need=(fakeroot fdisk e2fsprogs qemu-utils debian-archive-keyring binutils)
"$repo/scripts/install-packages.sh" "${need[@]}"
[ -x "$isola" ] || { echo "build.sh: $isola is missing: run make build first" >&2; exit 1; }
# The first boot runs under Isola's own kernel (virtio-blk and ext4 built in), with no initramfs.
isola_kernel="$("$repo/Guests/linux/build.sh")/Image"

key=$(cat "$here/build.sh" "$here/firstboot.sh" "$here/packages" "$repo/scripts/debian-apt.sh" | sha256sum | cut -c1-12)
out="$cache/images/debian-$key"
if [ -f "$out/disk.qcow2" ] && [ -f "$out/vmlinuz" ] && [ -f "$out/initrd.img" ]; then
    log "up to date: $out"
    echo "$out"
    exit 0
fi
work="$cache/work/debian"
# apt's lists and downloads stay between builds; what a build makes does not.
rm -rf "$work/root" "$work/disk.img" "$work/partition.img" "$out.tmp"
mkdir -p "$work" "$out.tmp"
mirror=$("$repo/scripts/debian-mirror.sh")

# --- resolve and download with apt, in a private apt root for riscv64 ---
apt_root="$work/apt"
apt_run() { "$repo/scripts/debian-apt.sh" "$apt_root" riscv64 "$suite" "$@"; }
log "reading Debian $suite (riscv64) from $mirror"
# The required set, as debootstrap takes it: every package of Priority required.
required=$(apt_run indextargets --format '$(FILENAME)' 'Identifier: Packages' \
    | xargs /usr/lib/apt/apt-helper cat-file | awk '/^Package:/ { p = $2 } /^Priority: required/ { print p }' | sort -u)
wanted=$(grep -v '^#' "$here/packages")
log "downloading $(echo $required $wanted | wc -w) packages and their dependencies"
# Only this build's packages may be unpacked: no older version left from another build.
rm -f "$apt_root"/var/cache/apt/archives/*.deb
apt_run -qq -y --download-only install $required $wanted >/dev/null
debs=("$apt_root"/var/cache/apt/archives/*.deb)
log "downloaded ${#debs[@]} packages ($(du -sh "$apt_root/var/cache/apt/archives" | cut -f1))"

# --- unpack under fakeroot and make the file system (the partition, on its own) ---
root="$work/root"
raw="$work/disk.img"
part="$work/partition.img"
log "unpacking into a $size ext4 image"
truncate -s "$size" "$raw"
echo 'start=2048, type=83, bootable' | sfdisk -q "$raw"
part_bytes=$(( $(sfdisk -l -o Sectors "$raw" | tail -1 | tr -d ' ') * 512 ))
printf '%s\n' "$mirror" >"$work/mirror"
fakeroot -- bash -euo pipefail -c '
    root=$1; part=$2; bytes=$3; here=$4; work=$5; shift 5
    mkdir -p "$root"/usr/bin "$root"/usr/sbin "$root"/usr/lib "$root"/var/cache/isola-debs "$root"/proc "$root"/sys "$root"/dev "$root"/run "$root"/tmp
    # merged /usr, as debootstrap makes it
    ln -s usr/bin "$root/bin"; ln -s usr/sbin "$root/sbin"; ln -s usr/lib "$root/lib"
    chmod 1777 "$root/tmp"
    # Each package goes in twice: unpacked (so the first boot has a system to run), and
    # as a .deb for dpkg to install properly, its data uncompressed: decompressing in
    # the guest, emulated, would be most of the first boot.
    scratch=$(mktemp -d)
    for deb in "$@"; do
        dpkg-deb --fsys-tarfile "$deb" >"$scratch/data.tar"
        tar -x --keep-directory-symlink -f "$scratch/data.tar" -C "$root"
        (cd "$scratch" && ar x "$deb" debian-binary && ar x "$deb" $(ar t "$deb" | grep "^control\.tar") \
            && ar rc "$root/var/cache/isola-debs/$(basename "$deb")" debian-binary control.tar* data.tar \
            && rm -f debian-binary control.tar* data.tar)
    done
    rm -rf "$scratch"
    # firstboot.sh as init, and the mirror for apt'"'"'s sources
    install -m 0755 "$here/firstboot.sh" "$root/isola-firstboot"
    install -m 0644 "$work/mirror" "$root/isola-mirror"
    truncate -s "$bytes" "$part"
    mke2fs -q -t ext4 -L debian -d "$root" "$part"
' _ "$root" "$part" "$part_bytes" "$here" "$work" "${debs[@]}"
rm -rf "$root"

# --- the first boot, in Isola ---
log "first boot in Isola: dpkg configures the packages (several minutes)"
# The partition alone is the disk here (/dev/vda): Isola's kernel has no initramfs to
# find a partition by label. A panic reboots, and --no-reboot ends the run.
"$isola" run --no-reboot --kernel "$isola_kernel" --memory 1G --cpus 2 --disk "$part" --console "file:$work/firstboot.log" \
    --append "console=ttyS0 root=/dev/vda rw panic=-1 init=/isola-firstboot" || {
    tail -40 "$work/firstboot.log" >&2
    echo "build.sh: the first boot failed (log: $work/firstboot.log)" >&2
    exit 1
}
grep -q "firstboot: done" "$work/firstboot.log" || { tail -40 "$work/firstboot.log" >&2; echo "build.sh: the first boot did not finish" >&2; exit 1; }
# The guest powers off with its root still mounted (init's own script is open on it, so
# it cannot go read-only): e2fsck replays the journal here, once, rather than every
# boot of the image doing it, and checks what the first boot left.
status=0; e2fsck -fy "$part" >"$work/e2fsck.log" 2>&1 || status=$?
[ "$status" -le 1 ] || { cat "$work/e2fsck.log" >&2; echo "build.sh: e2fsck found errors it could not fix ($status)" >&2; exit 1; }

# --- the kernel and initramfs beside the disk, then qcow2 ---
kernel=$(debugfs -R "ls -p /boot" "$part" 2>/dev/null | awk -F/ '$6 ~ /^vmlinu[xz]-/ { print $6 }' | sort -V | tail -1)
debugfs -R "dump -p /boot/$kernel $out.tmp/vmlinuz" "$part" >/dev/null 2>&1
debugfs -R "dump -p /boot/initrd.img-${kernel#vmlinu?-} $out.tmp/initrd.img" "$part" >/dev/null 2>&1
[ -s "$out.tmp/vmlinuz" ] && [ -s "$out.tmp/initrd.img" ] || { echo "build.sh: no kernel or initramfs in /boot" >&2; exit 1; }
log "converting to qcow2"
dd if="$part" of="$raw" bs=1M seek=1 conv=notrunc,sparse status=none
qemu-img convert -O qcow2 "$raw" "$out.tmp/disk.qcow2"
rm -f "$raw" "$part"
rm -rf "$out"
mv "$out.tmp" "$out"
log "built: $out"
echo "$out"
