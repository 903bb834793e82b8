/* compile.c: validates one function body and compiles it to register-style code.
 *
 * One pass does both, following the validation algorithm of the spec's appendix:
 * an operand stack of types and a stack of control frames.  Alongside each operand
 * the compiler keeps where its value is: its "home" slot (nlocals + its slot height)
 * or, lazily, the slot of the local it was read from, so `local.get` emits nothing and
 * the next instruction reads the local directly.
 *
 * Invariants:
 *  - A lazy operand refers to a local that has not been written since it was pushed:
 *    local.set/tee materialize every lazy copy of their local first, and every block,
 *    loop and if materializes the whole stack on entry (so no lazy operand crosses a
 *    label).
 *  - At a label, carried values sit in the homes of the label's base height; branches
 *    copy them there.  Sources are never below their targets, so ascending copies are
 *    safe.
 *  - Code after an unconditional branch (unreachable) is validated but not emitted.
 */
#include "module.h"
#include "code.h"
#include "ops.h"
#include "defaults.h"

enum { CTRL_FUNC, CTRL_BLOCK, CTRL_LOOP, CTRL_IF, CTRL_ELSE };
#define T_UNKNOWN 0   /* the bottom type of unreachable code */
#define NO_FIXUP 0u

typedef struct opnd {
	uint8_t type;
	uint32_t home;
	uint32_t loc;
} opnd;

typedef struct ctrl {
	uint8_t kind;
	bool unreachable;         /* validation: the stack is polymorphic */
	bool dead;                /* emission: entered from unreachable code */
	uint32_t height;          /* operand count at entry, below the params */
	uint32_t slot_height;     /* slot height at the same point */
	const uint8_t *params, *results;
	uint32_t nparams, nresults;
	uint32_t loop_pc;         /* loops: where back-edges go */
	uint32_t fixups;          /* forward branches to patch at `end` (chain) */
	uint32_t else_fixup;      /* if: the branch taken when the condition is 0 */
} ctrl;

typedef struct compiler {
	eng_module *m;
	const eng_alloc *a;
	eng_error *err;
	const uint8_t *p, *end;
	const int32_t *optab;

	uint8_t *local_types;
	uint32_t *local_slot;
	uint32_t nlocals, nlocal_slots;

	opnd *stack;
	uint32_t sp, stack_cap;
	uint32_t slot_height, max_slot_height;

	ctrl *ctrls;
	uint32_t nctrl, ctrl_cap;

	uint32_t *code;
	uint32_t ncode, code_cap;
	/* Peephole trackers, valid only while the op they name is the last one
	 * emitted and no label lies after it (forget() clears them):
	 * last_dst: the dst word of an op that wrote the top operand's home;
	 * last_const: a CONST32/CONST64 (its length in words in last_const_len);
	 * last_cmp: a compare (plain or _IMM form, op number last_cmp_op). */
	uint32_t last_dst;
	uint32_t last_const, last_const_len;
	uint32_t last_cmp, last_cmp_len;
	int last_cmp_op;
	uint32_t last_load;       /* a plain load (op number last_load_op) */
	int last_load_op;
	bool oom;
	int status;
} compiler;

/* ---- errors ------------------------------------------------------------------- */

static int fail(compiler *c, int code, const char *msg)
{
	if (c->status == 0) {
		c->status = code;
		eng_error_set(c->err, code, (uint32_t)(c->p - c->m->bytes), "%s", msg);
	}
	return code;
}
#define MALFORMED(c, msg) fail(c, ENG_ERR_MALFORMED, msg)
#define INVALID(c, msg) fail(c, ENG_ERR_INVALID, msg)
#define CHECK(x) do { int rc_ = (x); if (rc_) return rc_; } while (0)

/* ---- reading ------------------------------------------------------------------ */

static int rd_byte(compiler *c, uint8_t *out)
{
	if (c->p >= c->end) return MALFORMED(c, "unexpected end");
	*out = *c->p++;
	return 0;
}

static int rd_u32(compiler *c, uint32_t *out)
{
	uint32_t v = 0;
	for (int shift = 0; shift < 35; shift += 7) {
		uint8_t b;
		CHECK(rd_byte(c, &b));
		if (shift == 28 && (b & 0x70)) {
			return MALFORMED(c, b & 0x80 ? "integer representation too long" : "integer too large");
		}
		v |= (uint32_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) { *out = v; return 0; }
	}
	return MALFORMED(c, "integer representation too long");
}

/* Signed LEB128 of `bits` bits (32, 33 or 64): the unused bits of the last
 * possible byte must repeat the sign bit. */
static int rd_sleb(compiler *c, int bits, int64_t *out)
{
	uint64_t v = 0;
	int shift = 0;
	int maxbytes = (bits + 6) / 7;
	for (int i = 0; i < maxbytes; i++) {
		uint8_t b;
		CHECK(rd_byte(c, &b));
		if (i == maxbytes - 1) {
			int used = bits - shift;
			uint8_t mask = (uint8_t)((0x7f >> (used - 1)) << (used - 1));
			if (b & 0x80) return MALFORMED(c, "integer representation too long");
			if ((b & mask) != 0 && (b & mask) != mask) return MALFORMED(c, "integer too large");
		}
		v |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
		if (!(b & 0x80)) {
			if (shift < 64 && (b & 0x40)) v |= ~0ull << shift;
			*out = (int64_t)v;
			return 0;
		}
	}
	return MALFORMED(c, "integer representation too long");
}

static int rd_s32(compiler *c, int32_t *out)
{
	int64_t v;
	CHECK(rd_sleb(c, 32, &v));
	*out = (int32_t)v;
	return 0;
}

static bool is_valtype(uint8_t t)
{
	return t == ENG_I32 || t == ENG_I64 || t == ENG_F32 || t == ENG_F64 || t == ENG_V128 ||
	       t == ENG_FUNCREF || t == ENG_EXTERNREF;
}
static bool is_ref(uint8_t t) { return t == ENG_FUNCREF || t == ENG_EXTERNREF; }
static bool is_num(uint8_t t) { return t == ENG_I32 || t == ENG_I64 || t == ENG_F32 || t == ENG_F64 || t == ENG_V128; }
static uint32_t slots_of(uint8_t t) { return t == ENG_V128 ? 2 : 1; }

/* ---- code emission ------------------------------------------------------------ */

static bool live(compiler *c)
{
	const ctrl *f = &c->ctrls[c->nctrl - 1];
	return !f->unreachable && !f->dead;
}

static uint32_t emit(compiler *c, uint32_t w)
{
	if (c->ncode == c->code_cap) {
		uint32_t ncap = c->code_cap ? c->code_cap * 2 : 64;
		uint32_t *n = eng_mem_realloc(c->a, c->code, c->code_cap * sizeof *n, ncap * sizeof *n);
		if (!n) { c->oom = true; return c->ncode; }
		c->code = n;
		c->code_cap = ncap;
	}
	c->code[c->ncode] = w;
	return c->ncode++;
}

static void forget(compiler *c)
{
	c->last_dst = c->last_const = c->last_cmp = c->last_load = UINT32_MAX;
}

static void emit_op(compiler *c, int op)
{
	forget(c);
	emit(c, c->optab ? (uint32_t)c->optab[op] : (uint32_t)op);
}

/* ---- operand stack ------------------------------------------------------------- */

static int push_typed(compiler *c, uint8_t type, uint32_t loc_or_home, bool lazy)
{
	if (c->sp == c->stack_cap) {
		if (c->stack_cap >= ENG_MAX_STACK_HEIGHT) return INVALID(c, "operand stack too deep");
		uint32_t ncap = c->stack_cap ? c->stack_cap * 2 : 32;
		opnd *n = eng_mem_realloc(c->a, c->stack, c->stack_cap * sizeof *n, ncap * sizeof *n);
		if (!n) return fail(c, ENG_ERR_NOMEM, "out of memory");
		c->stack = n;
		c->stack_cap = ncap;
	}
	opnd *o = &c->stack[c->sp++];
	o->type = type;
	o->home = c->nlocal_slots + c->slot_height;
	o->loc = lazy ? loc_or_home : o->home;
	c->slot_height += slots_of(type);
	if (c->slot_height > c->max_slot_height) c->max_slot_height = c->slot_height;
	return 0;
}

