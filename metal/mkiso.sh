#!/bin/sh
# mkiso.sh: puts the metal kernel on a GRUB ISO that boots it by multiboot2, for BIOS
# (El Torito) and UEFI (an EFI system image) alike.  Usage:
#   metal/mkiso.sh KERNEL.elf OUT.iso [CMDLINE [BUNDLE.car]]
# CMDLINE reaches the kernel in the multiboot2 command line tag (metal/mb2.c); the boot
# tests use it to pick a boot test.  BUNDLE.car, a boot bundle (`wasmos pack`), goes
# in as a module2, which replaces the bundle in the kernel image (metal/bundle.c).  GRUB boots at once (timeout 0) and talks on COM1
# as well as the screen, so a failure to load shows up in a serial log.
# grub-mkrescue needs xorriso and mtools (without mtools it writes no ISO yet exits 0,
# hence the check at the end), grub-pc-bin for BIOS and grub-efi-amd64-bin for UEFI.
set -eu

elf=$1
out=$2
cmdline=${3:-}
bundle=${4:-}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

mkdir -p "$dir/boot/grub"
cp "$elf" "$dir/boot/wasmos.elf"
module=
if [ -n "$bundle" ]; then
	cp "$bundle" "$dir/boot/bundle.car"
	module="module2 /boot/bundle.car"
fi
# all_video: under OVMF GRUB gives no framebuffer at all without it.
cat > "$dir/boot/grub/grub.cfg" <<CFG
serial --unit=0 --speed=115200
terminal_input serial console
terminal_output serial console
set timeout=0
set default=0
insmod all_video
menuentry "wasmos" {
	multiboot2 /boot/wasmos.elf $cmdline
	$module
	boot
}
CFG

# Only the modules the config uses: the image shrinks from 20 MB to about 4 MB,
# which also makes OVMF boot faster.
rm -f "$out"
grub-mkrescue --compress=xz --locales= --fonts= --themes= \
	--install-modules="multiboot2 normal all_video part_msdos iso9660 configfile serial terminal" \
	-o "$out" "$dir" >/dev/null 2>&1 || { grub-mkrescue -o "$out" "$dir"; exit 1; }
[ -s "$out" ] || { echo "mkiso: grub-mkrescue wrote no $out (is mtools installed?)" >&2; exit 1; }
