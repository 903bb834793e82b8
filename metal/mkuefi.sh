#!/bin/sh
# mkuefi.sh: puts the UEFI loader and the metal kernel on a FAT image that UEFI
# firmware boots as removable media.  Usage:
#   metal/mkuefi.sh BOOTX64.EFI KERNEL.elf OUT.img [CMDLINE [BUNDLE.car]]
# The image is an 8 MiB FAT12 file system without a partition table ("superfloppy";
# OVMF and most PCs boot it): EFI/BOOT/BOOTX64.EFI, EFI/BOOT/WASMOS.ELF and, with a
# CMDLINE, EFI/BOOT/CMDLINE.TXT, which the loader passes to the kernel (metal/uefi).
# BUNDLE.car, a boot bundle (`wasmos pack`), goes in as EFI/BOOT/BUNDLE.CAR, which the
# loader passes as a module: it replaces the bundle in the kernel image.
set -eu

efi=$1
elf=$2
out=$3
cmdline=${4:-}
bundle=${5:-}

rm -f "$out"
dd if=/dev/zero of="$out" bs=1M count=8 status=none
mformat -i "$out" -v WASMOS ::
mmd -i "$out" ::/EFI ::/EFI/BOOT
mcopy -i "$out" "$efi" ::/EFI/BOOT/BOOTX64.EFI
mcopy -i "$out" "$elf" ::/EFI/BOOT/WASMOS.ELF
if [ -n "$cmdline" ]; then
	printf '%s\n' "$cmdline" | mcopy -i "$out" - ::/EFI/BOOT/CMDLINE.TXT
fi
if [ -n "$bundle" ]; then
	mcopy -i "$out" "$bundle" ::/EFI/BOOT/BUNDLE.CAR
fi
