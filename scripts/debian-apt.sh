#!/usr/bin/env bash
# Runs apt-get for Debian SUITE and architecture ARCH in a private apt root DIR, made on
# first use, with packages from the mirror this machine's own apt configuration names
# (scripts/debian-mirror.sh); the host's own apt state is not touched and no privilege
# is needed. The lists are read again when missing or a day old.
#   scripts/debian-apt.sh DIR ARCH SUITE APT-GET-ARGUMENTS...
set -euo pipefail
[ $# -ge 4 ] || { echo "usage: debian-apt.sh DIR ARCH SUITE APT-GET-ARGUMENTS..." >&2; exit 2; }
root=$1 arch=$2 suite=$3
shift 3
mkdir -p "$root/etc/apt/sources.list.d" "$root/etc/apt/apt.conf.d" "$root/etc/apt/preferences.d" \
    "$root/var/lib/apt/lists/partial" "$root/var/cache/apt/archives/partial" "$root/var/lib/dpkg"
touch "$root/var/lib/dpkg/status"
sources="$root/etc/apt/sources.list.d/debian.sources"
if [ ! -s "$sources" ]; then
    mirror=$("$(dirname "$0")/debian-mirror.sh")
    printf 'Types: deb\nURIs: %s\nSuites: %s %s-updates\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
        "$mirror" "$suite" "$suite" >"$sources"
fi
options=(-o "Dir=$root" -o "Dir::State::status=$root/var/lib/dpkg/status" -o "APT::Architecture=$arch"
         -o "APT::Architectures=$arch" -o APT::Install-Recommends=false -o Debug::NoLocking=true
         -o Dir::Etc::TrustedParts=/etc/apt/trusted.gpg.d -o APT::Sandbox::User=root)
if [ -z "$(find "$root/var/lib/apt/lists" -maxdepth 1 -name '*_Packages' -mmin -1440 2>/dev/null | head -1)" ]; then
    apt-get "${options[@]}" -qq update
fi
exec apt-get "${options[@]}" "$@"