/* Pushes a value computed into its home; returns that home (the dst operand). */
static uint32_t push(compiler *c, uint8_t type)
{
	push_typed(c, type, 0, false);
	return c->sp ? c->stack[c->sp - 1].home : 0;
}

static int pop(compiler *c, opnd *out)
{
	ctrl *f = &c->ctrls[c->nctrl - 1];
	if (c->sp == f->height) {
		if (f->unreachable) {
			out->type = T_UNKNOWN;
			out->home = out->loc = c->nlocal_slots + c->slot_height;
			return 0;
		}
		return INVALID(c, "type mismatch");
	}
	*out = c->stack[--c->sp];
	c->slot_height -= slots_of(out->type);
	return 0;
}

static int pop_expect(compiler *c, uint8_t type, opnd *out)
{
	opnd tmp;
	if (!out) out = &tmp;
	CHECK(pop(c, out));
	if (out->type != type && out->type != T_UNKNOWN && type != T_UNKNOWN)
		return INVALID(c, "type mismatch");
	return 0;
}

static void materialize(compiler *c, opnd *o)
{
	if (o->loc == o->home) return;
	if (live(c)) {
		emit_op(c, o->type == ENG_I32 || o->type == ENG_F32 ? OP_COPY32 : OP_COPY);
		emit(c, o->home);
		emit(c, o->loc);
	}
	o->loc = o->home;
}

static void materialize_all(compiler *c)
{
	for (uint32_t i = 0; i < c->sp; i++) materialize(c, &c->stack[i]);
}

static void materialize_local(compiler *c, uint32_t slot)
{
	for (uint32_t i = 0; i < c->sp; i++)
		if (c->stack[i].loc == slot && c->stack[i].home != slot) materialize(c, &c->stack[i]);
}

/* ---- control frames ------------------------------------------------------------ */

static bool live_frame(const ctrl *f) { return !f->unreachable && !f->dead; }

static int push_ctrl(compiler *c, uint8_t kind, const uint8_t *params, uint32_t np,
		     const uint8_t *results, uint32_t nr)
{
	if (c->nctrl == c->ctrl_cap) {
		if (c->ctrl_cap >= ENG_MAX_BLOCK_DEPTH) return INVALID(c, "blocks nested too deeply");
		uint32_t ncap = c->ctrl_cap ? c->ctrl_cap * 2 : 16;
		ctrl *n = eng_mem_realloc(c->a, c->ctrls, c->ctrl_cap * sizeof *n, ncap * sizeof *n);
		if (!n) return fail(c, ENG_ERR_NOMEM, "out of memory");
		c->ctrls = n;
		c->ctrl_cap = ncap;
	}
	ctrl *f = &c->ctrls[c->nctrl++];
	f->kind = kind;
	f->unreachable = false;
	f->dead = c->nctrl > 1 ? !live_frame(&c->ctrls[c->nctrl - 2]) : false;
	f->height = c->sp;
	f->slot_height = c->slot_height;
	f->params = params;
	f->nparams = np;
	f->results = results;
	f->nresults = nr;
	f->loop_pc = c->ncode;
	f->fixups = NO_FIXUP;
	f->else_fixup = NO_FIXUP;
	return 0;
}

static void set_unreachable(compiler *c)
{
	ctrl *f = &c->ctrls[c->nctrl - 1];
	c->sp = f->height;
	c->slot_height = f->slot_height;
	f->unreachable = true;
}

/* The types a branch to f carries. */
static const uint8_t *label_types(const ctrl *f, uint32_t *n)
{
	if (f->kind == CTRL_LOOP) { *n = f->nparams; return f->params; }
	*n = f->nresults;
	return f->results;
}

/* Target home slot of the i-th value carried to label f. */
static uint32_t label_slot(compiler *c, const ctrl *f, uint32_t i)
{
	uint32_t n;
	const uint8_t *types = label_types(f, &n);
	uint32_t s = c->nlocal_slots + f->slot_height;
	for (uint32_t k = 0; k < i; k++) s += slots_of(types[k]);
	return s;
}

/* Checks that the top of the stack holds `types` (without popping). */
static int check_top(compiler *c, const uint8_t *types, uint32_t n)
{
	ctrl *f = &c->ctrls[c->nctrl - 1];
	for (uint32_t i = 0; i < n; i++) {
		uint32_t depth = n - 1 - i; /* distance from the top */
		if (c->sp - f->height <= depth) {
			if (f->unreachable) continue;
			return INVALID(c, "type mismatch");
		}
		uint8_t t = c->stack[c->sp - 1 - depth].type;
		if (t != types[i] && t != T_UNKNOWN) return INVALID(c, "type mismatch");
	}
	return 0;
}

/* Emits the copies that move the top n values to the label's slots. */
static void emit_label_copies(compiler *c, const ctrl *target, uint32_t n)
{
	if (!live(c)) return;
	for (uint32_t i = 0; i < n; i++) {
		opnd *o = &c->stack[c->sp - n + i];
		uint32_t dst = label_slot(c, target, i);
		if (o->loc == dst) continue;
		emit_op(c, o->type == ENG_I32 || o->type == ENG_F32 ? OP_COPY32 : OP_COPY);
		emit(c, dst);
		emit(c, o->loc);
	}
}

static bool label_needs_copies(compiler *c, const ctrl *target, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (c->stack[c->sp - n + i].loc != label_slot(c, target, i)) return true;
	return false;
}

/* Emits an offset word that jumps to label f (forward labels are patched at end). */
static void emit_target(compiler *c, ctrl *f)
{
	if (f->kind == CTRL_LOOP) {
		uint32_t at = c->ncode;
		emit(c, (uint32_t)((int32_t)f->loop_pc - (int32_t)at));
	} else {
		uint32_t at = emit(c, f->fixups);
		f->fixups = at + 1; /* chain entries are positions + 1; 0 ends the chain */
	}
}

static void patch_chain(compiler *c, uint32_t chain, uint32_t target)
{
	while (chain != NO_FIXUP && !c->oom) {
		uint32_t at = chain - 1;
		chain = c->code[at];
		c->code[at] = (uint32_t)((int32_t)target - (int32_t)at);
	}
}

/* The return sequence: results to slots 0.., then RETURN. */
static void emit_return(compiler *c)
{
	if (!live(c)) return;
	const ctrl *fn = &c->ctrls[0];
	uint32_t n = fn->nresults;
	/* A lazy result may sit in a slot that an earlier copy overwrites: move lazy
	 * results home first (homes are above every destination). */
	for (uint32_t i = 0; i < n; i++) materialize(c, &c->stack[c->sp - n + i]);
	/* One result just computed by the last op: let that op write slot 0 itself. */
	if (n == 1 && c->last_dst != UINT32_MAX) {
		opnd *o = &c->stack[c->sp - 1];
		if (o->loc == o->home && c->code[c->last_dst] == o->home) {
			c->code[c->last_dst] = 0;
			o->loc = 0;
		}
	}
	uint32_t dst = 0;
	for (uint32_t i = 0; i < n; i++) {
		opnd *o = &c->stack[c->sp - n + i];
		if (o->loc != dst) {
			emit_op(c, o->type == ENG_I32 || o->type == ENG_F32 ? OP_COPY32 : OP_COPY);
			emit(c, dst);
			emit(c, o->loc);
		}
		dst += slots_of(o->type);
	}
	emit_op(c, OP_RETURN);
}

/* An unconditional branch to depth d (values already type-checked). */
static void emit_br(compiler *c, uint32_t d)
{
	ctrl *f = &c->ctrls[c->nctrl - 1 - d];
	if (f->kind == CTRL_FUNC) { emit_return(c); return; }
	uint32_t n;
	label_types(f, &n);
	emit_label_copies(c, f, n);
	if (!live(c)) return;
	emit_op(c, OP_BR);
	emit_target(c, f);
}

/* ---- block types ---------------------------------------------------------------- */

