/* targets.c: what the fuzz targets do with one input (see targets.h).
 *
 * Every result the engine can give is acceptable: an error, a link failure, a trap,
 * fuel running out.  What is not: a crash, a sanitizer report, a hang, and the
 * contract breaks checked here.  The allocator keeps each block's size in a header
 * and checks what the engine tells it on free and resize (a metal allocator relies
 * on it); it refuses a block over 64 MiB, or more than 512 MiB live, so that a
 * module asking for too much gets ENG_ERR_NOMEM rather than an out-of-memory report.
 * After each input nothing may be left live.
 *
 * Each target runs twice: once counting the allocations, then again with one of
 * them refused (which one, and whether every later one is refused too, comes from
 * a hash of the input), so that the fuzzers also walk the out-of-memory paths.
 *
 * Work per input is bounded: small store limits, FUEL units per slice, a few
 * slices per call, a few resumptions of a suspended call, and a fuel budget for
 * the whole input.
 */
#include "targets.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"

#define HDR 16 /* keeps blocks aligned for any type */
#define MAX_BLOCK ((size_t)64 << 20)
#define MAX_LIVE ((size_t)512 << 20)

#define FUEL 10000            /* units per slice */
#define MAX_REFUELS 3         /* extra slices for one call */
#define MAX_RESUMES 64        /* resumptions of suspended host calls in one call */
#define INPUT_FUEL 400000     /* units for every call of one input together */
#define HOST_MAX_RESULTS 16   /* eng_host_func_new refuses more */

/* ---- the checking allocator ---------------------------------------------------------- */

typedef struct heap {
	size_t live;
	long bad_sizes;
	unsigned long calls;   /* allocations and resizes so far */
	unsigned long fail_at; /* 0: never; else refuse that call... */
	int fail_after;        /* ...and, if set, every one after it */
	unsigned long refused;
} heap;

static void *heap_fn(void *ud, void *ptr, size_t old, size_t n)
{
	heap *h = ud;
	unsigned char *b = ptr ? (unsigned char *)ptr - HDR : NULL;
	size_t have = 0;

	if (b) {
		memcpy(&have, b, sizeof have);
		if (have != old)
			h->bad_sizes++;
	}
	if (n == 0) {
		if (b) {
			h->live -= have;
			free(b);
		}
		return NULL;
	}
	h->calls++;
	if (h->fail_at && (h->calls == h->fail_at || (h->fail_after && h->calls > h->fail_at))) {
		h->refused++;
		return NULL;
	}
	if (n > MAX_BLOCK || h->live - have + n > MAX_LIVE)
		return NULL;
	b = realloc(b, HDR + n);
	if (!b)
		return NULL;
	memcpy(b, &n, sizeof n);
	h->live = h->live - have + n;
	return b + HDR;
}

/* Nonzero, after saying why, when the engine broke the allocator's contract. */
static int heap_check(const heap *h, const char *target)
{
	int bad = 0;

	if (h->bad_sizes) {
		fprintf(stderr, "%s: %ld frees or resizes named the wrong size\n", target, h->bad_sizes);
		bad = 1;
	}
	if (h->live) {
		fprintf(stderr, "%s: %zu bytes still live after everything was freed\n", target, h->live);
		bad = 1;
	}
	return bad;
}

/* FNV-1a of the input: picks the allocation to refuse in the second pass. */
static uint32_t input_hash(const uint8_t *data, size_t len)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++)
		h = (h ^ data[i]) * 16777619u;
	return h;
}

/* Nonzero when a failed call left err unlike its return code or its text unended. */
static int error_check(const eng_error *err, int rc, const char *what)
{
	if (err->code != rc || !memchr(err->msg, 0, sizeof err->msg)) {
		fprintf(stderr, "%s returned %d but the error says %d (%.*s)\n", what, rc, err->code,
			(int)sizeof err->msg, err->msg);
		return 1;
	}
	return 0;
}

/* Reads every byte of a string the engine handed out, for the sanitizers. */
static unsigned touch(const char *s, uint32_t n)
{
	unsigned sum = 0;

	for (uint32_t i = 0; i < n; i++)
		sum += (unsigned char)s[i];
	return sum;
}

/* ---- load ---------------------------------------------------------------------------- */

