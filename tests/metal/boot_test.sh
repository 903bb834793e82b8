#!/usr/bin/env bash
# boot_test.sh: boots the metal kernel in QEMU and checks what it says on serial and
# how it exits.  Usage:
#   tests/metal/boot_test.sh ELF [ISO]    QEMU -kernel (multiboot1); with ISO, also
#                                         GRUB from a CD under SeaBIOS (multiboot2)
#   tests/metal/boot_test.sh --uefi ISO   GRUB under OVMF only (about 4 s a boot)
#   tests/metal/boot_test.sh --uefi-app IMG   our UEFI loader (metal/uefi) under OVMF,
#                                         from the FAT image make uefi builds
# The GRUB boots bake their command line into the ISO, so the test=heap boot makes its
# own with metal/mkiso.sh; passing a test name through the multiboot2 command line
# tag is part of what it checks.
#
# A pass needs both the marker and the exit status: a triple fault under -no-reboot
# also exits QEMU, with status 0, so the status alone proves nothing.  QEMU is bounded
# by timeout because a hung guest never exits.  KVM is broken on our machines: TCG.
set -uo pipefail

uefi=0
uefi_app=0
if [ "${1:-}" = "--uefi" ]; then
	uefi=1
	shift
elif [ "${1:-}" = "--uefi-app" ]; then
	uefi_app=1
	shift
fi
elf=${1:-build/metal/wasmos.elf}
iso=${2:-}
[ "$uefi" -eq 1 ] && iso=$1
img=$1
medium=()     # how boot() starts the kernel; empty: -kernel with its command line
firmware=()   # empty: QEMU's SeaBIOS
cpu=()        # extra QEMU CPU options for one boot (the random test's -cpu max)
machine=()    # extra QEMU machine options for one boot (-M q35)
debug_exit=(-device "isa-debug-exit,iobase=0xf4,iosize=0x04")
exitdev=("${debug_exit[@]}")   # empty: the kernel powers off by ACPI instead
pass=0
fail=0
out=$(mktemp)
tmp_iso=$(mktemp --suffix=.iso)
cars=$(mktemp -d)   # the boot bundles of the bundle tests
tmp_dir=$(mktemp -d)
trap 'rm -rf "$out" "$tmp_iso" "$cars" "$tmp_dir"' EXIT

check() { # name, condition status
	if [ "$2" -eq 0 ]; then
		echo "ok   $1"
		pass=$((pass + 1))
	else
		echo "FAIL $1"
		fail=$((fail + 1))
	fi
}