static int read_blocktype(compiler *c, const uint8_t **params, uint32_t *np,
			  const uint8_t **results, uint32_t *nr)
{
	if (c->p >= c->end) return MALFORMED(c, "unexpected end");
	uint8_t b = *c->p;
	if (b == 0x40) { c->p++; *np = *nr = 0; *params = *results = NULL; return 0; }
	if (is_valtype(b)) {
		/* the result type is the byte itself, which lives as long as the module */
		*np = 0; *params = NULL;
		*nr = 1; *results = c->p++;
		return 0;
	}
	int64_t idx;
	CHECK(rd_sleb(c, 33, &idx));
	if (idx < 0) return MALFORMED(c, "malformed value type");
	if ((uint64_t)idx >= c->m->ntypes) return INVALID(c, "unknown type");
	const eng_functype *t = &c->m->types[idx];
	*params = t->params; *np = t->nparams;
	*results = t->results; *nr = t->nresults;
	return 0;
}

/* ---- instruction families ------------------------------------------------------ */

typedef struct numop { uint8_t op; uint8_t in, out; uint8_t kind; } numop;
enum { NUM_NONE, NUM_UNARY, NUM_BINARY };

/* Wasm type of each op's operand and result (derived from the opcode ranges). */
static void num_types(uint8_t code, uint8_t *in, uint8_t *out)
{
	/* comparisons */
	if (code == 0x45 || (code >= 0x46 && code <= 0x4f)) { *in = ENG_I32; *out = ENG_I32; return; }
	if (code >= 0x50 && code <= 0x5a) { *in = ENG_I64; *out = ENG_I32; return; }
	if (code >= 0x5b && code <= 0x60) { *in = ENG_F32; *out = ENG_I32; return; }
	if (code >= 0x61 && code <= 0x66) { *in = ENG_F64; *out = ENG_I32; return; }
	if (code >= 0x67 && code <= 0x78) { *in = *out = ENG_I32; return; }
	if (code >= 0x79 && code <= 0x8a) { *in = *out = ENG_I64; return; }
	if (code >= 0x8b && code <= 0x98) { *in = *out = ENG_F32; return; }
	if (code >= 0x99 && code <= 0xa6) { *in = *out = ENG_F64; return; }
	switch (code) {
	case 0xa7: *in = ENG_I64; *out = ENG_I32; return;
	case 0xa8: case 0xa9: *in = ENG_F32; *out = ENG_I32; return;
	case 0xaa: case 0xab: *in = ENG_F64; *out = ENG_I32; return;
	case 0xac: case 0xad: *in = ENG_I32; *out = ENG_I64; return;
	case 0xae: case 0xaf: *in = ENG_F32; *out = ENG_I64; return;
	case 0xb0: case 0xb1: *in = ENG_F64; *out = ENG_I64; return;
	case 0xb2: case 0xb3: *in = ENG_I32; *out = ENG_F32; return;
	case 0xb4: case 0xb5: *in = ENG_I64; *out = ENG_F32; return;
	case 0xb6: *in = ENG_F64; *out = ENG_F32; return;
	case 0xb7: case 0xb8: *in = ENG_I32; *out = ENG_F64; return;
	case 0xb9: case 0xba: *in = ENG_I64; *out = ENG_F64; return;
	case 0xbb: *in = ENG_F32; *out = ENG_F64; return;
	case 0xbc: *in = ENG_F32; *out = ENG_I32; return;
	case 0xbd: *in = ENG_F64; *out = ENG_I64; return;
	case 0xbe: *in = ENG_I32; *out = ENG_F32; return;
	case 0xbf: *in = ENG_I64; *out = ENG_F64; return;
	case 0xc0: case 0xc1: *in = *out = ENG_I32; return;
	case 0xc2: case 0xc3: case 0xc4: *in = *out = ENG_I64; return;
	}
	*in = *out = 0;
}

/* Maps a one-byte opcode to (internal op, arity) for the table-driven families. */
static bool lookup_numeric(uint8_t code, int *op, int *arity)
{
	switch (code) {
#define X_BIN(wc, name, ...) case wc: *op = OP_##name; *arity = 2; return true;
#define X_UN(wc, name, ...) case wc: *op = OP_##name; *arity = 1; return true;
	ENG_BINARY_OPS(X_BIN)
	ENG_DIV_OPS(X_BIN)
	ENG_UNARY_OPS(X_UN)
	ENG_TRUNC_OPS(X_UN)
#undef X_BIN
#undef X_UN
	}
	return false;
}

static bool is_fusable_cmp(int op)
{
	switch (op) {
#define X_CMP(name, ...) case OP_##name:
	ENG_CMP_BRANCH_OPS(X_CMP)
#undef X_CMP
	case OP_I32_EQZ:
		return true;
	}
	return false;
}

/* The fused "op with a loaded operand" for binary op and load op, or -1. */
static int load_binary_op(int op, int load_op)
{
	switch (op) {
#define X_LB(bop, name, lop, ...) \
	case OP_##bop: return load_op == OP_##lop ? OP_##name : -1;
	ENG_LOAD_BINARY_OPS(X_LB)
#undef X_LB
	}
	return -1;
}

static int compile_numeric(compiler *c, uint8_t code, int op, int arity)
{
	uint8_t in, out;
	num_types(code, &in, &out);
	opnd a, b;
	if (arity == 2) {
		CHECK(pop_expect(c, in, &b));
		CHECK(pop_expect(c, in, &a));
	} else {
		CHECK(pop_expect(c, in, &a));
	}
	bool was_live = live(c);
	uint32_t dst = push(c, out);
	if (!was_live) return 0;
	uint32_t l = c->last_load;
	int lop = arity == 2 && l != UINT32_MAX ? load_binary_op(op, c->last_load_op) : -1;
	if (lop >= 0 && b.loc == b.home && l + 4 == c->ncode && c->code[l + 1] == b.home) {
		/* b is what the load just emitted read: one op does both */
		uint32_t addr = c->code[l + 2], offset = c->code[l + 3];
		c->ncode = l;
		emit_op(c, lop);
		uint32_t at = emit(c, dst);
		emit(c, a.loc);
		emit(c, addr);
		emit(c, offset);
		c->last_dst = at;
		return 0;
	}
	uint32_t k = c->last_const;
	if (arity == 2 && op < ENG_NUM_BINARY && k != UINT32_MAX && b.loc == b.home &&
	    k + c->last_const_len == c->ncode && c->code[k + 1] == b.home) {
		/* b is the constant just emitted: take it inline instead */
		/* a 32-bit constant is 3 words, so it may end the array: no code[k + 3] */
		uint32_t len = c->last_const_len, lo = c->code[k + 2], hi = len == 4 ? c->code[k + 3] : 0;
		c->ncode = k;
		emit_op(c, op + ENG_NUM_BINARY);
		uint32_t at = emit(c, dst);
		emit(c, a.loc);
		emit(c, lo);
		if (len == 4) emit(c, hi);
		c->last_dst = at;
		if (is_fusable_cmp(op)) {
			c->last_cmp = k;
			c->last_cmp_len = c->ncode - k;
			c->last_cmp_op = op + ENG_NUM_BINARY;
		}
		return 0;
	}
	uint32_t start = c->ncode;
	emit_op(c, op);
	uint32_t at = emit(c, dst);
	emit(c, a.loc);
	if (arity == 2) emit(c, b.loc);
	c->last_dst = at;
	if (is_fusable_cmp(op)) {
		c->last_cmp = start;
		c->last_cmp_len = c->ncode - start;
		c->last_cmp_op = op;
	}
	return 0;
}

/* The fused branch for compare op (plain or _IMM), or its inverse. */
static int cmp_branch_op(int op, bool inverse)
{
	bool imm = op >= ENG_NUM_BINARY && op < 2 * ENG_NUM_BINARY;
	int plain = imm ? op - ENG_NUM_BINARY : op;
	switch (plain) {
#define X_CMP(name, t, cop, inv)                                                       \
	case OP_##name:                                                                \
		if (inverse) return imm ? OP_BR_IF_##inv##_IMM : OP_BR_IF_##inv;       \
		return imm ? OP_BR_IF_##name##_IMM : OP_BR_IF_##name;
	ENG_CMP_BRANCH_OPS(X_CMP)
#undef X_CMP
	}
	return -1;
}

/* Emits "branch if cond" (or "unless", when inverse) to label f, fusing the
 * compare that just computed cond when there is one. */
