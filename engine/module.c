/* module.c: the module object's life cycle and its read-only accessors.
 *
 * eng_module_load copies the bytes, decodes and validates them (decode.c), then
 * compiles every defined function (compile.c): decoding emits no code.  Everything
 * the module owns is reached from it and released by eng_module_free, which must
 * cope with a module that failed half way: each array's count always equals the
 * number of entries allocated, and entries not yet filled are zero.
 *
 * Also here: the allocator wrappers and the error helpers every engine file uses.
 */
#include "module.h"

#include <stdarg.h>

#include "fmt.h"
#include "mem.h"

/* ---- allocation ---------------------------------------------------------------- */

void *eng_mem_alloc(const eng_alloc *a, size_t n)
{
	void *p;

	if (n == 0)
		return NULL; /* callers never ask for nothing: size 0 means "free" here */
	p = a->fn(a->ud, NULL, 0, n);
	if (p)
		wos_memset(p, 0, n);
	return p;
}

void *eng_mem_realloc(const eng_alloc *a, void *p, size_t old, size_t n)
{
	unsigned char *q;

	if (n == 0) {
		eng_mem_free(a, p, old);
		return NULL;
	}
	q = a->fn(a->ud, p, p ? old : 0, n);
	/* The grown tail is zeroed too, so a half-filled array frees cleanly. */
	if (q && n > old)
		wos_memset(q + (p ? old : 0), 0, n - (p ? old : 0));
	return q;
}

void eng_mem_free(const eng_alloc *a, void *p, size_t n)
{
	if (p)
		a->fn(a->ud, p, n, 0);
}

/* ---- errors -------------------------------------------------------------------- */

const char *eng_error_text(int code)
{
	switch (code) {
	case ENG_OK: return "ok";
	case ENG_ERR_MALFORMED: return "malformed module";
	case ENG_ERR_INVALID: return "invalid module";
	case ENG_ERR_LINK: return "link error";
	case ENG_ERR_TRAP: return "trap during instantiation";
	case ENG_ERR_NOMEM: return "out of memory";
	case ENG_ERR_LIMIT: return "limit exceeded";
	case ENG_ERR_NOTFOUND: return "not found";
	case ENG_ERR_ARG: return "bad argument";
	default: return "unknown error";
	}
}

void eng_error_set(eng_error *err, int code, uint32_t offset, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return;
	err->code = code;
	err->offset = offset;
	va_start(ap, fmt);
	wos_vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
}

/* ---- types --------------------------------------------------------------------- */

bool eng_functype_equal(const eng_functype *a, const eng_functype *b)
{
	if (a->nparams != b->nparams || a->nresults != b->nresults)
		return false;
	return wos_memcmp(a->params, b->params, a->nparams) == 0 &&
	       wos_memcmp(a->results, b->results, a->nresults) == 0;
}

/* ---- life cycle ---------------------------------------------------------------- */

void eng_module_free(eng_module *m)
{
	const eng_alloc *a;
	uint32_t i;

	if (!m)
		return;
	a = &m->alloc;
	for (i = 0; i < m->nfuncs; i++) {
		if (m->funcs[i].code)
			eng_code_free(a, m->funcs[i].code);
	}
	for (i = 0; i < m->nelems; i++)
		eng_mem_free(a, m->elems[i].items, sizeof(eng_constexpr) * m->elems[i].count);
	eng_mem_free(a, m->declared_refs, ((size_t)m->nfuncs + 7) / 8);
	eng_mem_free(a, m->datas, sizeof(eng_dataseg) * m->ndatas);
	eng_mem_free(a, m->elems, sizeof(eng_elemseg) * m->nelems);
	eng_mem_free(a, m->exports, sizeof(eng_export) * m->nexports);
	eng_mem_free(a, m->globals, sizeof(eng_globaldecl) * m->nglobals);
	eng_mem_free(a, m->mems, sizeof(eng_limits_decl) * m->nmems);
	eng_mem_free(a, m->tables, sizeof(eng_tabledecl) * m->ntables);
	eng_mem_free(a, m->funcs, sizeof(eng_funcdecl) * m->nfuncs);
	eng_mem_free(a, m->imports, sizeof(eng_import) * m->nimports);
	eng_mem_free(a, m->types, sizeof(eng_functype) * m->ntypes);
	eng_mem_free(a, m->bytes, m->len);
	/* The struct goes last: a still points into it until here. */
	{
		eng_alloc copy = m->alloc;

		eng_mem_free(&copy, m, sizeof *m);
	}
}

