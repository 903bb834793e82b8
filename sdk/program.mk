# sdk/program.mk: how wasmos programs are built (docs/programs.md).  GNU make;
# included by the top Makefile after IFC_SRCS (the generated interface code) is set.
#
#   programs/NAME/*.c           -> build/programs/NAME.wasm             one per folder
#   programs/wasi-tests/NAME.c  -> build/programs/wasi-tests/NAME.wasm  one per file
#
# `make programs` builds them all.  Each program links the SDK (sdk/*.c) and every
# generated interface file (build/gen/ifc_*.c); wasm-ld keeps only what the program
# uses, so a plain WASI program imports nothing from module `wasmos`.
# $(call wasmos_program,NAME,SOURCES) declares one more program, built from SOURCES
# into build/programs/NAME.wasm; a Makefile may use it for programs kept elsewhere.

WASM_CC ?= clang
WASM_CFLAGS := --target=wasm32-wasi -std=gnu11 -O2 -Wall -Wextra -Werror -Isdk -Ikernel -Ibuild/gen -MMD -MP
# --strip-debug: Debian's libc.a carries debug info that would triple the size of a
# program; the name section stays, so a trap's backtrace names the functions.
WASM_LDFLAGS := --target=wasm32-wasi -O2 -Wl,--strip-debug

PROG_OBJ := build/programs/obj
SDK_SRCS := $(filter-out %_test.c,$(wildcard sdk/*.c))
SDK_OBJS := $(patsubst %.c,$(PROG_OBJ)/%.o,$(SDK_SRCS) $(IFC_SRCS))
PROGRAMS :=
PROG_OBJS :=

$(PROG_OBJ)/%.o: %.c | build/gen/ifc_all.h
	@mkdir -p $(@D)
	@$(if $(Q),echo "  WASMCC  $@")
	$(Q)$(WASM_CC) $(WASM_CFLAGS) $(WASM_CFLAGS_EXTRA) -c $< -o $@

# $(1) the program's name (may contain a /), $(2) its C sources.
define wasmos_program
PROGRAMS += build/programs/$(1).wasm
PROG_OBJS += $(patsubst %.c,$(PROG_OBJ)/%.o,$(2))
build/programs/$(1).wasm: $(patsubst %.c,$(PROG_OBJ)/%.o,$(2)) $(SDK_OBJS)
	@mkdir -p $$(@D)
	@$$(if $$(Q),echo "  WASMLD  $$@")
	$$(Q)$$(WASM_CC) $$(WASM_LDFLAGS) $$^ -o $$@
endef

PROG_DIRS := $(filter-out wasi-tests,$(patsubst programs/%/,%,$(wildcard programs/*/)))
$(foreach d,$(PROG_DIRS),$(eval $(call wasmos_program,$(d),$(wildcard programs/$(d)/*.c))))
$(foreach f,$(wildcard programs/wasi-tests/*.c),\
	$(eval $(call wasmos_program,wasi-tests/$(basename $(notdir $(f))),$(f))))

programs: $(PROGRAMS)
.PHONY: programs

-include $(PROG_OBJS:.o=.d) $(SDK_OBJS:.o=.d)
