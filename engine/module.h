/* module.h: the decoded module, as decode.c builds it and compile.c, instance.c and
 * exec.c read it.  Internal to engine/.
 *
 * Ownership: everything hangs off eng_module and is freed by eng_module_free.  The
 * module keeps its own copy of the binary (m->bytes); names and bodies point into it.
 */
#ifndef WASMOS_ENGINE_MODULE_H
#define WASMOS_ENGINE_MODULE_H

#include "engine.h"
#include "code.h"

#define ENG_NO_INDEX UINT32_MAX

/* A constant expression (Wasm 2.0: exactly one instruction before `end`). */
enum { CONST_I32, CONST_I64, CONST_F32, CONST_F64, CONST_V128, CONST_REF_NULL,
       CONST_REF_FUNC, CONST_GLOBAL_GET };
typedef struct eng_constexpr {
	uint8_t kind;     /* CONST_* */
	uint8_t type;     /* the value type it produces */
	uint32_t index;   /* function index (REF_FUNC) or global index (GLOBAL_GET) */
	eng_val value;    /* I32..V128: the immediate (floats as bits) */
} eng_constexpr;

typedef struct eng_limits_decl {
	uint32_t min, max;
	bool has_max;
} eng_limits_decl;

typedef struct eng_import {
	const char *module;
	uint32_t module_len;
	const char *name;
	uint32_t name_len;
	uint8_t kind;     /* ENG_EXTERN_* */
	uint32_t index;   /* kind FUNC: type index; otherwise the index in its space */
} eng_import;

typedef struct eng_export {
	const char *name;
	uint32_t name_len;
	uint8_t kind;
	uint32_t index;
} eng_export;

/* One function of the module's function index space (imports first). */
typedef struct eng_funcdecl {
	uint32_t type;            /* type index */
	/* defined functions only: */
	uint32_t body_offset;     /* offset of the body (after its size) in m->bytes */
	uint32_t body_len;
	eng_code *code;           /* compiled by compile.c; NULL for imports */
	const char *name;         /* from the name section, or NULL */
	uint32_t name_len;
} eng_funcdecl;

typedef struct eng_tabledecl {
	uint8_t elem_type;        /* ENG_FUNCREF or ENG_EXTERNREF */
	eng_limits_decl limits;
} eng_tabledecl;

typedef struct eng_globaldecl {
	uint8_t type;
	bool mutable_;
	eng_constexpr init;       /* defined globals only */
} eng_globaldecl;

enum { SEG_ACTIVE, SEG_PASSIVE, SEG_DECLARATIVE };

typedef struct eng_elemseg {
	uint8_t mode;             /* SEG_* */
	uint8_t elem_type;        /* ENG_FUNCREF or ENG_EXTERNREF */
	uint32_t table;           /* active only */
	eng_constexpr offset;     /* active only */
	uint32_t count;
	eng_constexpr *items;     /* count items: REF_FUNC, REF_NULL or GLOBAL_GET */
} eng_elemseg;

typedef struct eng_dataseg {
	uint8_t mode;             /* SEG_ACTIVE or SEG_PASSIVE */
	uint32_t memory;
	eng_constexpr offset;
	uint32_t data_offset;     /* in m->bytes */
	uint32_t len;
} eng_dataseg;

struct eng_module {
	eng_alloc alloc;
	uint8_t *bytes;
	size_t len;

	eng_functype *types;      /* params/results point into m->bytes (a value type
				   * is one byte in Wasm 2.0) */
	uint32_t ntypes;
	uint8_t *type_storage;    /* unused, NULL: kept for types wider than a byte */

	eng_import *imports;
	uint32_t nimports;

	eng_funcdecl *funcs;      /* imported functions first */
	uint32_t nfuncs, nfunc_imports;
	eng_tabledecl *tables;
	uint32_t ntables, ntable_imports;
	eng_limits_decl *mems;
	uint32_t nmems, nmem_imports;
	eng_globaldecl *globals;
	uint32_t nglobals, nglobal_imports;

	eng_export *exports;
	uint32_t nexports;
	uint32_t start;           /* function index or ENG_NO_INDEX */

	eng_elemseg *elems;
	uint32_t nelems;
	eng_dataseg *datas;
	uint32_t ndatas;
	bool has_datacount;
	uint32_t datacount;

	/* C.refs of the spec: functions that ref.func may name in code (those named in
	 * exports, global initializers and element segments).  One bit per function. */
	uint8_t *declared_refs;

	const char *name;         /* module name from the name section, or NULL */
	uint32_t name_len;
};

/* decode.c: decode and validate m->bytes into m (no code is compiled). */
int eng_decode_module(eng_module *m, eng_error *err);

/* compile.c: validate and compile m->funcs[index] (a defined function). */
int eng_compile_func(eng_module *m, uint32_t index, eng_error *err);
void eng_code_free(const eng_alloc *a, eng_code *code);

/* module.c helpers */
bool eng_functype_equal(const eng_functype *a, const eng_functype *b);
void *eng_mem_alloc(const eng_alloc *a, size_t n);      /* zeroed, NULL on failure */
void *eng_mem_realloc(const eng_alloc *a, void *p, size_t old, size_t n);
void eng_mem_free(const eng_alloc *a, void *p, size_t n);
void eng_error_set(eng_error *err, int code, uint32_t offset, const char *fmt, ...);

#endif