int fuzz_load_pass(const uint8_t *data, size_t len, unsigned long fail_at, int for_good,
		   unsigned long *calls)
{
	heap hh, *h = &hh;
	eng_alloc a = { heap_fn, h };
	static char sentinel;
	eng_module *m = (eng_module *)(void *)&sentinel; /* must come back NULL on failure */
	eng_error err;
	volatile unsigned sum = 0;
	int bad = 0;

	memset(h, 0, sizeof *h);
	h->fail_at = fail_at;
	h->fail_after = for_good;
	memset(&err, 0, sizeof err);
	int rc = eng_module_load(&a, data, len, &m, &err);
	if (rc != 0) {
		bad |= error_check(&err, rc, "eng_module_load");
		if (m) {
			fprintf(stderr, "eng_module_load failed but returned a module\n");
			bad = 1;
		}
		if (err.offset > len) {
			fprintf(stderr, "error offset %u past the end (%zu bytes)\n", err.offset, len);
			bad = 1;
		}
		if (h->refused && rc != ENG_ERR_NOMEM) {
			fprintf(stderr, "eng_module_load returned %d, not ENG_ERR_NOMEM, after a refusal\n", rc);
			bad = 1;
		}
	} else {
		for (uint32_t i = 0; i < eng_module_num_imports(m); i++) {
			eng_import_desc d;

			eng_module_import(m, i, &d);
			sum += touch(d.module, d.module_len) + touch(d.name, d.name_len);
			if (d.kind == ENG_EXTERN_FUNC) {
				sum += touch((const char *)d.func->params, d.func->nparams);
				sum += touch((const char *)d.func->results, d.func->nresults);
			}
		}
		for (uint32_t i = 0; i < eng_module_num_exports(m); i++) {
			eng_export_desc d;

			eng_module_export(m, i, &d);
			sum += touch(d.name, d.name_len) + d.kind + d.index;
		}
		eng_module_free(m);
	}
	(void)sum;
	if (calls)
		*calls = h->calls;
	return bad | heap_check(h, "load");
}

/* The first pass counts allocations; the second refuses one, chosen by the hash. */
int fuzz_load_one(const uint8_t *data, size_t len)
{
	unsigned long calls;
	uint32_t hash = input_hash(data, len);

	if (fuzz_load_pass(data, len, 0, 0, &calls))
		return 1;
	return calls ? fuzz_load_pass(data, len, 1 + (hash >> 1) % calls, hash & 1, NULL) : 0;
}

/* ---- instantiate and run ------------------------------------------------------------- */

/* One generated host function: what it needs to know of its type. */
typedef struct binding {
	struct binding *next;
	struct run_ctx *ctx;
	uint32_t nparams, nresults;
} binding;

typedef struct run_ctx {
	eng_store *store;
	binding *bindings;
	unsigned host_calls; /* picks what the next host call does */
	int64_t fuel_left;   /* for the rest of this input */
	int bad;
} run_ctx;

/* Returns zeros, traps or suspends, in turn; pokes the caller's memory. */
static int host(void *ud, eng_thread *t, const eng_val *args, eng_val *results)
{
	binding *b = ud;
	unsigned n = b->ctx->host_calls++;
	volatile uint64_t sum = 0;

	for (uint32_t i = 0; i < b->nparams; i++)
		sum += args[i].u64;
	(void)sum;
	eng_instance *inst = eng_thread_caller(t);
	eng_memory *mem = inst ? eng_instance_memory(inst, 0) : NULL;
	if (mem && eng_memory_size(mem))
		eng_memory_data(mem)[n % eng_memory_size(mem)] ^= 1;
	switch (n % 4) {
	case 1:
		return ENG_HOST_SUSPEND;
	case 3:
		eng_thread_set_trap_msg(t, "fuzz host trap");
		return ENG_HOST_TRAP;
	}
	for (uint32_t i = 0; i < b->nresults; i++)
		memset(&results[i], 0, sizeof results[i]);
	return ENG_HOST_OK;
}

/* Any import: a host function of its type, or a fresh object of its type. */
static int resolve(void *ud, const eng_import_desc *imp, eng_extern *out)
{
	run_ctx *c = ud;
	eng_val zero;

	memset(&zero, 0, sizeof zero);
	out->kind = imp->kind;
	switch (imp->kind) {
	case ENG_EXTERN_FUNC: {
		binding *b = calloc(1, sizeof *b);
		if (!b)
			return 1;
		b->ctx = c;
		b->nparams = imp->func->nparams;
		b->nresults = imp->func->nresults;
		b->next = c->bindings;
		c->bindings = b;
		out->u.func = eng_host_func_new(c->store, imp->func, host, b, "fuzz_host");
		return out->u.func == NULL;
	}
	case ENG_EXTERN_TABLE:
		out->u.table = eng_table_new(c->store, imp->valtype, imp->min, imp->max, imp->has_max);
		return out->u.table == NULL;
	case ENG_EXTERN_MEMORY:
		out->u.memory = eng_memory_new(c->store, imp->min, imp->max, imp->has_max);
		return out->u.memory == NULL;
	case ENG_EXTERN_GLOBAL:
		out->u.global = eng_global_new(c->store, imp->valtype, imp->mutable_, zero);
		return out->u.global == NULL;
	}
	return 1;
}

/* Calls f with zero arguments on a fresh thread, refuelling and resuming a few
 * times, then reads the results or the trap. */