static void emit_cond_branch(compiler *c, const opnd *cond, bool inverse, ctrl *f, bool to_else)
{
	uint32_t k = c->last_cmp;
	if (k != UINT32_MAX && cond->loc == cond->home && k + c->last_cmp_len == c->ncode &&
	    c->code[k + 1] == cond->home) {
		int cop = c->last_cmp_op;
		uint32_t w[4];
		uint32_t nw = c->last_cmp_len - 2; /* operands after op and dst */
		for (uint32_t i = 0; i < nw; i++) w[i] = c->code[k + 2 + i];
		c->ncode = k;
		if (cop == OP_I32_EQZ) {
			emit_op(c, inverse ? OP_BR_IF : OP_BR_UNLESS);
			emit(c, w[0]);
		} else {
			emit_op(c, cmp_branch_op(cop, inverse));
			for (uint32_t i = 0; i < nw; i++) emit(c, w[i]);
		}
	} else {
		emit_op(c, inverse ? OP_BR_UNLESS : OP_BR_IF);
		emit(c, cond->loc);
	}
	if (to_else) {
		uint32_t at = emit(c, NO_FIXUP);
		f->else_fixup = at + 1;
	} else {
		emit_target(c, f);
	}
}

/* Reinterpretations are copies: the slot holds the bits already. */
static int compile_reinterpret(compiler *c, uint8_t code)
{
	uint8_t in, out;
	num_types(code, &in, &out);
	opnd a;
	CHECK(pop_expect(c, in, &a));
	if (live(c) && a.loc != a.home) {
		/* keep it lazy: same bits, new type */
		return push_typed(c, out, a.loc, true);
	}
	return push_typed(c, out, 0, false);
}

static int read_memarg(compiler *c, uint32_t natural_log2, uint32_t *offset)
{
	uint32_t align;
	CHECK(rd_u32(c, &align));
	CHECK(rd_u32(c, offset));
	if (c->m->nmems == 0) return INVALID(c, "unknown memory 0");
	if (align > natural_log2) return INVALID(c, "alignment must not be larger than natural");
	return 0;
}

static uint32_t log2_bytes(uint32_t n) { return n == 8 ? 3 : n == 4 ? 2 : n == 2 ? 1 : 0; }

static int compile_load(compiler *c, int op, uint8_t type, uint32_t bytes)
{
	uint32_t offset;
	CHECK(read_memarg(c, log2_bytes(bytes), &offset));
	opnd addr;
	CHECK(pop_expect(c, ENG_I32, &addr));
	bool was_live = live(c);
	uint32_t dst = push(c, type);
	if (was_live) {
		uint32_t start = c->ncode;
		emit_op(c, op);
		uint32_t at = emit(c, dst);
		emit(c, addr.loc);
		emit(c, offset);
		c->last_dst = at;
		c->last_load = start;
		c->last_load_op = op;
	}
	return 0;
}

static int compile_store(compiler *c, int op, uint8_t type, uint32_t bytes)
{
	uint32_t offset;
	CHECK(read_memarg(c, log2_bytes(bytes), &offset));
	opnd addr, val;
	CHECK(pop_expect(c, type, &val));
	CHECK(pop_expect(c, ENG_I32, &addr));
	if (live(c)) {
		emit_op(c, op);
		emit(c, addr.loc);
		emit(c, val.loc);
		emit(c, offset);
	}
	return 0;
}

static uint8_t load_type(uint8_t code)
{
	switch (code) {
	case 0x29: case 0x30: case 0x31: case 0x32: case 0x33: case 0x34: case 0x35: return ENG_I64;
	case 0x2a: return ENG_F32;
	case 0x2b: return ENG_F64;
	default: return ENG_I32;
	}
}
static uint8_t store_type(uint8_t code)
{
	switch (code) {
	case 0x37: case 0x3c: case 0x3d: case 0x3e: return ENG_I64;
	case 0x38: return ENG_F32;
	case 0x39: return ENG_F64;
	default: return ENG_I32;
	}
}

/* ---- locals, globals, references, tables --------------------------------------- */

static int local_index(compiler *c, uint32_t *idx)
{
	CHECK(rd_u32(c, idx));
	if (*idx >= c->nlocals) return INVALID(c, "unknown local");
	return 0;
}

static int compile_local_set(compiler *c, bool tee)
{
	uint32_t x;
	CHECK(local_index(c, &x));
	uint8_t t = c->local_types[x];
	uint32_t slot = c->local_slot[x];
	uint32_t last = c->last_dst;
	opnd v;
	CHECK(pop_expect(c, t, &v));
	if (live(c)) {
		uint32_t before = c->ncode;
		materialize_local(c, slot);
		/* Retarget the op that just computed v into the local: no copy needed. */
		if (c->ncode == before && last != UINT32_MAX && v.loc == v.home &&
		    c->code[last] == v.home) {
			c->code[last] = slot;
			forget(c);
		} else if (v.loc != slot) {
			emit_op(c, t == ENG_I32 || t == ENG_F32 ? OP_COPY32 : OP_COPY);
			emit(c, slot);
			emit(c, v.loc);
		}
	}
	if (tee) return push_typed(c, t, slot, true);
	return 0;
}

static int global_index(compiler *c, uint32_t *idx)
{
	CHECK(rd_u32(c, idx));
	if (*idx >= c->m->nglobals) return INVALID(c, "unknown global");
	return 0;
}

static int table_index(compiler *c, uint32_t *idx)
{
	CHECK(rd_u32(c, idx));
	if (*idx >= c->m->ntables) return INVALID(c, "unknown table");
	return 0;
}

static int elem_index(compiler *c, uint32_t *idx)
{
	CHECK(rd_u32(c, idx));
	if (*idx >= c->m->nelems) return INVALID(c, "unknown elem segment");
	return 0;
}

static int data_index(compiler *c, uint32_t *idx)
{
	CHECK(rd_u32(c, idx));
	/* without a data count section, judge the index by the data section (decoded
	 * before code is compiled), then insist on the section, as the spec's decoder */
	uint32_t n = c->m->has_datacount ? c->m->datacount : c->m->ndatas;
	if (*idx >= n) return INVALID(c, "unknown data segment");
	if (!c->m->has_datacount) return MALFORMED(c, "data count section required");
	return 0;
}

static int read_zero(compiler *c)
{
	uint8_t b;
	CHECK(rd_byte(c, &b));
	if (b != 0) return MALFORMED(c, "zero byte expected");
	return 0;
}

/* Emits op with the given word operands (only when live). */
static void emitv(compiler *c, int op, uint32_t n, const uint32_t *w)
{
	if (!live(c)) return;
	emit_op(c, op);
	for (uint32_t i = 0; i < n; i++) emit(c, w[i]);
}

/* ---- calls ----------------------------------------------------------------------- */

static int compile_call_common(compiler *c, const eng_functype *t, int op, const uint32_t *pre,
			       uint32_t npre, opnd *elem)
{
	/* arguments, top first */
	for (uint32_t i = t->nparams; i-- > 0;) {
		opnd o;
		CHECK(pop_expect(c, t->params[i], &o));
	}
	bool was_live = live(c);
	uint32_t base = c->nlocal_slots + c->slot_height;
	if (was_live) {
		/* the arguments must sit in their homes: the callee's frame starts there */
		for (uint32_t i = 0; i < t->nparams; i++) materialize(c, &c->stack[c->sp + i]);
		emit_op(c, op);
		for (uint32_t i = 0; i < npre; i++) emit(c, pre[i]);
		if (elem) emit(c, elem->loc);
		emit(c, base);
	}
	/* the callee's frame may extend past ours: counted at run time, not here */
	uint32_t res_slots = 0;
	for (uint32_t i = 0; i < t->nresults; i++) {
		CHECK(push_typed(c, t->results[i], 0, false));
		res_slots += slots_of(t->results[i]);
	}
	(void)res_slots;
	return 0;
}

/* ---- the main loop ---------------------------------------------------------------- */

