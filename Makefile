# wasmos: build and test.  GNU make.
#
#   make             build/release: the wasmos command, the spec runner, unit tests
#                    and the Wasm programs (make programs: build/programs, docs/programs.md)
#   make test        unit and spec tests in the release and the asan builds
#   make spec        spec tests, release build      make spec-asan   the same, asan build
#   make bench       bench/run.sh                   make run         boot the demo, system/demo.sys
#   make fuzz        the libFuzzer targets, FUZZ_SECONDS each (not in CI; -j2 runs both at once)
#   make ipfs-peer   npm ci in tests/ipfs: the Helia peer the network tests run against
#   make metal       build/metal/wasmos.elf, the bare-metal kernel  make qemu   boot it
#   make iso         build/metal/wasmos.iso, GRUB + the kernel       make qemu-uefi  boot it
#   make uefi        build/metal/wasmos-uefi.img, our UEFI loader    make qemu-uefi-app  boot it
#   make clean
#
# Two builds share the sources: build/release (-O2) and build/asan (sanitizers).
# engine/ and lib/ are compiled freestanding (the hosted programs still link libc).
# Every engine/*_test.c and lib/*_test.c is a program of its own, linked with them.
# SHARED points at the shared folder with wasm-testsuite/ (default ../shared).
# V=1 shows the commands.

SHARED ?= ../shared
TESTSUITE := $(SHARED)/wasm-testsuite

CFLAGS_BASE := -std=gnu11 -Wall -Wextra -Werror -fno-math-errno -Iengine -Ilib -Ikernel -Inet -MMD -MP
FLAGS_release := -O2
FLAGS_asan := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
# libsodium: the crypto of the network layer (net/: Noise, Ed25519 identities, SHA-256).
LDLIBS := -lm -lsodium
MODES := release asan

Q := $(if $(V),,@)