int eng_module_load(const eng_alloc *a, const uint8_t *bytes, size_t len,
		    eng_module **out, eng_error *err)
{
	eng_module *m;
	uint32_t i;
	int rc;

	if (!out) {
		eng_error_set(err, ENG_ERR_ARG, 0, "no output pointer");
		return ENG_ERR_ARG;
	}
	*out = NULL;
	if (!a || !a->fn || (!bytes && len)) {
		eng_error_set(err, ENG_ERR_ARG, 0, "no allocator or no bytes");
		return ENG_ERR_ARG;
	}
	/* Offsets into the module are 32-bit. */
	if (len > UINT32_MAX) {
		eng_error_set(err, ENG_ERR_LIMIT, 0, "module larger than 4 GiB");
		return ENG_ERR_LIMIT;
	}
	m = eng_mem_alloc(a, sizeof *m);
	if (!m)
		goto out_nomem;
	m->alloc = *a;
	m->start = ENG_NO_INDEX;
	if (len) {
		m->bytes = eng_mem_alloc(a, len);
		if (!m->bytes)
			goto out_free_module;
		m->len = len;
		wos_memcpy(m->bytes, bytes, len);
	}
	rc = eng_decode_module(m, err);
	if (rc)
		goto out_fail;
	/* Imported functions come first in the index space and have no body. */
	for (i = m->nfunc_imports; i < m->nfuncs; i++) {
		rc = eng_compile_func(m, i, err);
		if (rc)
			goto out_fail;
	}
	*out = m;
	return ENG_OK;

out_fail:
	eng_module_free(m);
	return rc;
out_free_module:
	eng_module_free(m);
out_nomem:
	eng_error_set(err, ENG_ERR_NOMEM, 0, "out of memory");
	return ENG_ERR_NOMEM;
}

/* ---- imports and exports ------------------------------------------------------- */

uint32_t eng_module_num_imports(const eng_module *m)
{
	return m->nimports;
}

void eng_module_import(const eng_module *m, uint32_t i, eng_import_desc *out)
{
	const eng_import *imp = &m->imports[i];

	wos_memset(out, 0, sizeof *out);
	out->module = imp->module;
	out->module_len = imp->module_len;
	out->name = imp->name;
	out->name_len = imp->name_len;
	out->kind = imp->kind;
	switch (imp->kind) {
	case ENG_EXTERN_FUNC:
		out->func = &m->types[imp->index];
		break;
	case ENG_EXTERN_TABLE:
		out->valtype = m->tables[imp->index].elem_type;
		out->min = m->tables[imp->index].limits.min;
		out->max = m->tables[imp->index].limits.max;
		out->has_max = m->tables[imp->index].limits.has_max;
		break;
	case ENG_EXTERN_MEMORY:
		out->min = m->mems[imp->index].min;
		out->max = m->mems[imp->index].max;
		out->has_max = m->mems[imp->index].has_max;
		break;
	case ENG_EXTERN_GLOBAL:
		out->valtype = m->globals[imp->index].type;
		out->mutable_ = m->globals[imp->index].mutable_;
		break;
	}
}

uint32_t eng_module_num_exports(const eng_module *m)
{
	return m->nexports;
}

void eng_module_export(const eng_module *m, uint32_t i, eng_export_desc *out)
{
	const eng_export *e = &m->exports[i];

	out->name = e->name;
	out->name_len = e->name_len;
	out->kind = e->kind;
	out->index = e->index;
}