static int compile_end(compiler *c)
{
	ctrl *f = &c->ctrls[c->nctrl - 1];
	CHECK(check_top(c, f->results, f->nresults));
	if (c->sp - f->height != f->nresults && !(f->unreachable && c->sp - f->height < f->nresults))
		return INVALID(c, "type mismatch");
	if (f->kind == CTRL_FUNC) {
		if (live(c)) emit_return(c);
		c->nctrl--;
		return 0;
	}
	if (f->kind == CTRL_IF && f->nparams != f->nresults)
		return INVALID(c, "type mismatch");
	if (f->kind == CTRL_IF) {
		for (uint32_t i = 0; i < f->nparams; i++)
			if (f->params[i] != f->results[i]) return INVALID(c, "type mismatch");
	}
	/* fallthrough: results to the label's slots */
	if (live(c)) {
		if (f->kind == CTRL_LOOP) {
			/* a loop's end carries its results, not its params: targets are the
			 * same base homes */
			for (uint32_t i = 0; i < f->nresults; i++) {
				opnd *o = &c->stack[c->sp - f->nresults + i];
				materialize(c, o);
			}
		} else {
			emit_label_copies(c, f, f->nresults);
		}
	}
	uint32_t here = c->ncode;
	if (f->kind != CTRL_LOOP) patch_chain(c, f->fixups, here);
	if (f->else_fixup != NO_FIXUP) patch_chain(c, f->else_fixup, here);
	/* results now live in the base homes */
	c->sp = f->height;
	c->slot_height = f->slot_height;
	const uint8_t *res = f->results;
	uint32_t nr = f->nresults;
	c->nctrl--;
	forget(c);
	for (uint32_t i = 0; i < nr; i++) CHECK(push_typed(c, res[i], 0, false));
	return 0;
}

static int compile_block_start(compiler *c, uint8_t kind)
{
	const uint8_t *params, *results;
	uint32_t np, nr;
	CHECK(read_blocktype(c, &params, &np, &results, &nr));
	opnd cond;
	if (kind == CTRL_IF) CHECK(pop_expect(c, ENG_I32, &cond));
	CHECK(check_top(c, params, np));
	/* no lazy operand crosses a label; the params then sit in their homes */
	materialize_all(c);
	for (uint32_t i = np; i-- > 0;) CHECK(pop_expect(c, params[i], NULL));
	bool was_live = live(c);
	CHECK(push_ctrl(c, kind, params, np, results, nr));
	for (uint32_t i = 0; i < np; i++) CHECK(push_typed(c, params[i], 0, false));
	ctrl *f = &c->ctrls[c->nctrl - 1];
	/* a loop's head is a label: no peephole may reach across it */
	if (kind == CTRL_LOOP) f->loop_pc = c->ncode;
	if (kind == CTRL_IF && was_live) emit_cond_branch(c, &cond, true, f, true);
	forget(c);
	return 0;
}

static int compile_else(compiler *c)
{
	ctrl *f = &c->ctrls[c->nctrl - 1];
	if (f->kind != CTRL_IF) return INVALID(c, "else without if");
	CHECK(check_top(c, f->results, f->nresults));
	if (c->sp - f->height != f->nresults && !(f->unreachable && c->sp - f->height < f->nresults))
		return INVALID(c, "type mismatch");
	if (live(c)) {
		emit_label_copies(c, f, f->nresults);
		emit_op(c, OP_BR);
		emit_target(c, f);
	}
	uint32_t chain = f->else_fixup;
	f->else_fixup = NO_FIXUP;
	patch_chain(c, chain, c->ncode);
	f->kind = CTRL_ELSE;
	c->sp = f->height;
	c->slot_height = f->slot_height;
	f->unreachable = false;
	for (uint32_t i = 0; i < f->nparams; i++) CHECK(push_typed(c, f->params[i], 0, false));
	forget(c);
	return 0;
}

static int label_depth(compiler *c, uint32_t *d)
{
	CHECK(rd_u32(c, d));
	if (*d >= c->nctrl) return INVALID(c, "unknown label");
	return 0;
}

static int compile_br_if(compiler *c)
{
	uint32_t d;
	CHECK(label_depth(c, &d));
	opnd cond;
	CHECK(pop_expect(c, ENG_I32, &cond));
	ctrl *f = &c->ctrls[c->nctrl - 1 - d];
	uint32_t n;
	const uint8_t *types = label_types(f, &n);
	CHECK(check_top(c, types, n));
	if (c->sp - c->ctrls[c->nctrl - 1].height < n) {
		/* unreachable, short stack: pop-then-push the label types (spec) */
		for (uint32_t i = n; i-- > 0;) CHECK(pop_expect(c, types[i], NULL));
		for (uint32_t i = 0; i < n; i++) CHECK(push_typed(c, types[i], 0, false));
		return 0;
	}
	if (!live(c)) {
		/* the values keep their types as the label's (they may be unknown) */
		for (uint32_t i = 0; i < n; i++) c->stack[c->sp - n + i].type = types[i];
		return 0;
	}
	if (f->kind != CTRL_FUNC && !label_needs_copies(c, f, n)) {
		emit_cond_branch(c, &cond, false, f, false);
	} else {
		emit_op(c, OP_BR_UNLESS);
		emit(c, cond.loc);
		uint32_t skip = emit(c, 0);
		emit_br(c, d);
		if (!c->oom) /* else skip may be past the array, or the array NULL */
			c->code[skip] = c->ncode - skip;
	}
	for (uint32_t i = 0; i < n; i++) c->stack[c->sp - n + i].type = types[i];
	forget(c);
	return 0;
}

static int compile_br_table(compiler *c)
{
	uint32_t n;
	CHECK(rd_u32(c, &n));
	if (n > (uint32_t)(c->end - c->p)) return MALFORMED(c, "unexpected end");
	uint32_t *depths = eng_mem_alloc(c->a, (size_t)(n + 1) * sizeof *depths);
	if (!depths) return fail(c, ENG_ERR_NOMEM, "out of memory");
	int rc = 0;
	for (uint32_t i = 0; i <= n && !rc; i++) rc = label_depth(c, &depths[i]);
	opnd idx;
	if (!rc) rc = pop_expect(c, ENG_I32, &idx);
	if (rc) goto out_free;
	/* every label must accept the stack's top values; all arities equal */
	uint32_t arity;
	label_types(&c->ctrls[c->nctrl - 1 - depths[n]], &arity);
	for (uint32_t i = 0; i <= n && !rc; i++) {
		uint32_t ni;
		const uint8_t *types = label_types(&c->ctrls[c->nctrl - 1 - depths[i]], &ni);
		if (ni != arity) { rc = INVALID(c, "type mismatch"); break; }
		rc = check_top(c, types, ni);
	}
	if (rc) goto out_free;
	if (live(c)) {
		emit_op(c, OP_BR_TABLE);
		emit(c, idx.loc);
		emit(c, n);
		uint32_t table = c->ncode;
		for (uint32_t i = 0; i <= n; i++) emit(c, 0);
		for (uint32_t i = 0; i <= n && !c->oom; i++) {
			ctrl *f = &c->ctrls[c->nctrl - 1 - depths[i]];
			if (f->kind != CTRL_FUNC && !label_needs_copies(c, f, arity)) {
				if (f->kind == CTRL_LOOP) {
					c->code[table + i] = (uint32_t)((int32_t)f->loop_pc - (int32_t)(table + i));
				} else {
					c->code[table + i] = f->fixups;
					f->fixups = table + i + 1;
				}
			} else {
				/* a stub that moves the values, then branches */
				c->code[table + i] = c->ncode - (table + i);
				emit_br(c, depths[i]);
			}
		}
	}
	set_unreachable(c);
out_free:
	eng_mem_free(c->a, depths, (size_t)(n + 1) * sizeof *depths);
	return rc;
}

