/* exec.c: the interpreter loop.
 *
 * It runs compiled code (code.h) for one thread until the outermost frame returns,
 * a trap, the fuel runs out, or a host function suspends.  Wasm frames live in the
 * thread's slot array and frame records, never on the C stack, so every exit is a
 * plain return and eng_resume re-enters here.
 *
 * Dispatch: computed goto with op words holding label distances (release), or a
 * switch over op numbers (ENG_SWITCH_DISPATCH, test builds).  Either way each op
 * is written once, as CASE(name) { ... NEXT(); }.
 *
 * Registers: pc, fp (this frame's slots), inst (this frame's instance), mem/memsz
 * (memory 0, reloaded after anything that may move or grow it), fuel.
 */
#include "runtime.h"
#include "code.h"
#include "ops.h"
#include "numeric.h"
#include "defaults.h"

#if !defined(ENG_SWITCH_DISPATCH) && defined(__GNUC__)
#define ENG_COMPUTED_GOTO 1
#endif

#define LIKELY(x) __builtin_expect(!!(x), 1)
#define UNLIKELY(x) __builtin_expect(!!(x), 0)

#define R(i) fp[pc[i]]

#ifdef ENG_COMPUTED_GOTO
#define CASE(name) L_##name:
#define NEXT() goto *(const void *)(op_base + (int32_t)*pc)
#else
#define CASE(name) case OP_##name:
#define NEXT() goto dispatch
#endif

#define TRAP(r) do { trap_reason = (r); goto trap; } while (0)

/* Jumps by the offset word at pc.  Every backward branch goes to a loop head and
 * pays one unit of fuel; with none left the thread stops on the branch instruction
 * itself (at `ins`), which re-runs on resume: branches write nothing, so that is
 * safe, and the unit is charged then. */
#define JUMP(ins)                                                             \
	do {                                                                  \
		int32_t off_j = (int32_t)*pc;                                 \
		if (off_j < 0) {                                              \
			if (UNLIKELY(fuel <= 0)) { pc = (ins); goto out_of_fuel; } \
			fuel--;                                               \
		}                                                             \
		pc += off_j;                                                  \
	} while (0)

/* Bulk memory and table ops pay a unit per ENG_FUEL_BULK_BYTES they write: else one
 * loop iteration could fill all of memory thousands of times for a single unit.
 * With no fuel left the thread stops on the op before it acts (it writes nothing
 * first, so re-running it on resume is safe); an op larger than the fuel left runs
 * and takes the count to zero, so the next call or back-edge stops. */
#define CHARGE_BULK(bytes)                                                    \
	do {                                                                  \
		if (UNLIKELY(fuel <= 0)) goto out_of_fuel;                    \
		uint64_t units_ = (bytes) / ENG_FUEL_BULK_BYTES;              \
		fuel = units_ < (uint64_t)fuel ? fuel - (int64_t)units_ : 0;  \
	} while (0)

#define LOAD_MEM()                                                    \
	do {                                                          \
		eng_memory *m0_ = inst->mem0;                         \
		mem = m0_ ? m0_->data : NULL;                         \
		memsz = m0_ ? m0_->size : 0;                          \
	} while (0)

