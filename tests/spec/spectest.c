/* spectest.c: the host module every spec test may import, as the reference
 * interpreter defines it: print functions that do nothing, immutable globals of 666
 * and 666.6, a funcref table of 10..20 elements and a memory of 1..2 pages. */
#include "spectest.h"

#include <string.h>

static int do_nothing(void *ud, eng_thread *t, const eng_val *args, eng_val *results)
{
	(void)ud, (void)t, (void)args, (void)results;
	return ENG_HOST_OK;
}

static const uint8_t t_i32[] = { ENG_I32 }, t_i64[] = { ENG_I64 }, t_f32[] = { ENG_F32 },
		     t_f64[] = { ENG_F64 }, t_i32_f32[] = { ENG_I32, ENG_F32 },
		     t_f64_f64[] = { ENG_F64, ENG_F64 };

static const struct {
	const char *name;
	eng_functype type;
} funcs[] = {
	{ "print", { 0, 0, NULL, NULL } },
	{ "print_i32", { 1, 0, t_i32, NULL } },
	{ "print_i64", { 1, 0, t_i64, NULL } },
	{ "print_f32", { 1, 0, t_f32, NULL } },
	{ "print_f64", { 1, 0, t_f64, NULL } },
	{ "print_i32_f32", { 2, 0, t_i32_f32, NULL } },
	{ "print_f64_f64", { 2, 0, t_f64_f64, NULL } },
};

static void add(spectest *st, const char *name, uint8_t kind, void *obj)
{
	eng_extern *e = &st->items[st->n].ext;
	st->items[st->n].name = name;
	e->kind = kind;
	switch (kind) {
	case ENG_EXTERN_FUNC: e->u.func = obj; break;
	case ENG_EXTERN_TABLE: e->u.table = obj; break;
	case ENG_EXTERN_MEMORY: e->u.memory = obj; break;
	default: e->u.global = obj; break;
	}
	st->n++;
}

int spectest_init(spectest *st, eng_store *s)
{
	eng_val v;
	float f32 = 666.6f;
	double f64 = 666.6;
	void *obj;

	st->n = 0;
	for (size_t i = 0; i < sizeof funcs / sizeof funcs[0]; i++) {
		if (!(obj = eng_host_func_new(s, &funcs[i].type, do_nothing, NULL, funcs[i].name)))
			return -1;
		add(st, funcs[i].name, ENG_EXTERN_FUNC, obj);
	}
	memset(&v, 0, sizeof v);
	v.i32 = 666;
	if (!(obj = eng_global_new(s, ENG_I32, false, v)))
		return -1;
	add(st, "global_i32", ENG_EXTERN_GLOBAL, obj);
	memset(&v, 0, sizeof v);
	v.i64 = 666;
	if (!(obj = eng_global_new(s, ENG_I64, false, v)))
		return -1;
	add(st, "global_i64", ENG_EXTERN_GLOBAL, obj);
	memset(&v, 0, sizeof v);
	memcpy(&v.u32, &f32, sizeof f32);
	if (!(obj = eng_global_new(s, ENG_F32, false, v)))
		return -1;
	add(st, "global_f32", ENG_EXTERN_GLOBAL, obj);
	memset(&v, 0, sizeof v);
	memcpy(&v.u64, &f64, sizeof f64);
	if (!(obj = eng_global_new(s, ENG_F64, false, v)))
		return -1;
	add(st, "global_f64", ENG_EXTERN_GLOBAL, obj);
	if (!(obj = eng_table_new(s, ENG_FUNCREF, 10, 20, true)))
		return -1;
	add(st, "table", ENG_EXTERN_TABLE, obj);
	if (!(obj = eng_memory_new(s, 1, 2, true)))
		return -1;
	add(st, "memory", ENG_EXTERN_MEMORY, obj);
	return 0;
}

int spectest_lookup(const spectest *st, const char *name, uint32_t len, eng_extern *out)
{
	for (uint32_t i = 0; i < st->n; i++) {
		if (strlen(st->items[i].name) == len && memcmp(st->items[i].name, name, len) == 0) {
			*out = st->items[i].ext;
			return 0;
		}
	}
	return -1;
}