static int compile_select(compiler *c, bool typed)
{
	uint8_t want = T_UNKNOWN;
	if (typed) {
		uint32_t n;
		CHECK(rd_u32(c, &n));
		if (n != 1) return INVALID(c, "invalid result arity");
		CHECK(rd_byte(c, &want));
		if (!is_valtype(want)) return MALFORMED(c, "malformed value type");
	}
	opnd cond, a, b;
	CHECK(pop_expect(c, ENG_I32, &cond));
	CHECK(pop(c, &b));
	CHECK(pop(c, &a));
	uint8_t t;
	if (typed) {
		if ((a.type != want && a.type != T_UNKNOWN) || (b.type != want && b.type != T_UNKNOWN))
			return INVALID(c, "type mismatch");
		t = want;
	} else {
		if ((a.type != T_UNKNOWN && !is_num(a.type)) || (b.type != T_UNKNOWN && !is_num(b.type)))
			return INVALID(c, "type mismatch");
		if (a.type != b.type && a.type != T_UNKNOWN && b.type != T_UNKNOWN)
			return INVALID(c, "type mismatch");
		t = a.type == T_UNKNOWN ? b.type : a.type;
	}
	bool was_live = live(c);
	uint32_t dst = push(c, t);
	if (was_live) {
		emit_op(c, OP_SELECT);
		uint32_t at = emit(c, dst);
		emit(c, a.loc);
		emit(c, b.loc);
		emit(c, cond.loc);
		c->last_dst = at;
	}
	return 0;
}

static int compile_prefixed(compiler *c)
{
	uint32_t sub;
	CHECK(rd_u32(c, &sub));
	eng_module *m = c->m;
	if (sub <= 7) {
		static const int sat_ops[8] = {
#define X_SAT(n, name, ...) OP_##name,
			ENG_SAT_OPS(X_SAT)
#undef X_SAT
		};
		static const uint8_t sat_in[8] = { ENG_F32, ENG_F32, ENG_F64, ENG_F64, ENG_F32, ENG_F32, ENG_F64, ENG_F64 };
		uint8_t out = sub < 4 ? ENG_I32 : ENG_I64;
		opnd a;
		CHECK(pop_expect(c, sat_in[sub], &a));
		bool was_live = live(c);
		uint32_t dst = push(c, out);
		if (was_live) {
			emit_op(c, sat_ops[sub]);
			uint32_t at = emit(c, dst);
			emit(c, a.loc);
			c->last_dst = at;
		}
		return 0;
	}
	opnd x, y, z;
	uint32_t i, j;
	switch (sub) {
	case 8: /* memory.init */
		if (m->nmems == 0) return INVALID(c, "unknown memory 0");
		CHECK(data_index(c, &i));
		CHECK(read_zero(c));
		CHECK(pop_expect(c, ENG_I32, &z));
		CHECK(pop_expect(c, ENG_I32, &y));
		CHECK(pop_expect(c, ENG_I32, &x));
		emitv(c, OP_MEMORY_INIT, 4, (uint32_t[]){ i, x.loc, y.loc, z.loc });
		return 0;
	case 9: /* data.drop */
		CHECK(data_index(c, &i));
		emitv(c, OP_DATA_DROP, 1, &i);
		return 0;
	case 10: /* memory.copy */
		CHECK(read_zero(c));
		CHECK(read_zero(c));
		if (m->nmems == 0) return INVALID(c, "unknown memory 0");
		CHECK(pop_expect(c, ENG_I32, &z));
		CHECK(pop_expect(c, ENG_I32, &y));
		CHECK(pop_expect(c, ENG_I32, &x));
		emitv(c, OP_MEMORY_COPY, 3, (uint32_t[]){ x.loc, y.loc, z.loc });
		return 0;
	case 11: /* memory.fill */
		CHECK(read_zero(c));
		if (m->nmems == 0) return INVALID(c, "unknown memory 0");
		CHECK(pop_expect(c, ENG_I32, &z));
		CHECK(pop_expect(c, ENG_I32, &y));
		CHECK(pop_expect(c, ENG_I32, &x));
		emitv(c, OP_MEMORY_FILL, 3, (uint32_t[]){ x.loc, y.loc, z.loc });
		return 0;
	case 12: /* table.init elem table */
		CHECK(elem_index(c, &i));
		CHECK(table_index(c, &j));
		if (m->elems[i].elem_type != m->tables[j].elem_type) return INVALID(c, "type mismatch");
		CHECK(pop_expect(c, ENG_I32, &z));
		CHECK(pop_expect(c, ENG_I32, &y));
		CHECK(pop_expect(c, ENG_I32, &x));
		emitv(c, OP_TABLE_INIT, 5, (uint32_t[]){ x.loc, y.loc, z.loc, j, i });
		return 0;
	case 13: /* elem.drop */
		CHECK(elem_index(c, &i));
		emitv(c, OP_ELEM_DROP, 1, &i);
		return 0;
	case 14: /* table.copy dst src */
		CHECK(table_index(c, &i));
		CHECK(table_index(c, &j));
		if (m->tables[i].elem_type != m->tables[j].elem_type) return INVALID(c, "type mismatch");
		CHECK(pop_expect(c, ENG_I32, &z));
		CHECK(pop_expect(c, ENG_I32, &y));
		CHECK(pop_expect(c, ENG_I32, &x));
		emitv(c, OP_TABLE_COPY, 5, (uint32_t[]){ x.loc, y.loc, z.loc, i, j });
		return 0;
	case 15: { /* table.grow */
		CHECK(table_index(c, &i));
		CHECK(pop_expect(c, ENG_I32, &y));
		CHECK(pop_expect(c, m->tables[i].elem_type, &x));
		bool was_live = live(c);
		uint32_t dst = push(c, ENG_I32);
		if (was_live) emitv(c, OP_TABLE_GROW, 4, (uint32_t[]){ dst, x.loc, y.loc, i });
		return 0;
	}
	case 16: { /* table.size */
		CHECK(table_index(c, &i));
		bool was_live = live(c);
		uint32_t dst = push(c, ENG_I32);
		if (was_live) emitv(c, OP_TABLE_SIZE, 2, (uint32_t[]){ dst, i });
		return 0;
	}
	case 17: /* table.fill */
		CHECK(table_index(c, &i));
		CHECK(pop_expect(c, ENG_I32, &z));
		CHECK(pop_expect(c, m->tables[i].elem_type, &y));
		CHECK(pop_expect(c, ENG_I32, &x));
		emitv(c, OP_TABLE_FILL, 4, (uint32_t[]){ x.loc, y.loc, z.loc, i });
		return 0;
	}
	return MALFORMED(c, "illegal opcode");
}