static int exec(eng_thread *t, const int32_t **table_out)
{
#ifdef ENG_COMPUTED_GOTO
	static const int32_t op_table[OP_COUNT_] = {
#define X_LBL(code, name, ...) [OP_##name] = (int32_t)((const char *)&&L_##name - (const char *)&&L_UNREACHABLE),
#define X_LBL_S(name, n) [OP_##name] = (int32_t)((const char *)&&L_##name - (const char *)&&L_UNREACHABLE),
#define X_LBL_IMM(code, name, ...) X_LBL_S(name##_IMM, 0)
#define X_LBL_CMPBR(name, ...) X_LBL_S(BR_IF_##name, 0) X_LBL_S(BR_IF_##name##_IMM, 0)
#define X_LBL_LOADBIN(op, name, ...) X_LBL_S(name, 0)
		ENG_BINARY_OPS(X_LBL)
		ENG_BINARY_OPS(X_LBL_IMM)
		ENG_CMP_BRANCH_OPS(X_LBL_CMPBR)
		ENG_LOAD_BINARY_OPS(X_LBL_LOADBIN)
		ENG_UNARY_OPS(X_LBL)
		ENG_SAT_OPS(X_LBL)
		ENG_TRUNC_OPS(X_LBL)
		ENG_DIV_OPS(X_LBL)
		ENG_LOAD_OPS(X_LBL)
		ENG_STORE_OPS(X_LBL)
		ENG_SPECIAL_OPS(X_LBL_S)
#undef X_LBL
#undef X_LBL_S
#undef X_LBL_IMM
#undef X_LBL_CMPBR
#undef X_LBL_LOADBIN
	};
	const char *op_base = (const char *)&&L_UNREACHABLE;
	if (table_out) { *table_out = op_table; return 0; }
#else
	if (table_out) { *table_out = NULL; return 0; }
#endif
	const uint32_t *pc = t->pc;
	uint32_t nframes = t->nframes;
	eng_frame *frames = t->frames;
	eng_slot *fp = t->slots + frames[nframes - 1].fp;
	eng_instance *inst = frames[nframes - 1].func->inst;
	uint8_t *mem;
	uint64_t memsz;
	int64_t fuel = t->fuel;
	int trap_reason = 0;
	eng_func *callee;
	eng_slot *nfp;
	LOAD_MEM();

#ifdef ENG_COMPUTED_GOTO
	NEXT();
#else
dispatch:
	switch ((int)*pc) {
#endif

	CASE(UNREACHABLE) TRAP(ENG_TRAP_UNREACHABLE);

	/* ---- table-driven numeric ops ---- */
#define X_BIN(wc, name, in, out, expr)                                        \
	CASE(name) {                                                          \
		__typeof__(fp->in) a = R(2).in, b = R(3).in;                  \
		R(1).out = (expr);                                            \
		pc += 4;                                                      \
		NEXT();                                                       \
	}
	ENG_BINARY_OPS(X_BIN)
#undef X_BIN
	/* the second operand inline: one word, or two for 64-bit operands */
#define WIDE(field) (sizeof(fp->field) == 8)
#define IMM_AT(i, field) \
	((eng_slot){ .u64 = (uint64_t)pc[i] | (WIDE(field) ? (uint64_t)pc[(i) + 1] << 32 : 0) }).field
#define X_BIN_IMM(wc, name, in, out, expr)                                    \
	CASE(name##_IMM) {                                                    \
		__typeof__(fp->in) a = R(2).in, b = IMM_AT(3, in);            \
		R(1).out = (expr);                                            \
		pc += 4 + WIDE(in);                                           \
		NEXT();                                                       \
	}
	ENG_BINARY_OPS(X_BIN_IMM)
#undef X_BIN_IMM
#define X_CMPBR(name, t, cop, inv)                                            \
	CASE(BR_IF_##name) {                                                  \
		if (R(1).t cop R(2).t) { pc += 3; JUMP(pc - 3); }             \
		else pc += 4;                                                 \
		NEXT();                                                       \
	}                                                                     \
	CASE(BR_IF_##name##_IMM) {                                            \
		const int off_ = 3 + WIDE(t);                                 \
		if (R(1).t cop IMM_AT(2, t)) { pc += off_; JUMP(pc - off_); } \
		else pc += off_ + 1;                                          \
		NEXT();                                                       \
	}
	ENG_CMP_BRANCH_OPS(X_CMPBR)
#undef X_CMPBR
#define X_LOADBIN(op, name, lop, field, mtype, n, expr)                          \
	CASE(name) {                                                          \
		uint64_t ea = (uint64_t)R(3).u32 + pc[4];                     \
		if (UNLIKELY(ea + (n) > memsz)) TRAP(ENG_TRAP_MEMORY_OOB);    \
		mtype b;                                                      \
		__builtin_memcpy(&b, mem + ea, sizeof b);                     \
		__typeof__(fp->field) a = R(2).field;                         \
		R(1).field = (expr);                                          \
		pc += 5;                                                      \
		NEXT();                                                       \
	}
	ENG_LOAD_BINARY_OPS(X_LOADBIN)
#undef X_LOADBIN
#define X_UN(wc, name, in, out, expr)                                         \
	CASE(name) {                                                          \
		__typeof__(fp->in) a = R(2).in;                               \
		R(1).out = (expr);                                            \
		pc += 3;                                                      \
		NEXT();                                                       \
	}
	ENG_UNARY_OPS(X_UN)
	ENG_SAT_OPS(X_UN)
#undef X_UN
#define X_TRUNC(wc, name, in, out, lo, hi, ctype)                             \
	CASE(name) {                                                          \
		double a = (double)R(2).in;                                   \
		if (UNLIKELY(a != a)) TRAP(ENG_TRAP_INVALID_CONVERSION);      \
		if (UNLIKELY(!(a > (lo) && a < (hi)))) TRAP(ENG_TRAP_INT_OVERFLOW); \
		R(1).out = (__typeof__(fp->out))(ctype)a;                     \
		pc += 3;                                                      \
		NEXT();                                                       \
	}
	ENG_TRUNC_OPS(X_TRUNC)
#undef X_TRUNC
#define DIV_BODY_DIV_S(u, s)                                                  \
	if (UNLIKELY(b == 0)) TRAP(ENG_TRAP_DIV_ZERO);                        \
	if (UNLIKELY(b == -1 && a == (__typeof__(a))((__typeof__(fp->u))1 << (sizeof(a) * 8 - 1)))) \
		TRAP(ENG_TRAP_INT_OVERFLOW);                                  \
	R(1).s = a / b;
#define DIV_BODY_REM_S(u, s)                                                  \
	if (UNLIKELY(b == 0)) TRAP(ENG_TRAP_DIV_ZERO);                        \
	R(1).s = b == -1 ? 0 : a % b;
#define DIV_BODY_DIV_U(u, s)                                                  \
	if (UNLIKELY(ub == 0)) TRAP(ENG_TRAP_DIV_ZERO);                       \
	R(1).u = ua / ub;
#define DIV_BODY_REM_U(u, s)                                                  \
	if (UNLIKELY(ub == 0)) TRAP(ENG_TRAP_DIV_ZERO);                       \
	R(1).u = ua % ub;
#define X_DIV(wc, name, u, s, kind)                                           \
	CASE(name) {                                                          \
		__typeof__(fp->s) a = R(2).s, b = R(3).s;                     \
		__typeof__(fp->u) ua = R(2).u, ub = R(3).u;                   \
		(void)a; (void)b; (void)ua; (void)ub;                         \
		DIV_BODY_##kind(u, s)                                         \
		pc += 4;                                                      \
		NEXT();                                                       \
	}
	ENG_DIV_OPS(X_DIV)
#undef X_DIV

	/* ---- memory ---- */
#define X_LOAD(wc, name, out, mtype, n)                                       \
	CASE(name) {                                                          \
		uint64_t ea = (uint64_t)R(2).u32 + pc[3];                     \
		if (UNLIKELY(ea + (n) > memsz)) TRAP(ENG_TRAP_MEMORY_OOB);    \
		mtype v;                                                      \
		__builtin_memcpy(&v, mem + ea, sizeof v);                     \
		R(1).out = (__typeof__(fp->out))v;                            \
		pc += 4;                                                      \
		NEXT();                                                       \
	}
	ENG_LOAD_OPS(X_LOAD)
#undef X_LOAD
#define X_STORE(wc, name, in, mtype, n)                                       \
	CASE(name) {                                                          \
		uint64_t ea = (uint64_t)R(1).u32 + pc[3];                     \
		if (UNLIKELY(ea + (n) > memsz)) TRAP(ENG_TRAP_MEMORY_OOB);    \
		mtype v = (mtype)R(2).in;                                     \
		__builtin_memcpy(mem + ea, &v, sizeof v);                     \
		pc += 4;                                                      \
		NEXT();                                                       \
	}
	ENG_STORE_OPS(X_STORE)
#undef X_STORE

	CASE(MEMORY_SIZE) {
		R(1).u32 = inst->mem0->pages;
		pc += 2;
		NEXT();
	}
	CASE(MEMORY_GROW) {
		R(1).i32 = eng_memory_grow_pages(inst->mem0, R(2).u32);
		LOAD_MEM();
		pc += 3;
		NEXT();
	}
	CASE(MEMORY_FILL) {
		uint64_t d = R(1).u32, n = R(3).u32;
		uint8_t v = (uint8_t)R(2).u32;
		if (UNLIKELY(d + n > memsz)) TRAP(ENG_TRAP_MEMORY_OOB);
		CHARGE_BULK(n);
		/* n == 0 can meet an empty memory, whose data is NULL: no NULL + 0 */
		if (n) __builtin_memset(mem + d, v, n);
		pc += 4;
		NEXT();
	}
	CASE(MEMORY_COPY) {
		uint64_t d = R(1).u32, s = R(2).u32, n = R(3).u32;
		if (UNLIKELY(d + n > memsz || s + n > memsz)) TRAP(ENG_TRAP_MEMORY_OOB);
		CHARGE_BULK(n);
		if (n) __builtin_memmove(mem + d, mem + s, n);
		pc += 4;
		NEXT();
	}
	CASE(MEMORY_INIT) {
		const eng_dataseg *ds = &inst->module->datas[pc[1]];
		uint64_t d = R(2).u32, s = R(3).u32, n = R(4).u32;
		uint64_t len = inst->data_dropped[pc[1]] ? 0 : ds->len;
		if (UNLIKELY(s + n > len || d + n > memsz)) TRAP(ENG_TRAP_MEMORY_OOB);
		CHARGE_BULK(n);
		if (n) __builtin_memcpy(mem + d, inst->module->bytes + ds->data_offset + s, n);
		pc += 5;
		NEXT();
	}
	CASE(DATA_DROP) {
		inst->data_dropped[pc[1]] = true;
		pc += 2;
		NEXT();
	}

	/* ---- tables and references ---- */
	CASE(TABLE_GET) {
		eng_table *tb = inst->tables[pc[3]];
		uint32_t i = R(2).u32;
		if (UNLIKELY(i >= tb->size)) TRAP(ENG_TRAP_TABLE_OOB);
		R(1).u64 = tb->elems[i];
		pc += 4;
		NEXT();
	}
	CASE(TABLE_SET) {
		eng_table *tb = inst->tables[pc[3]];
		uint32_t i = R(1).u32;
		if (UNLIKELY(i >= tb->size)) TRAP(ENG_TRAP_TABLE_OOB);
		tb->elems[i] = R(2).u64;
		pc += 4;
		NEXT();
	}
	CASE(TABLE_SIZE) {
		R(1).u32 = inst->tables[pc[2]]->size;
		pc += 3;
		NEXT();
	}
	CASE(TABLE_GROW) {
		uint64_t init = R(2).u64;
		R(1).i32 = (int32_t)eng_table_grow_elems(inst->tables[pc[4]], R(3).u32, init);
		pc += 5;
		NEXT();
	}
	CASE(TABLE_FILL) {
		eng_table *tb = inst->tables[pc[4]];
		uint64_t i = R(1).u32, n = R(3).u32;
		uint64_t v = R(2).u64;
		if (UNLIKELY(i + n > tb->size)) TRAP(ENG_TRAP_TABLE_OOB);
		CHARGE_BULK(n * sizeof(uint64_t));
		for (uint64_t k = 0; k < n; k++) tb->elems[i + k] = v;
		pc += 5;
		NEXT();
	}
	CASE(TABLE_COPY) {
		eng_table *dt = inst->tables[pc[4]], *st = inst->tables[pc[5]];
		uint64_t d = R(1).u32, s = R(2).u32, n = R(3).u32;
		if (UNLIKELY(d + n > dt->size || s + n > st->size)) TRAP(ENG_TRAP_TABLE_OOB);
		CHARGE_BULK(n * sizeof(uint64_t));
		if (n) __builtin_memmove(dt->elems + d, st->elems + s, n * sizeof(uint64_t));
		pc += 6;
		NEXT();
	}
	CASE(TABLE_INIT) {
		eng_table *tb = inst->tables[pc[4]];
		const eng_elem_rt *seg = &inst->elems[pc[5]];
		uint64_t d = R(1).u32, s = R(2).u32, n = R(3).u32;
		if (UNLIKELY(s + n > seg->count || d + n > tb->size)) TRAP(ENG_TRAP_TABLE_OOB);
		CHARGE_BULK(n * sizeof(uint64_t));
		if (n) __builtin_memcpy(tb->elems + d, seg->refs + s, n * sizeof(uint64_t));
		pc += 6;
		NEXT();
	}
	CASE(ELEM_DROP) {
		inst->elems[pc[1]].count = 0;
		pc += 2;
		NEXT();
	}
	CASE(REF_IS_NULL) {
		R(1).u32 = R(2).u64 == 0;
		pc += 3;
		NEXT();
	}
	CASE(REF_FUNC) {
		R(1).u64 = (uint64_t)(uintptr_t)inst->funcs[pc[2]];
		pc += 3;
		NEXT();
	}

	/* ---- variables and moves ---- */
	CASE(COPY) {
		R(1).u64 = R(2).u64;
		pc += 3;
		NEXT();
	}
	CASE(COPY32) {
		R(1).u32 = R(2).u32;
		pc += 3;
		NEXT();
	}
	CASE(CONST32) {
		R(1).u32 = pc[2];
		pc += 3;
		NEXT();
	}
	CASE(CONST64) {
		R(1).u64 = (uint64_t)pc[2] | (uint64_t)pc[3] << 32;
		pc += 4;
		NEXT();
	}
	CASE(SELECT) {
		R(1).u64 = R(4).u32 ? R(2).u64 : R(3).u64;
		pc += 5;
		NEXT();
	}
	CASE(GLOBAL_GET) {
		R(1).u64 = inst->globals[pc[2]]->val.u64;
		pc += 3;
		NEXT();
	}
	CASE(GLOBAL_SET) {
		inst->globals[pc[2]]->val.u64 = R(1).u64;
		pc += 3;
		NEXT();
	}

	/* ---- control ---- */
	CASE(BR) {
		pc += 1;
		JUMP(pc - 1);
		NEXT();
	}
	CASE(BR_IF) {
		if (R(1).u32) { pc += 2; JUMP(pc - 2); }
		else pc += 3;
		NEXT();
	}
	CASE(BR_UNLESS) {
		if (!R(1).u32) { pc += 2; JUMP(pc - 2); }
		else pc += 3;
		NEXT();
	}
	CASE(BR_TABLE) {
		const uint32_t *ins = pc;
		uint32_t i = R(1).u32, n = pc[2];
		pc += 3 + (i < n ? i : n);
		JUMP(ins);
		NEXT();
	}
	CASE(CALL) {
		callee = inst->funcs[pc[1]];
		nfp = fp + pc[2];
		if (UNLIKELY(fuel <= 0)) goto out_of_fuel;
		fuel--;
		pc += 3;
		goto do_call;
	}
	CASE(CALL_INDIRECT) {
		eng_table *tb = inst->tables[pc[2]];
		uint32_t i = R(3).u32;
		if (UNLIKELY(i >= tb->size)) TRAP(ENG_TRAP_UNDEFINED_ELEMENT);
		callee = (eng_func *)(uintptr_t)tb->elems[i];
		if (UNLIKELY(!callee)) TRAP(ENG_TRAP_UNINITIALIZED_ELEMENT);
		if (UNLIKELY(callee->type_hash != inst->type_hashes[pc[1]] ||
			     !eng_functype_equal(callee->type, &inst->module->types[pc[1]])))
			TRAP(ENG_TRAP_INDIRECT_TYPE_MISMATCH);
		nfp = fp + pc[4];
		if (UNLIKELY(fuel <= 0)) goto out_of_fuel;
		fuel--;
		pc += 5;
		goto do_call;
	}
	CASE(RETURN) {
		if (UNLIKELY(nframes == 1)) {
			t->nframes = 0;
			t->fuel = fuel;
			return ENG_DONE;
		}
		pc = frames[--nframes].ret_pc;
		fp = t->slots + frames[nframes - 1].fp;
		eng_instance *ci = frames[nframes - 1].func->inst;
		if (ci != inst) inst = ci;
		LOAD_MEM();
		NEXT();
	}

#ifndef ENG_COMPUTED_GOTO
	default:
		TRAP(ENG_TRAP_UNREACHABLE);
	}
#endif

do_call:
	if (callee->host) {
		uint32_t base = (uint32_t)(nfp - t->slots);
		t->pc = pc;
		t->nframes = nframes;
		t->fuel = fuel;
		t->caller = inst;
		int rc = eng_thread_call_host(t, callee, base);
		if (rc == ENG_HOST_OK) {
			/* the host may have changed the fuel, the memory or the slots */
			fuel = t->fuel;
			fp = t->slots + frames[nframes - 1].fp;
			LOAD_MEM();
			NEXT();
		}
		if (rc == ENG_HOST_SUSPEND) {
			t->host_func = callee;
			t->host_results = base;
			return ENG_SUSPENDED;
		}
		return eng_thread_trap_at(t, ENG_TRAP_HOST, NULL);
	}
	{
		const eng_code *code = callee->code;
		uint64_t base = (uint64_t)(nfp - t->slots);
		if (UNLIKELY(nframes >= t->frames_cap)) {
			t->nframes = nframes;
			if (!eng_thread_grow_frames(t)) TRAP(ENG_TRAP_STACK_EXHAUSTED);
			frames = t->frames;
		}
		if (UNLIKELY(base + code->frame_slots > t->nslots)) {
			if (!eng_thread_grow_slots(t, base + code->frame_slots))
				TRAP(ENG_TRAP_STACK_EXHAUSTED);
			fp = t->slots + frames[nframes - 1].fp;
			nfp = t->slots + base;
		}
		for (uint32_t k = code->nparam_slots; k < code->nlocal_slots; k++) nfp[k].u64 = 0;
		/* zeroing many locals is a bulk write, and pays as one (see CHARGE_BULK) */
		if (UNLIKELY(code->nlocal_slots - code->nparam_slots > ENG_FUEL_BULK_BYTES / sizeof(eng_slot))) {
			uint64_t units_ = (uint64_t)(code->nlocal_slots - code->nparam_slots) *
					  sizeof(eng_slot) / ENG_FUEL_BULK_BYTES;
			fuel = units_ < (uint64_t)fuel ? fuel - (int64_t)units_ : 0;
		}
		frames[nframes - 1 + 1].ret_pc = pc;
		frames[nframes].fp = (uint32_t)base;
		frames[nframes].func = callee;
		nframes++;
		fp = nfp;
		pc = code->words;
		if (callee->inst != inst) {
			inst = callee->inst;
			LOAD_MEM();
		}
		NEXT();
	}

out_of_fuel:
	t->pc = pc;
	t->nframes = nframes;
	t->fuel = 0;
	return ENG_OUT_OF_FUEL;

trap:
	t->pc = pc;
	t->nframes = nframes;
	t->fuel = fuel;
	return eng_thread_trap_at(t, trap_reason, NULL);
}

int eng_exec_run(eng_thread *t)
{
	return exec(t, NULL);
}

const int32_t *eng_exec_op_table(void)
{
	const int32_t *table;
	exec(NULL, &table);
	return table;
}