# engine/compile_stub.c stands in for compile.c until compile.c exists.
ENGINE_SRCS := $(filter-out %_test.c,$(wildcard engine/*.c lib/*.c))
ifneq ($(wildcard engine/compile.c),)
ENGINE_SRCS := $(filter-out engine/compile_stub.c,$(ENGINE_SRCS))
endif
# kernel/ is freestanding too, and linked into every binary beside the engine.
ENGINE_SRCS += $(filter-out %_test.c,$(wildcard kernel/*.c))
UNIT_SRCS := $(wildcard engine/*_test.c lib/*_test.c kernel/*_test.c)
# Interfaces (docs/interfaces.md): tools/ifgen turns interfaces/NAME.ifc into
# build/gen/ifc_NAME.h and .c ('-' in NAME becomes '_'), compiled with the engine's
# objects so every binary has them; tools/ifgen-test.ifc goes to build/gen/test.
IFC_DEFS := $(sort $(wildcard interfaces/*.ifc))
IFC_SRCS := $(patsubst %,build/gen/ifc_%.c,$(subst -,_,$(basename $(notdir $(IFC_DEFS))))) \
	build/gen/ifc_all.c
ENGINE_SRCS += $(IFC_SRCS)
UNIT_SRCS += tools/ifgen_test.c
CFLAGS_BASE += -Ibuild/gen
HOSTED_SRCS := $(wildcard hosted/*.c)
# net/: the libp2p protocols (docs/network.md): hosted C, linked into wasmos and into
# every unit test program; net/*_test.c are unit tests.
NET_SRCS := $(filter-out %_test.c,$(wildcard net/*.c))
UNIT_SRCS += $(wildcard net/*_test.c)
SPEC_SRCS := $(wildcard tests/spec/*.c)
# tests/fuzz/replay.c replays saved fuzz inputs through the fuzz targets' logic
# (the engine's and lib/'s content formats); net_replay.c does the same for the
# network parsers (tests/fuzz/regress-net).
FUZZ_REPLAY_SRCS := tests/fuzz/replay.c tests/fuzz/targets.c tests/fuzz/ipfs.c
FUZZ_NET_REPLAY_SRCS := tests/fuzz/net_replay.c tests/fuzz/net_targets.c tests/fuzz/libp2p.c

SPEC_NAMES := $(sort $(basename $(notdir $(wildcard $(TESTSUITE)/*.wast))))
SPEC_JSON := $(foreach n,$(SPEC_NAMES),build/spec/$(n)/$(n).json)

SETUP := build/.setup-done

.PHONY: all test spec spec-asan bench run clean
.DELETE_ON_ERROR:

all: build/release/wasmos build/release/spec-runner $(UNIT_SRCS:%.c=build/release/test/%)

# Wasm programs: programs/ built with the SDK into build/programs (sdk/program.mk).
include sdk/program.mk
all: programs

# The bare-metal kernel image (metal/metal.mk): make metal, make qemu, make test-metal.
include metal/metal.mk

# ---- per build mode ------------------------------------------------------------------
# $(1) is the mode.  obj/ holds freestanding engine and lib objects; host/ the rest.
define MODE_RULES
ENGINE_OBJS_$(1) := $$(ENGINE_SRCS:%.c=build/$(1)/obj/%.o)
UNIT_BINS_$(1) := $$(UNIT_SRCS:%.c=build/$(1)/test/%)
NET_OBJS_$(1) := $$(NET_SRCS:%.c=build/$(1)/host/%.o)
ALL_OBJS += $$(ENGINE_OBJS_$(1)) $$(NET_OBJS_$(1)) $$(patsubst %.c,build/$(1)/host/%.o,$$(HOSTED_SRCS) $$(SPEC_SRCS) $$(UNIT_SRCS))

build/$(1)/obj/%.o: %.c | $$(SETUP)
	@mkdir -p $$(@D)
	@$$(if $$(Q),echo "  CC      $$@")
	$$(Q)$$(CC) $$(CFLAGS_BASE) $$(FLAGS_$(1)) -ffreestanding $$(CFLAGS) -c $$< -o $$@

build/$(1)/host/%.o: %.c | $$(SETUP)
	@mkdir -p $$(@D)
	@$$(if $$(Q),echo "  CC      $$@")
	$$(Q)$$(CC) $$(CFLAGS_BASE) $$(FLAGS_$(1)) $$(CFLAGS) -c $$< -o $$@

build/$(1)/wasmos: $$(HOSTED_SRCS:%.c=build/$(1)/host/%.o) $$(NET_OBJS_$(1)) $$(ENGINE_OBJS_$(1))
	@$$(if $$(Q),echo "  LD      $$@")
	$$(Q)$$(CC) $$(FLAGS_$(1)) $$(LDFLAGS) $$^ $$(LDLIBS) -o $$@

build/$(1)/spec-runner: $$(SPEC_SRCS:%.c=build/$(1)/host/%.o) $$(ENGINE_OBJS_$(1))
	@$$(if $$(Q),echo "  LD      $$@")
	$$(Q)$$(CC) $$(FLAGS_$(1)) $$(LDFLAGS) $$^ $$(LDLIBS) -o $$@

ALL_OBJS += $$(FUZZ_NET_REPLAY_SRCS:%.c=build/$(1)/host/%.o)
build/$(1)/fuzz-net-replay: $$(FUZZ_NET_REPLAY_SRCS:%.c=build/$(1)/host/%.o) $$(NET_OBJS_$(1)) $$(ENGINE_OBJS_$(1))
	@$$(if $$(Q),echo "  LD      $$@")
	$$(Q)$$(CC) $$(FLAGS_$(1)) $$(LDFLAGS) $$^ $$(LDLIBS) -o $$@

ALL_OBJS += $$(FUZZ_REPLAY_SRCS:%.c=build/$(1)/host/%.o)
build/$(1)/fuzz-replay: $$(FUZZ_REPLAY_SRCS:%.c=build/$(1)/host/%.o) $$(ENGINE_OBJS_$(1))
	@$$(if $$(Q),echo "  LD      $$@")
	$$(Q)$$(CC) $$(FLAGS_$(1)) $$(LDFLAGS) $$^ $$(LDLIBS) -o $$@

ifneq ($$(UNIT_SRCS),)
$$(UNIT_BINS_$(1)): build/$(1)/test/%: build/$(1)/host/%.o $$(NET_OBJS_$(1)) $$(ENGINE_OBJS_$(1))
	@mkdir -p $$(@D)
	@$$(if $$(Q),echo "  LD      $$@")
	$$(Q)$$(CC) $$(FLAGS_$(1)) $$(LDFLAGS) $$^ $$(LDLIBS) -o $$@
endif
endef
$(foreach m,$(MODES),$(eval $(call MODE_RULES,$(m))))

# ---- spec tests: .wast -> build/spec/NAME/NAME.json (+ its .wasm files) ----------------
define SPEC_RULE
build/spec/$(1)/$(1).json: $(TESTSUITE)/$(1).wast | $(SETUP)
	@mkdir -p $$(@D)
	$$(Q)wast2json $$< -o $$@
endef
$(foreach n,$(SPEC_NAMES),$(eval $(call SPEC_RULE,$(n))))

check-testsuite:
	@test -n "$(SPEC_NAMES)" || { echo "no .wast files in $(TESTSUITE) (set SHARED=...)" >&2; exit 1; }
.PHONY: check-testsuite

spec: build/release/spec-runner $(SPEC_JSON) | check-testsuite
	$(Q)build/release/spec-runner $(SPEC_JSON)

spec-asan: build/asan/spec-runner $(SPEC_JSON) | check-testsuite
	$(Q)build/asan/spec-runner $(SPEC_JSON)

# ---- everything ----------------------------------------------------------------------
# tests/run.sh runs each command, reads its closing "N passed, N failed" line and sums.
TEST_CMDS = $(foreach m,$(MODES),$(UNIT_BINS_$(m)) "build/$(m)/fuzz-replay tests/fuzz/regress tests/fuzz/seeds" \
	"build/$(m)/fuzz-net-replay tests/fuzz/regress-net" \
	"build/$(m)/spec-runner $(SPEC_JSON)")

test: $(foreach m,$(MODES),build/$(m)/spec-runner build/$(m)/fuzz-replay build/$(m)/fuzz-net-replay \
	$(UNIT_BINS_$(m))) $(SPEC_JSON) | check-testsuite
	$(Q)tests/run.sh $(TEST_CMDS)

# tests/e2e/*_test.sh: end-to-end tests of the wasmos command, run against each build.
E2E_TESTS := $(wildcard tests/e2e/*_test.sh)
TEST_CMDS += $(foreach m,$(MODES),$(foreach t,$(E2E_TESTS),"$(t) build/$(m)/wasmos"))
test: $(foreach m,$(MODES),build/$(m)/wasmos)
# The programs they run: programs/ and tests/e2e/progs/NAME.c, built into
# build/programs/tests/NAME.wasm.
E2E_PROG_SRCS := $(wildcard tests/e2e/progs/*.c)
$(foreach f,$(E2E_PROG_SRCS),$(eval $(call wasmos_program,tests/$(basename $(notdir $(f))),$(f))))
test: programs $(E2E_PROG_SRCS:tests/e2e/progs/%.c=build/programs/tests/%.wasm)
-include $(E2E_PROG_SRCS:%.c=$(PROG_OBJ)/%.d)
# tests/ipfs/: tests against a real IPFS peer, Helia from npm (tests/ipfs/package.json and
# the committed package-lock.json; docs/network.md).  `make ipfs-peer` runs npm ci there
# when node_modules is missing or older than the lock.  helia_test.sh checks the peer
# itself (Helia to Helia); the other tests/ipfs/*_test.sh run against each build's wasmos.
IPFS_PEER := tests/ipfs/node_modules/.wasmos-installed
$(IPFS_PEER): tests/ipfs/package-lock.json
	$(Q)cd tests/ipfs && npm ci --no-audit --no-fund --loglevel=error
	@touch $@
ipfs-peer: $(IPFS_PEER)
.PHONY: ipfs-peer
IPFS_TESTS := $(filter-out tests/ipfs/helia_test.sh,$(wildcard tests/ipfs/*_test.sh))
TEST_CMDS += tests/ipfs/helia_test.sh \
	$(foreach m,$(MODES),$(foreach t,$(IPFS_TESTS),"$(t) build/$(m)/wasmos"))
test: $(IPFS_PEER)
# tests/metal/boot_test.sh: boots build/metal/wasmos.elf in QEMU (metal/metal.mk), by
# -kernel and from the GRUB ISO under SeaBIOS; --uefi boots the ISO under OVMF;
# --uefi-app boots our own UEFI loader's image (metal/uefi) under OVMF.
TEST_CMDS += "tests/metal/boot_test.sh build/metal/wasmos.elf build/metal/wasmos.iso" \
	"tests/metal/boot_test.sh --uefi build/metal/wasmos.iso" \
	"tests/metal/boot_test.sh --uefi-app build/metal/wasmos-uefi.img"
test: build/metal/wasmos.elf build/metal/wasmos.iso build/metal/wasmos-uefi.img

# ---- fuzzing (not in CI) ---------------------------------------------------------------
# build/fuzz/fuzz_load, fuzz_run (tests/fuzz/targets.c) and fuzz_ipfs (tests/fuzz/ipfs.c:
# protobuf, CAR, dag-pb, UnixFS, CIDs) with engine/ and lib/, under libFuzzer, ASan and
# UBSan.  Each run starts from build/fuzz/corpus (tests/fuzz/seed.sh: the spec tests'
# .wasm files, tests/fuzz/regress and tests/fuzz/seeds), keeps what it finds in
# build/fuzz/corpus-NAME and writes a crashing input to build/fuzz/NAME-crash-*
# (see tests/fuzz/README.md).
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 600
FUZZ_FLAGS := -std=gnu11 -g -O1 -Iengine -Ilib -Inet -MMD -MP -fno-sanitize-recover=all
FUZZ_SAN := address,undefined
# load, run: the engine (targets.c); ipfs: lib/'s content formats (ipfs.c); http,
# bitswap, kad: net/'s parsers (net_targets.c); libp2p: the libp2p layer (libp2p.c:
# multistream, Noise, yamux, multiaddrs, peer ids, whole nodes), so the fuzz builds
# link every net/ file (FUZZ_NET_SRCS) and libsodium.
FUZZ_NAMES := load run ipfs http bitswap kad libp2p
FUZZ_NET_SRCS := $(NET_SRCS)
FUZZ_OBJS := $(patsubst %.c,build/fuzz/obj/%.o,$(filter engine/% lib/%,$(ENGINE_SRCS)) tests/fuzz/targets.c \
	tests/fuzz/ipfs.c tests/fuzz/net_targets.c tests/fuzz/libp2p.c $(FUZZ_NET_SRCS))
ALL_OBJS += $(FUZZ_OBJS) $(FUZZ_NAMES:%=build/fuzz/obj/tests/fuzz/fuzz_%.o)
.SECONDARY: $(FUZZ_OBJS) $(FUZZ_NAMES:%=build/fuzz/obj/tests/fuzz/fuzz_%.o)

build/fuzz/obj/%.o: %.c | $(SETUP)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link,$(FUZZ_SAN) $(CFLAGS) -c $< -o $@

build/fuzz/fuzz_%: build/fuzz/obj/tests/fuzz/fuzz_%.o $(FUZZ_OBJS)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(FUZZ_CC) -fsanitize=fuzzer,$(FUZZ_SAN) $^ $(LDLIBS) -o $@

fuzz-corpus: $(SPEC_JSON) | check-testsuite
	$(Q)sh tests/fuzz/seed.sh

fuzz: $(FUZZ_NAMES:%=fuzz-%)

$(FUZZ_NAMES:%=fuzz-%): fuzz-%: build/fuzz/fuzz_% fuzz-corpus
	@mkdir -p build/fuzz/corpus-$*
	$(Q)build/fuzz/fuzz_$* -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -timeout=10 \
		-rss_limit_mb=4096 -print_final_stats=1 -artifact_prefix=build/fuzz/$*- \
		build/fuzz/corpus-$* build/fuzz/corpus
.PHONY: fuzz fuzz-corpus $(FUZZ_NAMES:%=fuzz-%)

bench: all build/bench/ipc/ipc_bench build/bench/ipc/ping.wasm build/bench/ipc/pong.wasm
	$(Q)bash bench/run.sh
	$(Q)build/bench/ipc/ipc_bench build/bench/ipc/ping.wasm build/bench/ipc/pong.wasm \
		build/programs/hello.wasm build/release/wasmos
	$(Q)bash bench/metal_boot.sh
	$(Q)bash bench/ipfs_fetch.sh
# bench/ipfs_fetch.sh: fetching 1 and 16 MiB programs from a local Helia, beside Helia.
bench: $(IPFS_PEER)
# bench/metal_boot.sh: the metal kernel's boot time per boot path.
bench: build/metal/wasmos.elf build/metal/wasmos.iso build/metal/wasmos-uefi.img

# IPC: two import-only programs ping-pong through one kernel (bench/ipc/).
build/bench/ipc/%.wasm: bench/ipc/%.c bench/ipc/ipc_wasm.h build/gen/ifc_all.h | $(SETUP)
	@mkdir -p $(@D)
	$(Q)clang --target=wasm32 -O2 -nostdlib -fno-builtin -Wl,--no-entry -Ibuild/gen -Ibench/ipc \
		$< build/gen/ifc_kv.c build/gen/ifc_interface.c -o $@
build/bench/ipc/ipc_bench: bench/ipc/ipc_bench.c $(ENGINE_OBJS_release)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS_BASE) -O2 $^ $(LDLIBS) -o $@

run: build/release/wasmos programs
	$(Q)build/release/wasmos boot system/demo.sys

$(SETUP): tools/setup.sh
	@mkdir -p $(@D)
	$(Q)sh tools/setup.sh
	@touch $@

clean:
	rm -rf build

# ---- generated interface code (tools/ifgen) -------------------------------------------
# build/gen/ifc_all.h is written last and stands for everything ifgen writes.
# `make interfaces` prints each interface's name and id.
IFGEN := build/tools/ifgen
$(IFGEN): tools/ifgen.c lib/sha256.c lib/sha256.h | $(SETUP)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) -std=gnu11 -Wall -Wextra -Werror -Ilib -O1 -g $(filter %.c,$^) -o $@

build/gen/ifc_all.h: $(IFGEN) $(IFC_DEFS)
	@$(if $(Q),echo "  IFGEN   build/gen")
	$(Q)$(IFGEN) build/gen $(IFC_DEFS)
$(filter-out build/gen/ifc_all.h,$(IFC_SRCS) $(IFC_SRCS:.c=.h)) build/gen/ifc_wire.h: build/gen/ifc_all.h ;

build/gen/test/ifc_all.h: $(IFGEN) tools/ifgen-test.ifc
	@$(if $(Q),echo "  IFGEN   build/gen/test")
	$(Q)$(IFGEN) build/gen/test tools/ifgen-test.ifc
build/gen/test/ifc_ifgen_test.c build/gen/test/ifc_ifgen_test.h: build/gen/test/ifc_all.h ;

# tools/ifgen_test links the test interface's code too.
$(MODES:%=build/%/test/tools/ifgen_test): build/%/test/tools/ifgen_test: \
	build/%/obj/build/gen/test/ifc_ifgen_test.o
$(MODES:%=build/%/host/tools/ifgen_test.o): | build/gen/test/ifc_all.h
ALL_OBJS += $(MODES:%=build/%/obj/build/gen/test/ifc_ifgen_test.o)
# Every object may include a generated header: generate before compiling.
$(ALL_OBJS): | build/gen/ifc_all.h

interfaces: $(IFGEN)
	$(Q)$(IFGEN) --list $(IFC_DEFS)
.PHONY: interfaces

-include $(ALL_OBJS:.o=.d)