static int compile_instr(compiler *c, uint8_t code)
{
	eng_module *m = c->m;
	int op, arity;
	if (lookup_numeric(code, &op, &arity)) return compile_numeric(c, code, op, arity);
	if (code >= 0xbc && code <= 0xbf) return compile_reinterpret(c, code);
	switch (code) {
	case 0x00: /* unreachable */
		emitv(c, OP_UNREACHABLE, 0, NULL);
		set_unreachable(c);
		return 0;
	case 0x01: /* nop */
		return 0;
	case 0x02: return compile_block_start(c, CTRL_BLOCK);
	case 0x03: return compile_block_start(c, CTRL_LOOP);
	case 0x04: return compile_block_start(c, CTRL_IF);
	case 0x05: return compile_else(c);
	case 0x0b: return compile_end(c);
	case 0x0c: { /* br */
		uint32_t d;
		CHECK(label_depth(c, &d));
		uint32_t n;
		const uint8_t *types = label_types(&c->ctrls[c->nctrl - 1 - d], &n);
		CHECK(check_top(c, types, n));
		emit_br(c, d);
		set_unreachable(c);
		return 0;
	}
	case 0x0d: return compile_br_if(c);
	case 0x0e: return compile_br_table(c);
	case 0x0f: { /* return */
		const ctrl *fn = &c->ctrls[0];
		CHECK(check_top(c, fn->results, fn->nresults));
		emit_return(c);
		set_unreachable(c);
		return 0;
	}
	case 0x10: { /* call */
		uint32_t f;
		CHECK(rd_u32(c, &f));
		if (f >= m->nfuncs) return INVALID(c, "unknown function");
		return compile_call_common(c, &m->types[m->funcs[f].type], OP_CALL, &f, 1, NULL);
	}
	case 0x11: { /* call_indirect */
		uint32_t ti, tab;
		CHECK(rd_u32(c, &ti));
		CHECK(rd_u32(c, &tab));
		if (tab >= m->ntables) return INVALID(c, "unknown table");
		if (ti >= m->ntypes) return INVALID(c, "unknown type");
		if (m->tables[tab].elem_type != ENG_FUNCREF) return INVALID(c, "type mismatch");
		opnd elem;
		CHECK(pop_expect(c, ENG_I32, &elem));
		uint32_t pre[2] = { ti, tab };
		return compile_call_common(c, &m->types[ti], OP_CALL_INDIRECT, pre, 2, &elem);
	}
	case 0x1a: { /* drop */
		opnd o;
		return pop(c, &o);
	}
	case 0x1b: return compile_select(c, false);
	case 0x1c: return compile_select(c, true);
	case 0x20: { /* local.get */
		uint32_t x;
		CHECK(local_index(c, &x));
		return push_typed(c, c->local_types[x], c->local_slot[x], true);
	}
	case 0x21: return compile_local_set(c, false);
	case 0x22: return compile_local_set(c, true);
	case 0x23: { /* global.get */
		uint32_t g;
		CHECK(global_index(c, &g));
		bool was_live = live(c);
		uint32_t dst = push(c, m->globals[g].type);
		if (was_live) {
			emitv(c, OP_GLOBAL_GET, 2, (uint32_t[]){ dst, g });
			c->last_dst = c->ncode - 2;
		}
		return 0;
	}
	case 0x24: { /* global.set */
		uint32_t g;
		CHECK(global_index(c, &g));
		if (!m->globals[g].mutable_) return INVALID(c, "global is immutable");
		opnd v;
		CHECK(pop_expect(c, m->globals[g].type, &v));
		emitv(c, OP_GLOBAL_SET, 2, (uint32_t[]){ v.loc, g });
		return 0;
	}
	case 0x25: { /* table.get */
		uint32_t t;
		CHECK(table_index(c, &t));
		opnd i;
		CHECK(pop_expect(c, ENG_I32, &i));
		bool was_live = live(c);
		uint32_t dst = push(c, m->tables[t].elem_type);
		if (was_live) emitv(c, OP_TABLE_GET, 3, (uint32_t[]){ dst, i.loc, t });
		return 0;
	}
	case 0x26: { /* table.set */
		uint32_t t;
		CHECK(table_index(c, &t));
		opnd i, v;
		CHECK(pop_expect(c, m->tables[t].elem_type, &v));
		CHECK(pop_expect(c, ENG_I32, &i));
		emitv(c, OP_TABLE_SET, 3, (uint32_t[]){ i.loc, v.loc, t });
		return 0;
	}
	case 0x28: case 0x29: case 0x2a: case 0x2b: case 0x2c: case 0x2d: case 0x2e:
	case 0x2f: case 0x30: case 0x31: case 0x32: case 0x33: case 0x34: case 0x35: {
		static const uint8_t sizes[] = { 4, 8, 4, 8, 1, 1, 2, 2, 1, 1, 2, 2, 4, 4 };
		static const int ops[] = {
#define X_LD(wc, name, ...) OP_##name,
			ENG_LOAD_OPS(X_LD)
#undef X_LD
		};
		return compile_load(c, ops[code - 0x28], load_type(code), sizes[code - 0x28]);
	}
	case 0x36: case 0x37: case 0x38: case 0x39: case 0x3a: case 0x3b: case 0x3c:
	case 0x3d: case 0x3e: {
		static const uint8_t sizes[] = { 4, 8, 4, 8, 1, 2, 1, 2, 4 };
		static const int ops[] = {
#define X_ST(wc, name, ...) OP_##name,
			ENG_STORE_OPS(X_ST)
#undef X_ST
		};
		return compile_store(c, ops[code - 0x36], store_type(code), sizes[code - 0x36]);
	}
	case 0x3f: case 0x40: { /* memory.size, memory.grow */
		CHECK(read_zero(c));
		if (m->nmems == 0) return INVALID(c, "unknown memory 0");
		opnd d;
		if (code == 0x40) CHECK(pop_expect(c, ENG_I32, &d));
		bool was_live = live(c);
		uint32_t dst = push(c, ENG_I32);
		if (!was_live) return 0;
		if (code == 0x3f) emitv(c, OP_MEMORY_SIZE, 1, &dst);
		else emitv(c, OP_MEMORY_GROW, 2, (uint32_t[]){ dst, d.loc });
		return 0;
	}
	case 0x41: { /* i32.const */
		int32_t v;
		CHECK(rd_s32(c, &v));
		bool was_live = live(c);
		uint32_t dst = push(c, ENG_I32);
		if (was_live) {
			emitv(c, OP_CONST32, 2, (uint32_t[]){ dst, (uint32_t)v });
			c->last_dst = c->ncode - 2;
			c->last_const = c->ncode - 3;
			c->last_const_len = 3;
		}
		return 0;
	}
	case 0x42: { /* i64.const */
		int64_t v;
		CHECK(rd_sleb(c, 64, &v));
		bool was_live = live(c);
		uint32_t dst = push(c, ENG_I64);
		if (was_live) {
			emitv(c, OP_CONST64, 3, (uint32_t[]){ dst, (uint32_t)v, (uint32_t)((uint64_t)v >> 32) });
			c->last_dst = c->ncode - 3;
			c->last_const = c->ncode - 4;
			c->last_const_len = 4;
		}
		return 0;
	}
	case 0x43: { /* f32.const */
		if (c->end - c->p < 4) return MALFORMED(c, "unexpected end");
		uint32_t v = (uint32_t)c->p[0] | (uint32_t)c->p[1] << 8 | (uint32_t)c->p[2] << 16 | (uint32_t)c->p[3] << 24;
		c->p += 4;
		bool was_live = live(c);
		uint32_t dst = push(c, ENG_F32);
		if (was_live) {
			emitv(c, OP_CONST32, 2, (uint32_t[]){ dst, v });
			c->last_dst = c->ncode - 2;
			c->last_const = c->ncode - 3;
			c->last_const_len = 3;
		}
		return 0;
	}
	case 0x44: { /* f64.const */
		if (c->end - c->p < 8) return MALFORMED(c, "unexpected end");
		uint64_t v = 0;
		for (int k = 7; k >= 0; k--) v = v << 8 | c->p[k];
		c->p += 8;
		bool was_live = live(c);
		uint32_t dst = push(c, ENG_F64);
		if (was_live) {
			emitv(c, OP_CONST64, 3, (uint32_t[]){ dst, (uint32_t)v, (uint32_t)(v >> 32) });
			c->last_dst = c->ncode - 3;
			c->last_const = c->ncode - 4;
			c->last_const_len = 4;
		}
		return 0;
	}
	case 0xd0: { /* ref.null t */
		uint8_t t;
		CHECK(rd_byte(c, &t));
		if (!is_ref(t)) return MALFORMED(c, "malformed reference type");
		bool was_live = live(c);
		uint32_t dst = push(c, t);
		if (was_live) emitv(c, OP_CONST64, 3, (uint32_t[]){ dst, 0, 0 });
		return 0;
	}
	case 0xd1: { /* ref.is_null */
		opnd r;
		CHECK(pop(c, &r));
		if (r.type != T_UNKNOWN && !is_ref(r.type)) return INVALID(c, "type mismatch");
		bool was_live = live(c);
		uint32_t dst = push(c, ENG_I32);
		if (was_live) emitv(c, OP_REF_IS_NULL, 2, (uint32_t[]){ dst, r.loc });
		return 0;
	}
	case 0xd2: { /* ref.func */
		uint32_t f;
		CHECK(rd_u32(c, &f));
		if (f >= m->nfuncs) return INVALID(c, "unknown function");
		if (!(m->declared_refs[f / 8] & (1u << (f % 8))))
			return INVALID(c, "undeclared function reference");
		bool was_live = live(c);
		uint32_t dst = push(c, ENG_FUNCREF);
		if (was_live) emitv(c, OP_REF_FUNC, 2, (uint32_t[]){ dst, f });
		return 0;
	}
	case 0xfc: return compile_prefixed(c);
	}
	return MALFORMED(c, "illegal opcode");
}

