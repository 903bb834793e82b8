# metal.mk: the bare-metal kernel image, included by the Makefile.
#
#   make metal      build/metal/wasmos.elf: an ELF64 with a multiboot1 header (a.out
#                   kludge) that QEMU's -kernel and GRUB boot (metal/boot.S)
#   make qemu       boot it in QEMU: the demo system's shell on this terminal, and
#                   in a window when there is a display
#   make test-metal tests/metal/boot_test.sh, -kernel and GRUB under SeaBIOS
#   make iso        build/metal/wasmos.iso: GRUB boots the same ELF by multiboot2,
#                   from BIOS or UEFI (metal/mkiso.sh, metal/mb2.c)
#   make qemu-iso   boot the ISO under SeaBIOS     make qemu-uefi   the same under OVMF
#   make test-metal-uefi  tests/metal/boot_test.sh --uefi (about 4 s)
#   make uefi       build/metal/wasmos-uefi.img: a FAT image with our own UEFI loader
#                   (metal/uefi, EFI/BOOT/BOOTX64.EFI) and the same ELF, no GRUB
#   make qemu-uefi-app  boot that image under OVMF
#   make test-metal-uefi-app  tests/metal/boot_test.sh --uefi-app (about a minute)
#
# Compiled freestanding with gcc (METAL_CC; the flags are gcc's): no red zone
# (interrupts push onto the kernel stack), -mcmodel=small because the image is
# identity-mapped at 1 MiB, SSE on (boot.S enables it; the engine computes with floats),
# frame pointers kept so that an exception report can walk the stack (metal/backtrace.c).
# engine/, kernel/, lib/ and the generated interface code (ENGINE_SRCS) are compiled
# unchanged, with the same flags, into build/metal/obj.
METAL_CC ?= gcc
METAL_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -ffreestanding -fno-builtin -nostdlib \
	-fno-omit-frame-pointer -fno-pic -fno-pie -mno-red-zone -mcmodel=small -fno-stack-protector -fno-math-errno \
	-fno-asynchronous-unwind-tables -fno-tree-loop-distribute-patterns -MMD -MP \
	-Iengine -Ilib -Ikernel -Ibuild/gen
