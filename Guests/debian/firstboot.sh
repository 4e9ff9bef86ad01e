#!/bin/sh
# The Debian guest's first boot, as init (PID 1) under Isola's own kernel: dpkg unpacks
# and configures every package the host downloaded (their maintainer scripts are
# riscv64 code, so they run here, in the guest), then the system is set up to boot on
# its own (fstab, hostname, a user, apt's sources, the serial console, extlinux.conf
# for U-Boot) and the VM powers off. The host then has a bootable disk.
set -eu
export PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null || true
mount -o remount,rw /
mkdir -p /run /tmp
mount -t tmpfs tmpfs /run
mirror=$(cat /isola-mirror)
echo "firstboot: installing $(ls /var/cache/isola-debs | wc -l) packages"
# Unpacked and configured without an fsync per file (a crash here is a rebuild anyway).
# dpkg's own lines go to the console (the build's log), one per package and step.
dpkg --force-unsafe-io --force-depends --force-confnew --unpack /var/cache/isola-debs/*.deb
dpkg --force-unsafe-io --force-confnew --configure -a
rm -rf /var/cache/isola-debs
echo "firstboot: configuring the system"
echo isola-debian >/etc/hostname
printf '127.0.0.1\tlocalhost\n127.0.1.1\tisola-debian\n' >/etc/hosts
printf '/dev/vda1\t/\text4\terrors=remount-ro\t0\t1\n' >/etc/fstab
printf 'Types: deb\nURIs: %s\nSuites: trixie trixie-updates\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
    "$mirror" >/etc/apt/sources.list.d/debian.sources
rm -f /etc/apt/sources.list
useradd -m -s /bin/bash -G sudo isola
echo 'isola:isola' | chpasswd
echo 'root:isola' | chpasswd
# The real-time clock's driver is a module: read the clock once it is there.
cat >/etc/systemd/system/isola-rtc.service <<'UNIT'
[Unit]
Description=Set the system clock from the RTC
After=systemd-udev-settle.service systemd-modules-load.service
ConditionPathExists=/dev/rtc0
[Service]
Type=oneshot
ExecStart=/usr/sbin/hwclock --hctosys --utc
[Install]
WantedBy=sysinit.target
UNIT
echo rtc-goldfish >/etc/modules-load.d/isola.conf
systemctl enable isola-rtc.service >/dev/null 2>&1
# Debian names the riscv64 kernel (an Image with an EFI stub) vmlinux-VERSION.
kernel=$(ls /boot/vmlinu[xz]-* | sort -V | tail -1)
version=${kernel#/boot/vmlinu?-}
[ -f "/boot/initrd.img-$version" ] || update-initramfs -c -k "$version"
mkdir -p /boot/extlinux
cat >/boot/extlinux/extlinux.conf <<CONF
default debian
timeout 1
label debian
    menu label Debian GNU/Linux trixie ($version)
    linux $kernel
    initrd /boot/initrd.img-$version
    append root=/dev/vda1 rw console=ttyS0
CONF
rm -f /isola-firstboot /isola-mirror
echo "firstboot: done"
sync
# Give the blocks of what was deleted back, so the host's image holds only the system.
fstrim / || true
mount -o remount,ro / || true
poweroff -f -f
