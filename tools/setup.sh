#!/bin/sh
# setup.sh: install the Debian packages wasmos needs to build and test, only the
# missing ones.  Quiet when everything is present.  Runs as root on a fresh Debian 12
# (CI), or through sudo when there is one.  The Makefile calls it once per build tree.
set -eu

# gcc/make for the hosted build, libsodium for its network crypto; clang+lld+wasi-libc+compiler-rt for Wasm programs;
# wabt for wast2json (spec tests); libclang-rt-14-dev for clang's sanitizers;
# qemu-system-x86 boots the metal kernel (tests/metal); grub-mkrescue makes its ISO
# (metal/mkiso.sh) from grub-common, grub-pc-bin (BIOS), grub-efi-amd64-bin (UEFI),
# xorriso and mtools; ovmf is the UEFI firmware the ISO is tested under.  clang and
# lld (lld-link) also build the UEFI loader (metal/uefi), and mtools its FAT image.
PACKAGES="build-essential libsodium-dev clang lld wabt wasi-libc libclang-rt-14-dev-wasm32 libclang-rt-14-dev qemu-system-x86
	grub-common grub-pc-bin grub-efi-amd64-bin xorriso mtools ovmf"

missing=""
for p in $PACKAGES; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done

if [ -n "$missing" ]; then
	echo "setup: installing$missing" >&2
	if [ "$(id -u)" -eq 0 ]; then
		SUDO=""
	elif command -v sudo >/dev/null 2>&1; then
		SUDO="sudo"
	else
		echo "setup: not root and no sudo; install these packages:$missing" >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	$SUDO apt-get update -qq >/dev/null
	# shellcheck disable=SC2086 # the list is meant to split
	$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

# Node 20 is on every machine (Debian 12's own nodejs is 18), so it is only checked:
# the benchmarks and reference runs need it, the build and the tests do not.
if ! command -v node >/dev/null 2>&1; then
	echo "setup: warning: 'node' not found; make bench needs Node 20" >&2
fi