# boot CMDLINE EXPECTED_STATUS MARKER...: one boot, then each marker must appear on
# serial; a marker "re:REGEX" is an extended regular expression instead of a fixed
# string.  CMDLINE may name a boot test (metal/main.c).
boot() {
	local args=$1 want=$2 how=${medium[*]:--kernel}
	shift 2
	local m=("${medium[@]}")
	[ ${#m[@]} -eq 0 ] && m=(-kernel "$elf" -append "$args")
	timeout 60 qemu-system-x86_64 "${cpu[@]}" "${machine[@]}" -accel tcg -display none \
		-no-reboot -nic none "${exitdev[@]}" "${firmware[@]}" \
		"${m[@]}" -serial "file:$out" </dev/null >/dev/null 2>&1
	local rc=$? opts="${machine[*]:+ ${machine[*]}}${firmware[*]:+ ${firmware[*]}}"
	[ ${#exitdev[@]} -eq 0 ] && opts+=", no isa-debug-exit"
	[ "$rc" -eq "$want" ]
	check "boot '$args' ($how$opts) exits with status $want (got $rc)" $?
	for m in "$@"; do
		if [ "${m#re:}" != "$m" ]; then
			grep -qE -- "${m#re:}" "$out"
		else
			grep -qF -- "$m" "$out"
		fi
		check "serial shows '$m'" $?
	done
	if [ "$fail" -ne 0 ]; then
		echo "--- serial:"
		cat "$out"
		echo "---"
	fi
}

# screen [--args CMDLINE] [--wait MARKER] [X,Y,RRGGBB...]: boots with CMDLINE (default
# "run=hello hold": the kernel stays up after hello, or after an exception report) and a QMP
# socket; then tests/metal/screen_test.c waits for MARKER (default: the exit line) on
# serial, takes a screendump and checks, cell by cell, that the console (metal/vga.c
# or metal/fb.c) drew the serial text.  The serial log is removed first, so that an
# old log cannot satisfy the wait.  With arguments X,Y,RRGGBB it checks those pixels
# instead (fbdemo's pattern).  CMDLINE is for -kernel; an ISO has its own baked in.
screen_test=$(dirname "$elf")/screen_test
screen() {
	local sock="$out.qmp" shot="$out.ppm" m=("${medium[@]}") how=${medium[*]:--kernel}
	local args="run=hello hold" marker="exited with status"
	[ "${1:-}" = --args ] && { args=$2; shift 2; }
	[ "${1:-}" = --wait ] && { marker=$2; shift 2; }
	local what="the serial text of '$args', cell by cell"
	[ $# -gt 0 ] && what="fbdemo's pattern, $# pixels"
	[ ${#m[@]} -eq 0 ] && m=(-kernel "$elf" -append "$args")
	rm -f "$sock" "$shot" "$out"
	timeout 60 qemu-system-x86_64 -accel tcg -display none -no-reboot -nic none \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 "${firmware[@]}" "${m[@]}" \
		-serial "file:$out" -qmp "unix:$sock,server=on,wait=off" </dev/null >/dev/null 2>&1 &
	local qemu=$!
	"$screen_test" "$sock" "$out" "$shot" --wait "$marker" "$@"
	check "screen shows $what ($how)" $?
	kill "$qemu" 2>/dev/null
	wait "$qemu" 2>/dev/null
	rm -f "$sock" "$shot"
}

# The test system (system/metal-test.sys), packed beside the kernel by make into
# build/metal/test.car, which replaces the embedded bundle as a module on every boot
# path.  Its programs run side by side: hello, args (arguments and environment),
# clocks, random, the kv pair (an IPC round trip), trap (the kernel's report, with a
# Wasm backtrace naming fail_here), big (a program over 1 MiB, served as a CAR of its
# UnixFS blocks), and spin, which never yields, so all the others finish only by
# preemption.  check, the essential program, waits for each to end through the
# process interface and checks its exit code and that spin still runs, then ends the
# system: status 0 and isa-debug-exit (33) only after everything has reported.
test_car=$(dirname "$img")/test.car
test_system() {
	boot "(the test system, as a module)" 33 "wasmos: bundle: 13 blocks from the module" \
		"kv-server: serving kv" "hello from wasmos" "arg 1: two words" "arg 2: x=y" "env GREETING=hi" \
		"10 passed, 0 failed" "5 passed, 0 failed" "kv-client: all ok" "before trap" \
		"re:^wasmos: pid [0-9]+ \(trap\): trap: unreachable\$" "re:^wasmos:   #0  func\[[0-9]+\] fail_here\$" \
		"arg 0: big" "arg 1: from-a-dag" \
		"syscheck: ok   trap: ended with the exit code wanted (134)" \
		"syscheck: ok   big: ended with the exit code wanted (0)" \
		"re:^syscheck: ok   spin: still runs, and has used fuel \([1-9][0-9]*\)\$" "syscheck: all ok" \
		"wasmos: system: essential program check ended (exit 0)" "wasmos: system ended with status 0"
	! grep -qE "after trap|FAIL|, [1-9][0-9]* failed" "$out"
	check "nothing failed, and nothing ran after the trap" $?
	[ "$(grep -c "^syscheck: ok  " "$out")" -eq 8 ]
	check "check made its 8 checks" $?
}

# The demo system, the default boot: hello, kv-server and kv-client, and the essential
# shell on stdin.  session types commands once the shell prompts, on COM1 (serial) or
# as keys (monitor: sendkey), each after the prompt before it; "exit" ends the shell
# and so the system, with status 0.
wait_serial() { # marker: until serial shows it, at most 30 s
	for _ in $(seq 300); do
		grep -qF -- "$1" "$out" 2>/dev/null && return
		sleep 0.1
	done
}
# What every session must show on serial: the demo's lines, unless a test sets others.
session_marks=("hello from wasmos" "kv-server: serving kv" "kv-client: all ok"
	"wasmos: system: essential program shell ended (exit 0)" "wasmos: system ended with status 0")
session() { # how (serial|monitor), then each command line (serial) or its keys (monitor)
	local how=$1 line rc
	shift
	: >"$out"
	# Serial on stdout goes straight to $out, which the writer watches; the monitor's
	# output goes elsewhere.
	local io=(-serial "file:$out" -monitor stdio) log=$out.stdout
	[ "$how" = serial ] && io=(-serial stdio -monitor none) log=$out
	{
		wait_serial "wasmos> "
		for line in "$@"; do
			local before
			before=$(grep -o "wasmos> " "$out" 2>/dev/null | wc -l)
			if [ "$how" = serial ]; then printf '%s\r' "$line"; else printf '%b' "$line"; fi
			for _ in $(seq 300); do   # the next prompt, or the end
				[ "$(grep -o "wasmos> " "$out" | wc -l)" -gt "$before" ] && break
				grep -qF "wasmos: system " "$out" && break
				sleep 0.1
			done
		done
		wait_serial "wasmos: system "
	} | timeout 60 qemu-system-x86_64 -accel tcg -display none -no-reboot -nic none \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 "${firmware[@]}" "${medium[@]}" "${io[@]}" \
		>>"$log" 2>/dev/null
	rc=$?
	rm -f "$out.stdout"
	[ "$rc" -eq 33 ]
	check "the system (${medium[*]}) with commands on $how exits with status 33 (got $rc)" $?
	for m in "${session_marks[@]}"; do
		grep -qF -- "$m" "$out"
		check "serial shows '$m'" $?
	done
}
sendkeys() { # QEMU key names: one monitor command each
	local k keys=""
	for k in "$@"; do keys+="sendkey $k\n"; done
	printf '%s' "$keys"
}

# GRUB under OVMF: the same ISO's EFI image; GRUB has left boot services and enters
# the same 32-bit stub.  -bios OVMF.fd keeps no variables between runs.
if [ "$uefi" -eq 1 ]; then
	firmware=(-bios /usr/share/ovmf/OVMF.fd)
	medium=(-cdrom "$iso")
	session serial ps exit
	if metal/mkiso.sh "$(dirname "$iso")/wasmos.elf" "$tmp_iso" "" "$test_car"; then
		medium=(-cdrom "$tmp_iso")
		test_system
	else
		check "metal/mkiso.sh builds an ISO with the test system" 1
	fi
	# Without isa-debug-exit the kernel powers off by ACPI (metal/acpi.c), with the
	# RSDP GRUB copied from the UEFI configuration table into its multiboot2 tag.
	if metal/mkiso.sh "$(dirname "$iso")/wasmos.elf" "$tmp_iso" "run=hello"; then
		medium=(-cdrom "$tmp_iso")
		exitdev=()
		boot "run=hello" 0 "wasmos: booted" "hello from wasmos" "wasmos: hello exited with status 0" \
			"wasmos: powering off by ACPI (S5, RSDP from the multiboot2 tag)"
		exitdev=("${debug_exit[@]}")
	else
		check "metal/mkiso.sh builds an ISO with run=hello" 1
	fi
	# No text mode here: GRUB passes the GOP framebuffer, and metal/fb.c draws on it.
	# The ELF is the one beside the ISO (make iso builds both in build/metal).
	if metal/mkiso.sh "$(dirname "$iso")/wasmos.elf" "$tmp_iso" "run=hello hold"; then
		medium=(-cdrom "$tmp_iso")
		screen
	else
		check "metal/mkiso.sh builds an ISO with hold" 1
	fi
	# The framebuffer interface (metal/framebuffer.c) on the same GOP framebuffer:
	# fbdemo's fills and blits, clipped at both edges, checked pixel by pixel from the
	# bottom right (negative coordinates), away from the console's lines at the top.
	if metal/mkiso.sh "$(dirname "$iso")/wasmos.elf" "$tmp_iso" "run=fbdemo hold"; then
		medium=(-cdrom "$tmp_iso")
		screen -256,-128,ff0000 -129,-1,ff0000 -128,-128,00ff00 -65,-65,00ff00 \
			-64,-128,0000ff -1,-65,0000ff -128,-64,ffffff -65,-1,ffffff \
			-64,-64,123456 -1,-1,123456 -257,-1,000000 \
			-1,-160,ffff00 -32,-145,ffff00 -33,-160,000000 -1,-161,000000 \
			0,-1,ff00ff 31,-16,ff00ff 32,-1,000000 0,-17,000000
		for m in "fbdemo: a short blit: Invalid argument" \
			"fbdemo: a blit of 2^32 pixels: Invalid argument" "fbdemo: drew the pattern"; do
			grep -qF -- "$m" "$out"
			check "serial shows '$m'" $?
		done
	else
		check "metal/mkiso.sh builds an ISO with run=fbdemo hold" 1
	fi
	# The exception report on the framebuffer console.
	if metal/mkiso.sh "$(dirname "$iso")/wasmos.elf" "$tmp_iso" "test=fault hold"; then
		medium=(-cdrom "$tmp_iso")
		screen --args "test=fault hold" --wait "wasmos: end of exception report"
	else
		check "metal/mkiso.sh builds an ISO with test=fault hold" 1
	fi
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ]
	exit
fi

# Our UEFI loader under OVMF: BOOTX64.EFI reads EFI/BOOT/WASMOS.ELF (and CMDLINE.TXT)
# from the FAT image, builds the multiboot2 info itself, leaves boot services and
# enters metal_start64.  The variants are made from the image's own two files with
# metal/mkuefi.sh.  The drive is a snapshot: nothing the firmware writes stays.
if [ "$uefi_app" -eq 1 ]; then
	firmware=(-bios /usr/share/ovmf/OVMF.fd)
	drive() { medium=(-drive "format=raw,file=$1,snapshot=on"); }
	efi=$tmp_dir/BOOTX64.EFI
	kernel=$tmp_dir/WASMOS.ELF
	variant=$tmp_dir/variant.img
	mcopy -i "$img" ::/EFI/BOOT/BOOTX64.EFI "$efi" && mcopy -i "$img" ::/EFI/BOOT/WASMOS.ELF "$kernel"
	check "the image holds EFI/BOOT/BOOTX64.EFI and EFI/BOOT/WASMOS.ELF" $?
	drive "$img"
	session serial ps exit
	grep -qF "wasmos-uefi: kernel at 0x100000..0x" "$out"
	check "serial shows 'wasmos-uefi: kernel at 0x100000..0x'" $?
	# Without isa-debug-exit the kernel powers off by ACPI, with the RSDP the loader
	# copied from the UEFI configuration table into the multiboot2 tag.
	metal/mkuefi.sh "$efi" "$kernel" "$variant" "run=hello" && drive "$variant"
	exitdev=()
	boot "run=hello" 0 "wasmos: hello exited with status 0" \
		"wasmos: powering off by ACPI (S5, RSDP from the multiboot2 tag)"
	exitdev=("${debug_exit[@]}")
	# CMDLINE.TXT reaches the kernel in the command line tag; the heap test runs the
	# frame allocator over the memory map tag converted from the EFI map.
	metal/mkuefi.sh "$efi" "$kernel" "$variant" "test=heap" && drive "$variant"
	boot "test=heap" 33 "command line 'test=heap'" "wasmos: heap ok"
	# Load options win over CMDLINE.TXT: with no BOOTX64.EFI, OVMF runs its shell, whose
	# startup.nsh starts the loader with a command line (program name first).
	cp "$img" "$variant" && mren -i "$variant" ::/EFI/BOOT/BOOTX64.EFI ::/EFI/BOOT/LOADER.EFI &&
		printf 'fs0:\\EFI\\BOOT\\LOADER.EFI test=heap\r\n' | mcopy -i "$variant" - ::/startup.nsh &&
		printf 'run=sleep\n' | mcopy -i "$variant" - ::/EFI/BOOT/CMDLINE.TXT &&
		drive "$variant"
	boot "test=heap (from the UEFI shell)" 33 \
		"command line 'fs0:\EFI\BOOT\LOADER.EFI test=heap'" "wasmos: heap ok"
	# BUNDLE.CAR goes to the kernel as a module (tag 3) and replaces the embedded
	# bundle: the test system's.
	metal/mkuefi.sh "$efi" "$kernel" "$variant" "" "$test_car" && drive "$variant"
	test_system
	grep -qF "bundle $(stat -c %s "$test_car") bytes" "$out"
	check "serial shows the loader's 'bundle $(stat -c %s "$test_car") bytes'" $?
	# The GOP framebuffer (the loader's framebuffer tag) shows the serial text.
	metal/mkuefi.sh "$efi" "$kernel" "$variant" "run=hello hold" && drive "$variant"
	screen
	# The framebuffer interface on it: 32-bit pixels here, where GRUB gives 24.
	metal/mkuefi.sh "$efi" "$kernel" "$variant" "run=fbdemo hold" && drive "$variant"
	screen -256,-128,ff0000 -129,-1,ff0000 -128,-128,00ff00 -65,-65,00ff00 \
		-64,-128,0000ff -1,-65,0000ff -128,-64,ffffff -65,-1,ffffff \
		-64,-64,123456 -1,-1,123456 -257,-1,000000 \
		-1,-160,ffff00 -32,-145,ffff00 -33,-160,000000 -1,-161,000000 \
		0,-1,ff00ff 31,-16,ff00ff 32,-1,000000 0,-17,000000
	grep -qF "fbdemo: drew the pattern" "$out"
	check "serial shows 'fbdemo: drew the pattern'" $?
	# A broken or missing kernel: a clear message from the loader and the fail code
	# (METAL_EXIT_FAIL: 35), not a hang or a reset.
	head -c 65536 "$kernel" >"$tmp_dir/truncated.elf"
	metal/mkuefi.sh "$efi" "$tmp_dir/truncated.elf" "$variant" && drive "$variant"
	boot "(truncated kernel)" 35 \
		'wasmos-uefi: error: \EFI\BOOT\WASMOS.ELF: a segment lies past the end of the file'
	mdel -i "$variant" ::/EFI/BOOT/WASMOS.ELF
	boot "(no kernel)" 35 'wasmos-uefi: error: cannot read \EFI\BOOT\WASMOS.ELF (not found)'
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ]
	exit
fi

# metal_exit(METAL_EXIT_OK = 0x10) -> (0x10 << 1) | 1 = 33; METAL_EXIT_FAULT (0x12) -> 37.
# run=hello runs the embedded WASI hello alone through the kernel core.
boot "run=hello" 33 "wasmos: booted" "hello from wasmos" "arg 0: hello" "wasmos: hello exited with status 0"
boot "test=heap" 33 "wasmos: heap ok"
# The exception report (metal/idt.c): the function the fault hit, by the kernel's
# symbol table (metal/ksyms.sh), the registers, and a backtrace by frame pointers
# (metal/backtrace.c) from that function down through kernel_main to metal_main, whose
# caller is boot.S's long_mode, on the boot stack.
frame() { # N NAME: the regex of backtrace line #N in function NAME (N may be a regex)
	echo "re:^  #$1 +0x[0-9a-f]{16} $2\+0x[0-9a-f]+\$"
}
boot "test=fault" 37 "wasmos: exception 6 (invalid opcode) in kernel_main+0x" \
	"  error 0x0  cs 0x8  ss 0x10" "re:^  rip 0x[0-9a-f]{16}  rsp 0x[0-9a-f]{16}  rfl 0x" \
	"re:^  r13 0x[0-9a-f]{16}  r14 0x[0-9a-f]{16}  r15 0x[0-9a-f]{16}\$" \
	"$(frame 0 kernel_main)" "$(frame 1 metal_stack_switch)" "$(frame 2 metal_main)" \
	"$(frame 3 long_mode)" "wasmos: end of exception report"
# Error 2: a write (bit 1) to a page not present (bit 0 clear), in ring 0.
boot "test=pagefault" 37 "wasmos: exception 14 (page fault) in kernel_main+0x" \
	"  error 0x2 (not present, write, kernel)" "re:^  cr2 0x0000000140000000  cr3 0x" \
	"$(frame 0 kernel_main)" "$(frame 2 metal_main)" "wasmos: end of exception report"

# Recursion into the guard page below the kernel stack: the page fault is reported
# from its IST stack (tss.c) instead of becoming a double and then a triple fault.
# The backtrace shows the top and the bottom of the hundreds of frames.
boot "test=stackoverflow" 37 "re:^wasmos: exception 14 \(page fault\) in overflow[.a-z0-9]*\+0x" \
	"(kernel stack overflow)" "re:^  backtrace \([0-9]{3} frames\):" \
	"$(frame 1 'overflow[.a-z0-9]*')" "re:^  \.\.\. [0-9]+ frames \.\.\.\$" \
	"$(frame '[0-9]+' kernel_main)" "$(frame '[0-9]+' metal_main)" "wasmos: end of exception report"

# Frame pointers that lead nowhere (the handler checks each before reading it): an
# unmapped one, and one that points at itself.  The report must still end.
boot "test=badframe" 37 "wasmos: exception 6 (invalid opcode) in kernel_main+0x" \
	"  backtrace (1 frame):" "wasmos: end of exception report"
boot "test=loopframe" 37 "wasmos: exception 6 (invalid opcode) in kernel_main+0x" \
	"  backtrace (2 frames):" "wasmos: end of exception report"

# ACPI power-off (metal/acpi.c), for machines without isa-debug-exit: metal_exit
# finds the RSDP by scanning the BIOS areas (multiboot1 passes none), then the FADT
# and \_S5_ in the DSDT, and writes SLP_TYP | SLP_EN.  QEMU then exits with status 0,
# as it also does after a triple fault, so the line on serial is what proves it.  The
# pc machine's PM1 block is the PIIX4's; q35's is the ICH9's.
exitdev=()
boot "run=hello" 0 "hello from wasmos" "wasmos: powering off by ACPI (S5, RSDP from the BIOS area)"
machine=(-M q35)
boot "run=hello" 0 "hello from wasmos" "wasmos: powering off by ACPI (S5, RSDP from the BIOS area)"
machine=()
# A fault powers off too (its exit code is lost: a real machine has nowhere to put it).
boot "test=fault" 0 "wasmos: end of exception report" \
	"wasmos: powering off by ACPI (S5, RSDP from the BIOS area)"
# With no ACPI tables at all the kernel says why and halts; the test stops QEMU.
: >"$out"
timeout 60 qemu-system-x86_64 -machine acpi=off -accel tcg -display none -no-reboot -nic none \
	-kernel "$elf" -append run=hello -serial "file:$out" </dev/null >/dev/null 2>&1 &
qemu=$!
for _ in $(seq 300); do
	grep -qF "wasmos: halted" "$out" && break
	sleep 0.1
done
kill "$qemu" 2>/dev/null
wait "$qemu" 2>/dev/null
grep -qF "wasmos: ACPI power-off failed: no RSDP" "$out"
check "without ACPI tables, serial says 'wasmos: ACPI power-off failed: no RSDP'" $?
grep -qF "wasmos: halted (exit code 0x10)" "$out"
check "then 'wasmos: halted (exit code 0x10)'" $?
exitdev=("${debug_exit[@]}")

# A 50 ms nanosleep: the PIT's IRQ0 (metal/timer.c) wakes the halted CPU and the
# main loop answers time.sleep_until once the deadline has passed.
boot "run=sleep" 33 "sleep: slept 50 ms" "wasmos: sleep exited with status 0"

# random.get: TCG's default CPU has no RDRAND, so this is the TSC jitter fallback;
# -cpu max has RDRAND.  random.wasm checks non-zero bytes and two differing draws.
boot "run=random" 33 "entropy from TSC jitter (not cryptographic)" "5 passed, 0 failed" \
	"wasmos: random exited with status 0"
cpu=(-cpu max)
boot "run=random" 33 "entropy from rdrand mixed with TSC jitter" "5 passed, 0 failed" "wasmos: random exited with status 0"
cpu=()
screen
# The exception report is on the screen too, every line of it.
screen --args "test=fault hold" --wait "wasmos: end of exception report"

# clock_time_get(REALTIME) through system-time (metal/rtc.c: the CMOS clock at boot
# plus the TSC clock); clocks.wasm checks it is after 2020 and that the monotonic and
# CPU-time clocks move forward.
boot "run=clocks" 33 "wasmos: rtc: " "10 passed, 0 failed" "wasmos: clocks exited with status 0"

# framebuffer (metal/framebuffer.c): VGA text under -kernel, no framebuffer, so info
# answers ENODEV and fbdemo says so (the pattern is checked under OVMF, --uefi).
boot "run=fbdemo" 35 "fbdemo: framebuffer: No such device" "wasmos: fbdemo exited with status 1"

# pci.list (metal/pci.c), granted to lspci only: QEMU's default i440fx machine has its
# host bridge at 00:00.0 and the PIIX3 ISA bridge at 00:01.0.
boot "run=lspci" 33 "00:00.0 8086:1237 class 06 00" "00:01.0 8086:7000 class 06 01" \
	"wasmos: lspci exited with status 0"

# stdin (metal/stdin.c): readline.wasm prints "readline: ready", reads a line and
# prints it back.  The keys go in only after the prompt, through the QEMU monitor on
# QEMU's stdin (sendkey: PS/2 scan codes, IRQ1, metal/ps2.c); then the same through
# COM1 with the monitor off, the serial port on stdin and stdout.  The writer keeps
# its end of the pipe open until the program has answered (or 30 s), so QEMU never
# sees the end of its input first.
typed() { # how (monitor|serial|qmp), program, what to write once it says it is ready[, status]
	local how=$1 prog=$2 keys=$3 want=${4:-33} rc
	: >"$out"
	# Serial on stdout goes straight to $out, which the writer watches.
	local io=(-serial "file:$out" -monitor stdio) log=$out.stdout
	[ "$how" = serial ] && io=(-serial stdio -monitor none) log=$out
	[ "$how" = qmp ] && io=(-serial "file:$out" -qmp stdio -monitor none)
	{ wait_serial "$prog: ready"; printf '%b' "$keys"; wait_serial "$prog exited"; } |
		timeout 60 qemu-system-x86_64 -accel tcg -display none -no-reboot -nic none \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 -kernel "$elf" -append "run=$prog" \
		"${io[@]}" >>"$log" 2>/dev/null
	rc=$?
	rm -f "$out.stdout"
	[ "$rc" -eq "$want" ]
	check "run=$prog typed through $how exits with status $want (got $rc)" $?
}
# The line discipline (metal/stdin.c) echoes what is typed, backspace erasing ("\b \b"
# on the console), and hands the program the edited line: Ctrl-C drops a line, DEL
# (a serial terminal's backspace) erases too, Ctrl-D on an empty line ends the input.
typed monitor readline "$(sendkeys shift-h i spc t h e r x backspace e shift-1 minus shift-equal ret)"
grep -qF "readline: got 'Hi there!-+'" "$out"
check "serial shows the keyboard's line 'Hi there!-+'" $?
grep -qxF "$(printf 'Hi therx\b \be!-+')" "$out"
check "serial shows the keys echoed as typed, the x erased" $?
typed serial readline 'junk\x03from COM1, 43\x7f2\r'
grep -qF "readline: got 'from COM1, 42'" "$out"
check "serial shows the serial line 'from COM1, 42'" $?
grep -qxF "junk^C" "$out" && grep -qxF "$(printf 'from COM1, 43\b \b2')" "$out"
check "serial shows the echo: 'junk^C', then the line with 3 erased" $?
typed serial readline '\x04' 35
grep -qF "readline: no input" "$out"
check "Ctrl-D on an empty line is the end of input" $?

# keyboard.next (metal/keyboard.c): keys.wasm prints each event, its HID usage,
# action, modifiers after it and text, until escape is released.  QEMU's sendkey
# presses the keys of a chord in order and releases them in reverse.  Up is an 0xE0
# scan code; caps lock turns b into B; ctrl-c types 0x03.
typed monitor keys "$(sendkeys shift-a up ctrl-c caps_lock b caps_lock kp_enter esc)"
while read -r line; do
	grep -qxF -- "keys: $line" "$out"
	check "keys prints '$line'" $?
done <<'EVENTS'
0xe1 down mods 0x0002
0x04 down mods 0x0002 text 'A'
0x04 up mods 0x0002
0xe1 up mods 0x0000
0x52 down mods 0x0000
0x52 up mods 0x0000
0xe0 down mods 0x0001
0x06 down mods 0x0001 text '\x03'
0x39 down mods 0x0100
0x05 down mods 0x0100 text 'B'
0x39 down mods 0x0000
0x58 down mods 0x0000 text '\x0a'
0x29 up mods 0x0000
EVENTS
grep -c "^keys: 0x" "$out" | grep -qx 20
check "keys prints 20 events, one per press and release" $?

# A held key: the keyboard sends its make code again without a break between, which
# QMP's input-send-event does with a second "down"; keyboard.c reports a repeat.
qmp_key() { # qcode, true (down) or false (up): one QMP command
	printf '{"execute":"input-send-event","arguments":{"events":[{"type":"key","data":{"down":%s,"key":{"type":"qcode","data":"%s"}}}]}}\n' "$2" "$1"
}
typed qmp keys "$(printf '{"execute":"qmp_capabilities"}\n'; qmp_key a true; qmp_key a true; qmp_key a true
	qmp_key a false; qmp_key esc true; qmp_key esc false)"
[ "$(grep "^keys: 0x04" "$out" | tr '\n' '|')" = "keys: 0x04 down mods 0x0000 text 'a'|keys: 0x04 repeat mods 0x0000 text 'a'|keys: 0x04 repeat mods 0x0000 text 'a'|keys: 0x04 up mods 0x0000|" ]
check "a held key is down, repeat, repeat, up" $?
[ "$fail" -eq 0 ] || { echo "--- serial:"; cat "$out"; echo "---"; }

# The boot bundle (metal/bundle.c): the kernel image carries system/metal.sys and its
# programs by CID; "run-cid=CID" starts one through kern_spawn_cid and the loader
# native (metal/loader.c).  A multiboot module (-initrd) replaces the embedded bundle:
# here one of sleep.wasm alone, packed by the hosted `wasmos pack` (beside the ELF's
# build folder), so hello is no longer there.  A module with one byte changed, or
# that is no CAR, stops the boot before any program runs.
wasmos=$(dirname "$elf")/../release/wasmos
printf 'program sleep %s\n' "$PWD/build/programs/metal/sleep.wasm" >"$cars/sleep.sys"
"$wasmos" pack system/metal.sys -o "$cars/metal.car" >"$cars/metal.cids"
hello_cid=$(awk '$2 == "hello" { print $1 }' "$cars/metal.cids")
client_cid=$(awk '$2 == "kv-client" { print $1 }' "$cars/metal.cids")
sleep_cid=$("$wasmos" pack "$cars/sleep.sys" -o "$cars/sleep.car" | awk '$2 == "sleep" { print $1 }')
[ -n "$hello_cid" ] && [ -n "$sleep_cid" ]
check "wasmos pack makes the test bundles" $?
cmp -s "$cars/metal.car" "$(dirname "$elf")/system.car"
check "the embedded bundle is system/metal.sys packed" $?
boot "run=hello" 33 "wasmos: bundle: 7 blocks from the kernel image, system bafkrei"
boot "run-cid=$hello_cid" 33 "hello from wasmos" "wasmos: $hello_cid exited with status 0"
boot "run-cid=$sleep_cid" 35 "wasmos: did not start: $sleep_cid: the loader has no such program"
medium=(-kernel "$elf" -initrd "$cars/sleep.car" -append "run-cid=$sleep_cid")
boot "run-cid=$sleep_cid" 33 "wasmos: bundle: 2 blocks from the module" "sleep: slept 50 ms" \
	"wasmos: $sleep_cid exited with status 0"
medium=(-kernel "$elf" -initrd "$cars/sleep.car" -append "run-cid=$hello_cid")
boot "run-cid=$hello_cid" 35 "wasmos: did not start: $hello_cid: the loader has no such program"
# The last byte of the CAR is the last byte of sleep.wasm's block.
cp "$cars/sleep.car" "$cars/bad.car"
last=$(( $(tail -c 1 "$cars/sleep.car" | od -An -tu1) ^ 1 ))
printf "\\x$(printf %02x "$last")" |
	dd of="$cars/bad.car" bs=1 seek=$(( $(stat -c %s "$cars/sleep.car") - 1 )) conv=notrunc status=none
cmp -s "$cars/sleep.car" "$cars/bad.car"
[ $? -eq 1 ] && [ "$(stat -c %s "$cars/bad.car")" -eq "$(stat -c %s "$cars/sleep.car")" ]
check "the corrupt bundle differs in one byte" $?
medium=(-kernel "$elf" -initrd "$cars/bad.car" -append "run-cid=$sleep_cid")
boot "run-cid=$sleep_cid" 35 "wasmos: panic: bundle (module): the block at byte " \
	"has CID $sleep_cid but its bytes are bafkrei"
grep -qF "sleep:" "$out"
[ $? -ne 0 ]
check "nothing of the corrupt bundle ran" $?
medium=(-kernel "$elf" -initrd "$cars/sleep.sys" -append "")
boot "" 35 "wasmos: panic: bundle (module): not a CAR we read, at byte 0"
medium=(-kernel "$elf" -initrd "$test_car")
test_system
# A program over 1 MiB started from the shell, by its name and by its dag-pb CID: the
# name reader (metal/loader.c) joins its blocks, the loader answers a CAR of them.
printf 'native log stdin time system-time random loader process kernel-debug\nprogram shell %s\n\tallow stdin process\n\tessential\nprogram big %s\n\tmanual\n' \
	"$PWD/build/programs/shell.wasm" "$PWD/build/programs/metal/big-hello.wasm" >"$cars/big.sys"
big_cid=$("$wasmos" pack "$cars/big.sys" -o "$cars/big.car" | awk '$2 == "big" { print $1 }')
[[ $big_cid == bafybei* ]]
check "wasmos pack names big-hello by a dag-pb root" $?
medium=(-kernel "$elf" -initrd "$cars/big.car")
session_marks=("wasmos: system ended with status 0")
session serial "run big by-name" "run $big_cid by-cid" exit
grep -qxF "arg 1: by-name" "$out" && grep -qxF "arg 0: $big_cid" "$out" && grep -qxF "arg 1: by-cid" "$out"
check "the shell ran the program over 1 MiB by name and by CID" $?
# The same program by its CID from a store (`wasmos add`): pack takes its DAG's blocks
# root first, so cutting the CAR's last block leaves a bundle without the second leaf.
# Both ways to start it fail with an error, and the system goes on.
big_wasm=$PWD/build/programs/metal/big-hello.wasm
WASMOS_HOME=$cars/home "$wasmos" add "$big_wasm" >/dev/null &&
	sed "s|^program big .*|program big $big_cid|" "$cars/big.sys" >"$cars/big-store.sys" &&
	WASMOS_HOME=$cars/home "$wasmos" pack "$cars/big-store.sys" -o "$cars/big-store.car" >/dev/null
leaf2=$(( $(stat -c %s "$big_wasm") - 1048576 ))   # the second leaf's bytes, over 16 KiB
head -c $(( $(stat -c %s "$cars/big-store.car") - 3 - 36 - leaf2 )) "$cars/big-store.car" >"$cars/big-cut.car"
medium=(-kernel "$elf" -initrd "$cars/big-cut.car")
session serial "run big" "run $big_cid" exit
grep -qF "wasmos: bundle: 4 blocks from the module" "$out" &&
	grep -qxF "big: I/O error" "$out" && grep -qxF "$big_cid: No such file or directory" "$out" &&
	! grep -qF "hello from wasmos" "$out"
check "a bundle without a leaf of the program: both starts fail, the system goes on" $?
session_marks=("hello from wasmos" "kv-server: serving kv" "kv-client: all ok"
	"wasmos: system: essential program shell ended (exit 0)" "wasmos: system ended with status 0")
medium=()

# The default boot: the bundle's system file (system/metal.sys) booted by the kernel
# core (kern_system_boot, the parser and supervisor of `wasmos boot`), every program by
# CID through the loader native.  At the shell: kv-client again by its CID; trap by
# its name (a `manual` program of the bundle): the kernel reports the trap with its
# backtrace and the shell goes on; spin in the background, which fuel preempts, so
# that ps still answers and lists it running; kill ends it.  Pids: hello 1, kv 2,
# kv-client 3, shell 4, then 5, 6, 7 for what the shell starts.
medium=(-kernel "$elf")
session serial ps "run -a kv $client_cid" "run trap" "start spin" ps "kill 7" ps exit
grep -Eq '^ +1 dead +0 .* hello$' "$out" && grep -Eq '^ +2 waiting .* kv$' "$out" &&
	grep -Eq '^ +4 ready .* shell$' "$out"
check "ps lists the system's processes" $?
[ "$(grep -c "kv-client: all ok" "$out")" -eq 2 ]
check "the shell ran kv-client again by its CID, from the bundle" $?
grep -qxF "wasmos: pid 6 (trap): trap: unreachable" "$out" &&
	grep -qE '^wasmos:   #[0-9]+  func\[[0-9]+\] fail_here$' "$out" && grep -qxF "[6] exited with 134" "$out"
check "run trap: the kernel reports the trap in fail_here, the shell says exit 134" $?
grep -qxF "[7] spin" "$out" && grep -Eq '^ +7 ready .* spin$' "$out" && grep -Eq '^ +7 dead .* spin$' "$out"
check "start spin: ps answers while spin runs, and lists it dead after kill" $?
[ "$fail" -eq 0 ] || { echo "--- serial:"; cat "$out"; echo "---"; }

# GRUB from a CD under SeaBIOS, by multiboot2 (metal/mb2.c): the memory map and the
# command line come from its tags.  The exception tests are not repeated: they test
# the IDT, which does not depend on the loader.
if [ -n "$iso" ]; then
	# The default: the demo system, commands typed on the keyboard.
	medium=(-cdrom "$iso")
	session monitor "$(sendkeys p s ret)" "$(sendkeys e x i t ret)"
	grep -Eq '^ +4 ready .* shell$' "$out"
	check "ps, typed on the keyboard, lists the shell" $?
	# ACPI power-off with the RSDP from GRUB's multiboot2 tag.
	if metal/mkiso.sh "$elf" "$tmp_iso" "run=hello"; then
		medium=(-cdrom "$tmp_iso")
		exitdev=()
		boot "run=hello" 0 "wasmos: booted" "hello from wasmos" "arg 0: hello" \
			"wasmos: hello exited with status 0" \
			"wasmos: powering off by ACPI (S5, RSDP from the multiboot2 tag)"
		exitdev=("${debug_exit[@]}")
	else
		check "metal/mkiso.sh builds an ISO with run=hello" 1
	fi
	if metal/mkiso.sh "$elf" "$tmp_iso" "test=heap"; then
		medium=(-cdrom "$tmp_iso")
		boot "test=heap" 33 "wasmos: heap ok"
	else
		check "metal/mkiso.sh builds an ISO with test=heap" 1
	fi
	# The embedded bundle, and a bundle given as a module2 (mb2.c's module tags).
	if metal/mkiso.sh "$elf" "$tmp_iso" "run-cid=$hello_cid"; then
		medium=(-cdrom "$tmp_iso")
		boot "run-cid=$hello_cid" 33 "wasmos: bundle: 7 blocks from the kernel image" \
			"hello from wasmos" "wasmos: $hello_cid exited with status 0"
	else
		check "metal/mkiso.sh builds an ISO with run-cid" 1
	fi
	if metal/mkiso.sh "$elf" "$tmp_iso" "run-cid=$sleep_cid" "$cars/sleep.car"; then
		medium=(-cdrom "$tmp_iso")
		boot "run-cid=$sleep_cid" 33 "wasmos: bundle: 2 blocks from the module" \
			"sleep: slept 50 ms" "wasmos: $sleep_cid exited with status 0"
	else
		check "metal/mkiso.sh builds an ISO with a module" 1
	fi
	if metal/mkiso.sh "$elf" "$tmp_iso" "" "$test_car"; then
		medium=(-cdrom "$tmp_iso")
		test_system
	else
		check "metal/mkiso.sh builds an ISO with the test system" 1
	fi
	# GRUB leaves BIOS text mode and says so in its framebuffer tag (EGA text).
	if metal/mkiso.sh "$elf" "$tmp_iso" "run=hello hold"; then
		medium=(-cdrom "$tmp_iso")
		screen
	else
		check "metal/mkiso.sh builds an ISO with hold" 1
	fi
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