static int read_locals(compiler *c, const eng_functype *t)
{
	uint32_t ngroups;
	CHECK(rd_u32(c, &ngroups));
	const uint8_t *save = c->p;
	uint64_t total = t->nparams;
	for (uint32_t g = 0; g < ngroups; g++) {
		uint32_t n;
		uint8_t type;
		CHECK(rd_u32(c, &n));
		CHECK(rd_byte(c, &type));
		if (!is_valtype(type)) return MALFORMED(c, "malformed value type");
		total += n;
		if (total > ENG_MAX_LOCALS) return MALFORMED(c, "too many locals");
	}
	c->nlocals = (uint32_t)total;
	c->local_types = eng_mem_alloc(c->a, total + 1);
	c->local_slot = eng_mem_alloc(c->a, (total + 1) * sizeof(uint32_t));
	if (!c->local_types || !c->local_slot) return fail(c, ENG_ERR_NOMEM, "out of memory");
	uint32_t k = 0, slot = 0;
	for (uint32_t i = 0; i < t->nparams; i++, k++) {
		c->local_types[k] = t->params[i];
		c->local_slot[k] = slot;
		slot += slots_of(t->params[i]);
	}
	c->p = save;
	for (uint32_t g = 0; g < ngroups; g++) {
		uint32_t n = 0;
		uint8_t type = 0;
		rd_u32(c, &n);  /* already checked by the first pass */
		rd_byte(c, &type);
		for (uint32_t i = 0; i < n; i++, k++) {
			c->local_types[k] = type;
			c->local_slot[k] = slot;
			slot += slots_of(type);
		}
	}
	c->nlocal_slots = slot;
	return 0;
}

/* ---- decode-only scan ------------------------------------------------------------ */

/* Walks a body decoding immediates only.  The spec decodes a whole module before it
 * validates anything, so a malformed body must win over an invalid one: when
 * validation fails, every body is scanned and a malformed error replaces it. */
static int scan_body(compiler *c)
{
	uint32_t ngroups, n, depth = 0;
	uint8_t b;
	CHECK(rd_u32(c, &ngroups));
	for (uint32_t g = 0; g < ngroups; g++) {
		CHECK(rd_u32(c, &n));
		CHECK(rd_byte(c, &b));
		if (!is_valtype(b)) return MALFORMED(c, "malformed value type");
	}
	for (;;) {
		uint8_t op;
		uint32_t x;
		int64_t v;
		CHECK(rd_byte(c, &op));
		switch (op) {
		case 0x02: case 0x03: case 0x04:
			if (c->p < c->end && (*c->p == 0x40 || is_valtype(*c->p))) c->p++;
			else CHECK(rd_sleb(c, 33, &v));
			depth++;
			break;
		case 0x0b:
			if (depth == 0) return c->p == c->end ? 0 : MALFORMED(c, "section size mismatch");
			depth--;
			break;
		case 0x0c: case 0x0d: case 0x10: case 0x20: case 0x21: case 0x22: case 0x23:
		case 0x24: case 0x25: case 0x26: case 0xd2:
			CHECK(rd_u32(c, &x));
			break;
		case 0x0e:
			CHECK(rd_u32(c, &n));
			for (uint64_t i = 0; i <= n; i++) CHECK(rd_u32(c, &x));
			break;
		case 0x11:
			CHECK(rd_u32(c, &x));
			CHECK(rd_u32(c, &x));
			break;
		case 0x1c:
			CHECK(rd_u32(c, &n));
			for (uint32_t i = 0; i < n; i++) CHECK(rd_byte(c, &b));
			break;
		case 0x3f: case 0x40:
			CHECK(read_zero(c));
			break;
		case 0x41: CHECK(rd_sleb(c, 32, &v)); break;
		case 0x42: CHECK(rd_sleb(c, 64, &v)); break;
		case 0x43: for (int i = 0; i < 4; i++) CHECK(rd_byte(c, &b)); break;
		case 0x44: for (int i = 0; i < 8; i++) CHECK(rd_byte(c, &b)); break;
		case 0xd0:
			CHECK(rd_byte(c, &b));
			if (!is_ref(b)) return MALFORMED(c, "malformed reference type");
			break;
		case 0xfc:
			CHECK(rd_u32(c, &x));
			if (x <= 7) break;
			switch (x) {
			case 8: CHECK(rd_u32(c, &x)); CHECK(read_zero(c)); break;
			case 9: case 13: case 15: case 16: case 17: CHECK(rd_u32(c, &x)); break;
			case 10: CHECK(read_zero(c)); CHECK(read_zero(c)); break;
			case 11: CHECK(read_zero(c)); break;
			case 12: case 14: CHECK(rd_u32(c, &x)); CHECK(rd_u32(c, &x)); break;
			default: return MALFORMED(c, "illegal opcode");
			}
			break;
		default:
			if (op >= 0x28 && op <= 0x3e) {
				CHECK(rd_u32(c, &x));
				CHECK(rd_u32(c, &x));
			} else if (!(op == 0x00 || op == 0x01 || op == 0x05 || op == 0x0f ||
				     op == 0x1a || op == 0x1b || (op >= 0x45 && op <= 0xc4) || op == 0xd1)) {
				return MALFORMED(c, "illegal opcode");
			}
		}
	}
}

/* A malformed error in any body, or 0. */
static int scan_all_bodies(eng_module *m, eng_error *err)
{
	for (uint32_t i = m->nfunc_imports; i < m->nfuncs; i++) {
		compiler sc = { 0 };
		sc.m = m;
		sc.err = err;
		sc.p = m->bytes + m->funcs[i].body_offset;
		sc.end = sc.p + m->funcs[i].body_len;
		int rc = scan_body(&sc);
		if (rc == ENG_ERR_MALFORMED) return rc;
	}
	return 0;
}

int eng_compile_func(eng_module *m, uint32_t index, eng_error *err)
{
	eng_funcdecl *fd = &m->funcs[index];
	const eng_functype *t = &m->types[fd->type];
	compiler cc = { 0 };
	compiler *c = &cc;
	c->m = m;
	c->a = &m->alloc;
	c->err = err;
	c->p = m->bytes + fd->body_offset;
	c->end = c->p + fd->body_len;
	c->optab = eng_exec_op_table();
	forget(c);
	int rc = read_locals(c, t);
	if (!rc) rc = push_ctrl(c, CTRL_FUNC, t->params, t->nparams, t->results, t->nresults);
	while (!rc && c->nctrl > 0) {
		uint8_t code;
		rc = rd_byte(c, &code);
		if (!rc) rc = compile_instr(c, code);
		if (!rc && c->oom) rc = fail(c, ENG_ERR_NOMEM, "out of memory");
		if (!rc && c->status) rc = c->status;
	}
	if (!rc && c->p != c->end) rc = MALFORMED(c, "section size mismatch");
	if (rc == ENG_ERR_INVALID && scan_all_bodies(m, err)) rc = ENG_ERR_MALFORMED;
	if (rc) goto out;

	eng_code *code = eng_mem_alloc(c->a, sizeof *code);
	if (!code) { rc = fail(c, ENG_ERR_NOMEM, "out of memory"); goto out; }
	code->words = c->code;
	code->nwords = c->ncode;
	c->code = NULL;
	code->nparam_slots = 0;
	for (uint32_t i = 0; i < t->nparams; i++) code->nparam_slots += slots_of(t->params[i]);
	code->nresult_slots = 0;
	for (uint32_t i = 0; i < t->nresults; i++) code->nresult_slots += slots_of(t->results[i]);
	code->nlocal_slots = c->nlocal_slots;
	code->frame_slots = c->nlocal_slots + c->max_slot_height;
	if (code->frame_slots < code->nresult_slots) code->frame_slots = code->nresult_slots;
	/* code_cap is what was allocated: remember it for the free */
	code->words_cap = c->code_cap;
	fd->code = code;
out:
	eng_mem_free(c->a, c->code, c->code_cap * sizeof *c->code);
	eng_mem_free(c->a, c->stack, c->stack_cap * sizeof *c->stack);
	eng_mem_free(c->a, c->ctrls, c->ctrl_cap * sizeof *c->ctrls);
	eng_mem_free(c->a, c->local_types, c->nlocals + 1);
	eng_mem_free(c->a, c->local_slot, (c->nlocals + 1) * sizeof(uint32_t));
	return rc;
}

void eng_code_free(const eng_alloc *a, eng_code *code)
{
	if (!code) return;
	eng_mem_free(a, code->words, code->words_cap * sizeof *code->words);
	eng_mem_free(a, code, sizeof *code);
}
