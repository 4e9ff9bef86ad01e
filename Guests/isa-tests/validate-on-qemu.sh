#!/usr/bin/env bash
# Runs the ISA tests on qemu-system-riscv64 as a reference, to check the tests
# themselves. Checks where the specification allows both behaviours and QEMU
# picks the other one are marked in the sources; QEMU_VALIDATION drops the
# few that QEMU cannot run (it reads unassigned memory instead of faulting, and
# QEMU 7.2 has no Zicbom or Zicboz).
set -u
here=$(cd "$(dirname "$0")" && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$here/build.sh" "$out" >/dev/null
. "$here/common/march.sh"
status=0
for src in "$here"/*.S; do
    name=$(basename "$src" .S)
    riscv64-linux-gnu-gcc -march=$MARCH -mabi=lp64d -nostdlib -nostartfiles -static -fno-pic -no-pie -mcmodel=medany \
        -Wl,--no-relax,--build-id=none -DQEMU_VALIDATION -I"$here" -I"$out" -T "$here/common/link.ld" \
        -o "$out/$name.qemu.elf" "$src"
    machine=virt
    # HTIF lives on QEMU's spike machine, not on virt.
    grep -q tohost "$src" && machine=spike
    smp=1
    case $name in smp-*) smp=4 ;; esac
    timeout 60 qemu-system-riscv64 -M $machine -smp $smp -cpu rv64,zba=true,zbb=true,zbs=true,Zfhmin=true,Zihintpause=true,sstc=true,svinval=true,svpbmt=true -nographic \
        -bios "$out/$name.qemu.elf" </dev/null >"$out/$name.log" 2>&1
    rc=$?
    echo "$name: $rc"
    [ $rc -eq 0 ] || status=1
done
exit $status