METAL_SRCS := $(filter-out %_test.c,$(wildcard metal/*.c metal/*.S))
METAL_OBJS := $(patsubst %,build/metal/%.o,$(basename $(METAL_SRCS))) \
	$(ENGINE_SRCS:%.c=build/metal/obj/%.o)
# Helpers gcc may call (__popcountdi2 and the like).  Interrupts stay off while
# metal runs C code, so libgcc's use of the red zone is safe for now.
METAL_LIBGCC := $(shell $(METAL_CC) -print-libgcc-file-name)

.PHONY: metal qemu test-metal iso qemu-iso qemu-uefi test-metal-uefi uefi qemu-uefi-app \
	test-metal-uefi-app
metal: build/metal/wasmos.elf

build/metal/metal/%.o: metal/%.c | $(SETUP)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(METAL_CC) $(METAL_CFLAGS) -c $< -o $@

build/metal/metal/%.o: metal/%.S | $(SETUP)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  AS      $@")
	$(Q)$(METAL_CC) $(METAL_CFLAGS) -c $< -o $@

build/metal/obj/%.o: %.c | $(SETUP) build/gen/ifc_all.h
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(METAL_CC) $(METAL_CFLAGS) -c $< -o $@

# The embedded program (metal/hello_wasm.S includes it).
build/metal/metal/hello_wasm.o: build/programs/hello.wasm
$(filter build/metal/metal/%,$(METAL_OBJS)): | build/gen/ifc_all.h
# The test programs "run=NAME" picks (metal/progs_wasm.S, tests/metal/progs/).
$(eval $(call wasmos_program,metal/sleep,tests/metal/progs/sleep.c))
build/metal/metal/progs_wasm.o: build/programs/metal/sleep.wasm build/programs/wasi-tests/random.wasm
$(eval $(call wasmos_program,metal/readline,tests/metal/progs/readline.c))
build/metal/metal/progs_wasm.o: build/programs/metal/readline.wasm
build/metal/metal/progs_wasm.o: build/programs/wasi-tests/clocks.wasm
build/metal/metal/progs_wasm.o: build/programs/lspci.wasm build/programs/keys.wasm \
	build/programs/fbdemo.wasm

# The boot bundle (metal/bundle.c, docs/metal.md): system/metal.sys and its programs
# by CID in one CAR, made by the hosted `wasmos pack` and embedded by bundle_car.S.
build/metal/system.car: system/metal.sys build/release/wasmos $(PROGRAMS)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  PACK    $@")
	$(Q)build/release/wasmos pack $< -o $@ >/dev/null
build/metal/metal/bundle_car.o: build/metal/system.car

# The test system (system/metal-test.sys, docs/metal.md) in its own bundle, which
# tests/metal/boot_test.sh boots as a module on every boot path: with syscheck, its
# essential program (tests/metal/progs), and big-hello, hello with a 1.5 MiB custom
# section, a program over 1 MiB that the bundle holds as a UnixFS DAG.
$(eval $(call wasmos_program,metal/syscheck,tests/metal/progs/syscheck.c))
build/programs/metal/big-hello.wasm: build/programs/hello.wasm
	@mkdir -p $(@D)
	@$(if $(Q),echo "  GEN     $@")
	$(Q){ cat $<; printf '\000\204\200\140\003pad'; head -c 1572864 /dev/zero; } >$@
build/metal/test.car: system/metal-test.sys build/release/wasmos $(PROGRAMS) \
		build/programs/metal/big-hello.wasm
	@mkdir -p $(@D)
	@$(if $(Q),echo "  PACK    $@")
	$(Q)build/release/wasmos pack $< -o $@ >/dev/null
test test-metal test-metal-uefi test-metal-uefi-app: build/metal/test.car

# Linked twice, for the symbol table the exception report names code with (metal/ksyms.sh,
# metal/ksyms.c): pass 1 with an empty table, pass 2 with pass 1's symbols.  The table
# is the last loaded section, so it cannot move the code; the check proves that pass 2
# has the very symbols its table lists.
METAL_LD = ld -nostdlib -static -z max-page-size=0x1000 --no-warn-rwx-segments -T metal/linker.ld
build/metal/wasmos.elf: $(METAL_OBJS) metal/linker.ld metal/ksyms.sh
	@$(if $(Q),echo "  LD      $@")
	$(Q)metal/ksyms.sh >build/metal/ksyms0.S
	$(Q)$(METAL_CC) $(METAL_CFLAGS) -c build/metal/ksyms0.S -o build/metal/ksyms0.o
	$(Q)$(METAL_LD) -o $@.pass1 $(METAL_OBJS) build/metal/ksyms0.o $(METAL_LIBGCC)
	$(Q)metal/ksyms.sh $@.pass1 >build/metal/ksyms.S
	$(Q)$(METAL_CC) $(METAL_CFLAGS) -c build/metal/ksyms.S -o build/metal/ksyms.o
	$(Q)$(METAL_LD) -o $@.pass2 $(METAL_OBJS) build/metal/ksyms.o $(METAL_LIBGCC)
	$(Q)metal/ksyms.sh $@.pass2 | cmp -s - build/metal/ksyms.S || \
		{ echo "metal.mk: the symbol table moved the symbols it lists ($@.pass1, $@.pass2)" >&2; exit 1; }
	$(Q)mv $@.pass2 $@ && rm -f $@.pass1

# make qemu: the demo system, with its shell on this terminal (COM1) and, when there
# is a display ($$DISPLAY), in a window too (the screen and the PS/2 keyboard).  Ctrl-C
# goes to the guest; Ctrl-A X quits QEMU.  The shell's `exit` ends the system, and
# with it QEMU (isa-debug-exit: status 33); quitting QEMU gives 0.  Anything else
# is the kernel failing.  The same for the ISO and UEFI boots.
QEMU_TERM := -accel tcg -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
	$(if $(DISPLAY),,-display none) -chardev stdio,id=con,mux=on,signal=off \
	-serial chardev:con -mon chardev=con,mode=readline
qemu: build/metal/wasmos.elf
	qemu-system-x86_64 $(QEMU_TERM) -kernel $<; \
		rc=$$?; echo "qemu: exit status $$rc"; [ $$rc -eq 33 ] || [ $$rc -eq 0 ]

test-metal: build/metal/wasmos.elf build/metal/wasmos.iso
	$(Q)tests/metal/boot_test.sh build/metal/wasmos.elf build/metal/wasmos.iso

iso: build/metal/wasmos.iso
build/metal/wasmos.iso: build/metal/wasmos.elf metal/mkiso.sh
	@$(if $(Q),echo "  ISO     $@")
	$(Q)metal/mkiso.sh $< $@

# -nic none: otherwise OVMF, finding no boot entry it likes first, tries PXE and waits.
qemu-iso: build/metal/wasmos.iso
	qemu-system-x86_64 $(QEMU_TERM) -nic none -cdrom $<; \
		rc=$$?; echo "qemu: exit status $$rc"; [ $$rc -eq 33 ] || [ $$rc -eq 0 ]

qemu-uefi: build/metal/wasmos.iso
	qemu-system-x86_64 $(QEMU_TERM) -nic none -bios /usr/share/ovmf/OVMF.fd -cdrom $<; \
		rc=$$?; echo "qemu: exit status $$rc"; [ $$rc -eq 33 ] || [ $$rc -eq 0 ]

test-metal-uefi: build/metal/wasmos.iso
	$(Q)tests/metal/boot_test.sh --uefi build/metal/wasmos.iso

# metal/acpi_tables.c is pure: a host unit test in both builds, like engine/*_test.c.
UNIT_SRCS += metal/acpi_tables_test.c
$(foreach m,$(MODES),$(eval build/$(m)/test/metal/acpi_tables_test: build/$(m)/host/metal/acpi_tables.o))

# metal/uefi: the UEFI loader, a PE32+ application built with clang's Windows target and
# lld-link (no gnu-efi: metal/uefi/efi.h declares what it uses).  The Microsoft ABI has
# no red zone to worry about, but firmware interrupts run on our stack: -mno-red-zone
# anyway; -mno-stack-arg-probe: no __chkstk, there is no runtime to provide it.
UEFI_CFLAGS := --target=x86_64-unknown-windows -std=gnu11 -O2 -Wall -Wextra -Werror \
	-ffreestanding -fshort-wchar -mno-red-zone -fno-stack-protector -mno-stack-arg-probe -MMD -MP
UEFI_SRCS := $(filter-out %_test.c,$(wildcard metal/uefi/*.c))
UEFI_OBJS := $(UEFI_SRCS:%.c=build/metal/%.o)

build/metal/metal/uefi/%.o: metal/uefi/%.c | $(SETUP)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $@")
	$(Q)clang $(UEFI_CFLAGS) -c $< -o $@

build/metal/uefi/BOOTX64.EFI: $(UEFI_OBJS)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LD      $@")
	$(Q)lld-link -subsystem:efi_application -entry:efi_main -nodefaultlib -out:$@ $^

uefi: build/metal/wasmos-uefi.img
build/metal/wasmos-uefi.img: build/metal/uefi/BOOTX64.EFI build/metal/wasmos.elf metal/mkuefi.sh
	@$(if $(Q),echo "  IMG     $@")
	$(Q)metal/mkuefi.sh build/metal/uefi/BOOTX64.EFI build/metal/wasmos.elf $@

qemu-uefi-app: build/metal/wasmos-uefi.img
	qemu-system-x86_64 $(QEMU_TERM) -nic none -bios /usr/share/ovmf/OVMF.fd \
		-drive format=raw,file=$<; \
		rc=$$?; echo "qemu: exit status $$rc"; [ $$rc -eq 33 ] || [ $$rc -eq 0 ]

test-metal-uefi-app: build/metal/wasmos-uefi.img
	$(Q)tests/metal/boot_test.sh --uefi-app build/metal/wasmos-uefi.img

# The loader's pure parts (ELF checks, the boot information) as host unit tests,
# run by make test in both builds like engine/*_test.c.
UNIT_SRCS += $(wildcard metal/uefi/*_test.c)
$(foreach m,$(MODES),$(eval build/$(m)/test/metal/uefi/elf_test: build/$(m)/host/metal/uefi/elf.o))
$(foreach m,$(MODES),$(eval build/$(m)/test/metal/uefi/bootinfo_test: build/$(m)/host/metal/uefi/bootinfo.o))

# tests/metal/screen_test.c: a host program, the QMP client of the screen test in
# boot_test.sh (it looks for it beside the ELF).
build/metal/screen_test: tests/metal/screen_test.c | $(SETUP)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) -std=gnu11 -O2 -Wall -Wextra -Werror -o $@ $<
test test-metal: build/metal/screen_test

-include $(METAL_OBJS:.o=.d) $(UEFI_OBJS:.o=.d)