static void run_func(run_ctx *c, eng_func *f)
{
	const eng_functype *ty = eng_func_type(f);
	eng_val zeros[HOST_MAX_RESULTS];
	eng_val *args;
	eng_thread *t;
	volatile uint64_t sum = 0;
	int refuels = 0, resumes = 0;

	if (c->fuel_left <= 0)
		return;
	memset(zeros, 0, sizeof zeros);
	args = calloc(ty->nparams ? ty->nparams : 1, sizeof *args);
	t = eng_thread_new(c->store, NULL);
	if (!args || !t)
		goto out_free;
	int64_t slice = c->fuel_left < FUEL ? c->fuel_left : FUEL;
	c->fuel_left -= slice;
	eng_thread_set_fuel(t, slice);
	int st = eng_call(t, f, args, ty->nparams);
	for (;;) {
		if (st == ENG_OUT_OF_FUEL && refuels < MAX_REFUELS && c->fuel_left > 0) {
			refuels++;
			slice = c->fuel_left < FUEL ? c->fuel_left : FUEL;
			c->fuel_left -= slice;
			eng_thread_set_fuel(t, slice);
			st = eng_resume(t, NULL);
		} else if (st == ENG_SUSPENDED && resumes < MAX_RESUMES) {
			resumes++;
			st = eng_resume(t, zeros);
		} else {
			break;
		}
	}
	if (st == ENG_DONE) {
		uint32_t n;
		const eng_val *r = eng_thread_results(t, &n);

		if (n != ty->nresults) {
			fprintf(stderr, "call finished with %u results, its type has %u\n", n, ty->nresults);
			c->bad = 1;
		}
		for (uint32_t i = 0; i < n; i++)
			sum += r[i].u64;
	} else if (st == ENG_TRAPPED) {
		const eng_trap *tr = eng_thread_trap(t);

		if (!memchr(tr->msg, 0, sizeof tr->msg) || tr->depth > ENG_BACKTRACE_MAX) {
			fprintf(stderr, "trap message unended or backtrace too deep\n");
			c->bad = 1;
		}
		for (uint32_t i = 0; i < tr->depth && i < ENG_BACKTRACE_MAX; i++)
			sum += touch(tr->frames[i].name, tr->frames[i].name_len) + tr->frames[i].func_index;
	} else if (st < 0) {
		fprintf(stderr, "eng_call refused a call of the right arity: %d\n", st);
		c->bad = 1;
	}
	(void)sum;
out_free:
	eng_thread_free(t);
	free(args);
}

static void run_instance(run_ctx *c, eng_instance *inst)
{
	const eng_module *m = eng_instance_module(inst);
	eng_func *start = eng_instance_start(inst);
	volatile uint64_t sum = 0;

	if (start)
		run_func(c, start);
	for (uint32_t i = 0; i < eng_module_num_exports(m); i++) {
		eng_export_desc d;
		eng_extern ext;

		eng_module_export(m, i, &d);
		if (eng_instance_export(inst, d.name, d.name_len, &ext) != 0 || ext.kind != d.kind) {
			fprintf(stderr, "export %u not found by its own name\n", i);
			c->bad = 1;
			continue;
		}
		switch (ext.kind) {
		case ENG_EXTERN_FUNC:
			run_func(c, ext.u.func);
			break;
		case ENG_EXTERN_MEMORY: {
			uint64_t size = eng_memory_size(ext.u.memory);
			if (size)
				sum += eng_memory_data(ext.u.memory)[0] + eng_memory_data(ext.u.memory)[size - 1];
			break;
		}
		case ENG_EXTERN_TABLE:
			sum += eng_table_size(ext.u.table) + eng_table_type(ext.u.table);
			break;
		case ENG_EXTERN_GLOBAL:
			sum += eng_global_get(ext.u.global).u64;
			break;
		}
	}
	(void)sum;
}

int fuzz_run_pass(const uint8_t *data, size_t len, unsigned long fail_at, int for_good,
		  unsigned long *calls)
{
	static const eng_limits limits = {
		.max_call_depth = 1000,
		.max_stack_slots = 100000,
		.max_memory_pages = 16,
		.max_table_elems = 10000,
	};
	heap hh, *h = &hh;
	eng_alloc a = { heap_fn, h };
	eng_module *m;
	eng_instance *inst;
	eng_error err;
	run_ctx c;

	memset(h, 0, sizeof *h);
	h->fail_at = fail_at;
	h->fail_after = for_good;
	memset(&c, 0, sizeof c);
	c.fuel_left = INPUT_FUEL;
	if (eng_module_load(&a, data, len, &m, &err) != 0) {
		if (calls)
			*calls = h->calls;
		return heap_check(h, "run");
	}
	c.store = eng_store_new(&a, &limits);
	if (c.store) {
		memset(&err, 0, sizeof err);
		int rc = eng_instantiate(c.store, m, resolve, &c, &inst, &err);
		if (rc == 0)
			run_instance(&c, inst);
		else
			c.bad |= error_check(&err, rc, "eng_instantiate");
		eng_store_free(c.store);
	}
	while (c.bindings) {
		binding *next = c.bindings->next;
		free(c.bindings);
		c.bindings = next;
	}
	eng_module_free(m);
	if (calls)
		*calls = h->calls;
	return c.bad | heap_check(h, "run");
}

int fuzz_run_one(const uint8_t *data, size_t len)
{
	unsigned long calls;
	uint32_t hash = input_hash(data, len);

	if (fuzz_run_pass(data, len, 0, 0, &calls))
		return 1;
	return calls ? fuzz_run_pass(data, len, 1 + (hash >> 1) % calls, hash & 1, NULL) : 0;
}
