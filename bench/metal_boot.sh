#!/usr/bin/env bash
# metal_boot.sh: how long the bare-metal kernel takes to boot, per boot path; `make
# bench` runs it after bench/run.sh.  Run from anywhere; it works from the repo root.
#
# One figure per path: the wall time from starting QEMU to the first line of program
# output on serial ("hello from wasmos", the demo system's hello), the median
# of BENCH_BOOT_RUNS boots, and beside it the time to QEMU's exit (the default boot is
# the demo system: the script types `exit` at its shell's prompt).  The paths:
#   -kernel       QEMU loads build/metal/wasmos.elf by multiboot1 (SeaBIOS)
#   GRUB SeaBIOS  build/metal/wasmos.iso from a CD, multiboot2
#   GRUB OVMF     the same ISO under UEFI firmware
#   UEFI app      build/metal/wasmos-uefi.img (our own loader, `make uefi`) under OVMF
# QEMU runs under TCG (KVM is broken on our machines), so these are emulated times:
# the firmware dominates the GRUB and UEFI paths.  It only reports: no thresholds.  A
# path whose image is missing shows "unavailable"; one that is there but does not boot
# (no marker, or an exit status other than 33) shows "failed" and makes the script
# exit nonzero.
#
# Environment:
#   BENCH_BOOT_RUNS=3     boots per path; the median is reported
#   BENCH_BOOT_TIMEOUT=120  seconds before one boot is abandoned (a hang guard)
#   OVMF=/usr/share/ovmf/OVMF.fd
set -uo pipefail
export LC_ALL=C # one decimal point for EPOCHREALTIME and printf

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1

RUNS=${BENCH_BOOT_RUNS:-3}
TIMEOUT=${BENCH_BOOT_TIMEOUT:-120}
OVMF=${OVMF:-/usr/share/ovmf/OVMF.fd}
ELF=build/metal/wasmos.elf
ISO=build/metal/wasmos.iso
UEFI_IMG=build/metal/wasmos-uefi.img
MARKER="hello from wasmos"

if ! [[ $RUNS =~ ^[1-9][0-9]*$ ]]; then
	echo "metal_boot: BENCH_BOOT_RUNS must be a positive integer, not '$RUNS'" >&2
	exit 2
fi

failures=0

median() {
	printf '%s\n' "$@" | sort -g | awk '
		{ v[NR] = $1 }
		END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# One boot with the QEMU arguments given.  Sets HELLO_S (start to the marker line)
# and EXIT_S (start to QEMU's exit), or returns 1 with ERROR set.  The clock starts
# just before the pipeline that starts QEMU; the reader stamps the marker line as it
# arrives (QEMU writes serial unbuffered).
boot_once() {
	local start result hello rc end prompt
	prompt=$(mktemp -u)
	start=$EPOCHREALTIME
	result=$(
		# The demo system runs until its shell's `exit`, typed once the prompt is there
		# (earlier bytes could reach the firmware or GRUB instead).
		{
			for _ in $(seq $((TIMEOUT * 10))); do [[ -e $prompt ]] && break; sleep 0.1; done
			printf 'exit\r'
			while [[ ! -e $prompt.done ]]; do sleep 0.1; done
		} | timeout "$TIMEOUT" qemu-system-x86_64 -accel tcg -display none -no-reboot -nic none \
			-device isa-debug-exit,iobase=0xf4,iosize=0x04 "$@" -serial stdio -monitor none \
			2>/dev/null |
			{
				t=- line=
				while IFS= read -r -N 1 c; do   # by characters: the prompt ends no line
					line+=$c
					[[ $t == - && $line == *"$MARKER"* ]] && t=$EPOCHREALTIME
					[[ $line == *"wasmos> " ]] && : >"$prompt"
					[[ $c == $'\n' ]] && line=
				done
				: >"$prompt.done"
				echo "$t"
			}
		echo "${PIPESTATUS[1]}"
	)
	rm -f "$prompt" "$prompt.done"
	end=$EPOCHREALTIME
	{ read -r hello; read -r rc; } <<<"$result"
	if [[ $rc != 33 || $hello == - ]]; then
		if [[ $rc == 124 ]]; then
			ERROR="timed out after ${TIMEOUT}s"
		elif [[ $hello == - ]]; then
			ERROR="no '$MARKER' on serial (exit status $rc)"
		else
			ERROR="exit status $rc, not 33"
		fi
		return 1
	fi
	HELLO_S=$(awk -v a="$start" -v b="$hello" 'BEGIN { printf "%.3f", b - a }')
	EXIT_S=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }')
}

row() { # path, to hello, to exit, note
	printf '%-14s %14s %14s  %s\n' "$@"
}

# path NAME NEEDS QEMU-ARGS...: boots RUNS times unless a file in NEEDS (a
# space-separated list) is missing, and prints the row.
path() {
	local name=$1 needs=$2 f hellos=() exits=()
	shift 2
	for f in $needs; do
		if [[ ! -e $f ]]; then
			row "$name" - - "unavailable ($f missing)"
			return
		fi
	done
	for ((i = 0; i < RUNS; i++)); do
		if ! boot_once "$@"; then
			row "$name" - - "failed: $ERROR"
			failures=$((failures + 1))
			return
		fi
		hellos+=("$HELLO_S")
		exits+=("$EXIT_S")
	done
	row "$name" "$(median "${hellos[@]}")" "$(median "${exits[@]}")" \
		"runs: ${hellos[*]}"
}

echo
echo "metal boot: seconds from QEMU start to '$MARKER' on serial, median of $RUNS (TCG)"
if ! command -v qemu-system-x86_64 >/dev/null; then
	echo "metal boot: unavailable (qemu-system-x86_64 not on PATH)"
	exit 0
fi
printf "%-14s %14s %14s\n" "path" "to hello s" "to exit s"
path "-kernel" "$ELF" -kernel "$ELF"
path "GRUB SeaBIOS" "$ISO" -cdrom "$ISO"
path "GRUB OVMF" "$ISO $OVMF" -bios "$OVMF" -cdrom "$ISO"
path "UEFI app" "$UEFI_IMG $OVMF" -bios "$OVMF" -drive "format=raw,file=$UEFI_IMG"
if ((failures)); then
	echo "metal boot: $failures path(s) failed to boot" >&2
	exit 1
fi
