/* decode.c: the Wasm 2.0 binary format, decoded into an eng_module, with the
 * module-level validation rules checked on the way.
 *
 * One pass over the sections.  A decoding error (ENG_ERR_MALFORMED) stops at once.
 * A validation error (ENG_ERR_INVALID) found on the way is only remembered (the first
 * one wins) and reported when the whole binary has decoded, because the spec says a
 * malformed binary is malformed even if an earlier part is also invalid.  So every
 * later step must cope with what an invalid module may hold (an index out of range).
 *
 * Everything a later section refers to comes earlier in the required section order,
 * so each index is checked when it is read.  Function bodies are only delimited here
 * (their locals are checked for count); compile.c decodes and validates the code.
 *
 * Invariants for eng_module_free: each array's count is the number of entries
 * allocated, and entries are zero until filled.
 */
#include "module.h"

#include <stdarg.h>

#include "fmt.h"
#include "defaults.h"
#include "mem.h"

/* A 32-bit memory holds at most 65536 pages of 64 KiB. */
#define DEC_MAX_PAGES 65536u

#define TRY(e) do { int rc_ = (e); if (rc_) return rc_; } while (0)

typedef struct dec {
	eng_module *m;
	eng_error *err;     /* where decoding errors go; may be NULL */
	const uint8_t *b;
	uint32_t pos;
	uint32_t end;       /* end of the current section, or of the module */
	uint32_t len;
	bool has_inv;       /* a validation error is pending in inv */
	eng_error inv;
	uint32_t nfunc_decls;   /* entries in the function section */
	bool has_code, has_data;
	bool has_names;         /* the first "name" custom section: [name_pos, name_end) */
	uint32_t name_pos, name_end;
} dec;

/* ---- errors -------------------------------------------------------------------- */

static int malformed(dec *d, uint32_t off, const char *msg)
{
	eng_error_set(d->err, ENG_ERR_MALFORMED, off, "%s", msg);
	return ENG_ERR_MALFORMED;
}

static int nomem(dec *d)
{
	eng_error_set(d->err, ENG_ERR_NOMEM, d->pos, "out of memory");
	return ENG_ERR_NOMEM;
}

/* Remembers a validation error; decoding goes on. */
static void invalid(dec *d, uint32_t off, const char *fmt, ...)
{
	va_list ap;

	if (d->has_inv)
		return;
	d->has_inv = true;
	d->inv.code = ENG_ERR_INVALID;
	d->inv.offset = off;
	va_start(ap, fmt);
	wos_vsnprintf(d->inv.msg, sizeof d->inv.msg, fmt, ap);
	va_end(ap);
}

/* Reading past the end: of the module, or only of the current section. */
static int eof(dec *d)
{
	return malformed(d, d->pos, d->end == d->len ? "unexpected end"
				    : "unexpected end of section or function");
}

/* ---- primitive reads ------------------------------------------------------------ */

static int rd_byte(dec *d, uint8_t *out)
{
	if (d->pos >= d->end)
		return eof(d);
	*out = d->b[d->pos++];
	return 0;
}

static int rd_bytes(dec *d, uint8_t *out, uint32_t n)
{
	if (n > d->end - d->pos)
		return eof(d);
	wos_memcpy(out, d->b + d->pos, n);
	d->pos += n;
	return 0;
}

/* Unsigned LEB128 of at most `bits` bits: at most ceil(bits/7) bytes, and the bits
 * of the last byte beyond `bits` must be zero. */
static int rd_uleb(dec *d, unsigned bits, uint64_t *out)
{
	uint64_t v = 0;
	unsigned shift = 0;
	uint8_t b;

	for (;;) {
		int left = (int)bits - (int)shift;

		if (left <= 0)
			return malformed(d, d->pos, "integer representation too long");
		TRY(rd_byte(d, &b));
		if (left < 7 && (b & 0x7f) >= (1u << left))
			return malformed(d, d->pos - 1, "integer too large");
		v |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
		if (!(b & 0x80))
			break;
	}
	*out = v;
	return 0;
}

/* Signed LEB128 of `bits` bits: the unused bits of the last byte must repeat the
 * sign bit. */
static int rd_sleb(dec *d, unsigned bits, int64_t *out)
{
	uint64_t v = 0;
	unsigned shift = 0;
	uint8_t b;

	for (;;) {
		int left = (int)bits - (int)shift;

		if (left <= 0)
			return malformed(d, d->pos, "integer representation too long");
		TRY(rd_byte(d, &b));
		if (left < 7) {
			uint8_t mask = (uint8_t)((0xffu << (left - 1)) & 0x7f);

			if ((b & mask) != 0 && (b & mask) != mask)
				return malformed(d, d->pos - 1, "integer too large");
		}
		v |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
		if (!(b & 0x80))
			break;
	}
	if (shift < 64 && (b & 0x40))
		v |= ~(uint64_t)0 << shift;
	*out = (int64_t)v;
	return 0;
}

static int rd_u32(dec *d, uint32_t *out)
{
	uint64_t v;

	TRY(rd_uleb(d, 32, &v));
	*out = (uint32_t)v;
	return 0;
}

/* A vector length.  Every item takes at least one byte, so a count beyond the bytes
 * left cannot be met; refusing it here also bounds every allocation by the input. */
static int rd_count(dec *d, uint32_t *out)
{
	TRY(rd_u32(d, out));
	if (*out > d->end - d->pos)
		return eof(d);
	return 0;
}

/* A byte length, checked against the module and then the section. */
static int rd_len(dec *d, uint32_t *out)
{
	uint32_t off = d->pos;

	TRY(rd_u32(d, out));
	if (*out > d->len - d->pos)
		return malformed(d, off, "length out of bounds");
	if (*out > d->end - d->pos)
		return eof(d);
	return 0;
}

/* Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF. */
static bool utf8_ok(const uint8_t *s, uint32_t n)
{
	uint32_t i = 0;

	while (i < n) {
		uint8_t c = s[i];
		uint32_t need, k;
		uint8_t lo = 0x80, hi = 0xbf; /* allowed range of the first continuation */

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c < 0xc2)
			return false;
		if (c < 0xe0) {
			need = 1;
		} else if (c < 0xf0) {
			need = 2;
			if (c == 0xe0)
				lo = 0xa0;
			else if (c == 0xed)
				hi = 0x9f;
		} else if (c < 0xf5) {
			need = 3;
			if (c == 0xf0)
				lo = 0x90;
			else if (c == 0xf4)
				hi = 0x8f;
		} else {
			return false;
		}
		if (need > n - i - 1)
			return false;
		if (s[i + 1] < lo || s[i + 1] > hi)
			return false;
		for (k = 2; k <= need; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
		}
		i += need + 1;
	}
	return true;
}

static int rd_name(dec *d, const char **s, uint32_t *n)
{
	uint32_t off;

	TRY(rd_len(d, n));
	off = d->pos;
	if (!utf8_ok(d->b + off, *n))
		return malformed(d, off, "malformed UTF-8 encoding");
	*s = (const char *)(d->b + off);
	d->pos += *n;
	return 0;
}

/* The reference interpreter reads type codes as signed LEB128 (s7): a byte with the
 * continuation bit is an overlong integer, anything else an unknown type. */
static int bad_type_byte(dec *d, uint8_t b, const char *msg)
{
	if (b & 0x80)
		return malformed(d, d->pos, "integer representation too long");
	return malformed(d, d->pos - 1, msg);
}

static bool is_reftype(uint8_t t)
{
	return t == ENG_FUNCREF || t == ENG_EXTERNREF;
}

static int rd_valtype(dec *d, uint8_t *t)
{
	TRY(rd_byte(d, t));
	switch (*t) {
	case ENG_I32: case ENG_I64: case ENG_F32: case ENG_F64: case ENG_V128:
	case ENG_FUNCREF: case ENG_EXTERNREF:
		return 0;
	}
	return bad_type_byte(d, *t, "malformed value type");
}

static int rd_reftype(dec *d, uint8_t *t)
{
	TRY(rd_byte(d, t));
	if (is_reftype(*t))
		return 0;
	return bad_type_byte(d, *t, "malformed reference type");
}

/* Limits: a flag (0: min only, 1: min and max) read as a 1-bit LEB128, then u32s. */
static int rd_limits(dec *d, eng_limits_decl *l)
{
	uint64_t flag;

	TRY(rd_uleb(d, 1, &flag));
	TRY(rd_u32(d, &l->min));
	l->has_max = flag == 1;
	l->max = 0;
	if (l->has_max)
		TRY(rd_u32(d, &l->max));
	return 0;
}

static void check_mem_limits(dec *d, uint32_t off, const eng_limits_decl *l)
{
	if (l->min > DEC_MAX_PAGES || (l->has_max && l->max > DEC_MAX_PAGES))
		invalid(d, off, "memory size must be at most 65536 pages (4GiB)");
	else if (l->has_max && l->min > l->max)
		invalid(d, off, "size minimum must not be greater than maximum");
}

static void check_table_limits(dec *d, uint32_t off, const eng_limits_decl *l)
{
	if (l->has_max && l->min > l->max)
		invalid(d, off, "size minimum must not be greater than maximum");
}

static void check_type_index(dec *d, uint32_t off, uint32_t idx)
{
	if (idx >= d->m->ntypes)
		invalid(d, off, "unknown type %u", idx);
}

/* ---- allocation ---------------------------------------------------------------- */

static void *alloc_array(dec *d, uint32_t count, size_t size)
{
	void *p = NULL;

	if ((size_t)count <= SIZE_MAX / size)
		p = eng_mem_alloc(&d->m->alloc, (size_t)count * size);
	if (!p)
		nomem(d);
	return p;
}

/* Grows an index-space array from n to n + add entries (add > 0); NULL on failure,
 * when the old array is still the module's. */
static void *grow_array(dec *d, void *arr, uint32_t n, uint32_t add, size_t size)
{
	void *p = NULL;
	uint64_t total = (uint64_t)n + add;

	if (total <= UINT32_MAX && total <= SIZE_MAX / size)
		p = eng_mem_realloc(&d->m->alloc, arr, (size_t)n * size, (size_t)total * size);
	if (!p)
		nomem(d);
	return p;
}

/* ---- constant expressions ------------------------------------------------------- */

/* Opcodes that exist in Wasm 2.0 (plus the 0xfd SIMD prefix); any other byte is an
 * illegal opcode, a decoding error, rather than a non-constant instruction. */
static bool opcode_exists(uint8_t op)
{
	return op <= 0x05 || (op >= 0x0b && op <= 0x11) || (op >= 0x1a && op <= 0x1c) ||
	       (op >= 0x20 && op <= 0x26) || (op >= 0x28 && op <= 0xc4) ||
	       (op >= 0xd0 && op <= 0xd2) || op == 0xfc || op == 0xfd;
}

/* A constant expression producing `want`.  Wasm 2.0 allows exactly one constant
 * instruction; global.get may name only an imported, immutable global. */
static int rd_const(dec *d, uint8_t want, eng_constexpr *ce)
{
	eng_module *m = d->m;
	uint32_t start = d->pos, n = 0;

	wos_memset(ce, 0, sizeof *ce);
	for (;;) {
		eng_constexpr c;
		uint32_t off = d->pos;
		uint8_t op;
		int64_t s;
		uint8_t raw[8];

		wos_memset(&c, 0, sizeof c);
		TRY(rd_byte(d, &op));
		if (op == 0x0b)
			break;
		switch (op) {
		case 0x41:
			TRY(rd_sleb(d, 32, &s));
			c.kind = CONST_I32;
			c.type = ENG_I32;
			c.value.i32 = (int32_t)s;
			break;
		case 0x42:
			TRY(rd_sleb(d, 64, &s));
			c.kind = CONST_I64;
			c.type = ENG_I64;
			c.value.i64 = s;
			break;
		case 0x43:
			TRY(rd_bytes(d, raw, 4));
			c.kind = CONST_F32;
			c.type = ENG_F32;
			c.value.u32 = (uint32_t)raw[0] | (uint32_t)raw[1] << 8 |
				      (uint32_t)raw[2] << 16 | (uint32_t)raw[3] << 24;
			break;
		case 0x44: {
			int i;

			TRY(rd_bytes(d, raw, 8));
			c.kind = CONST_F64;
			c.type = ENG_F64;
			for (i = 7; i >= 0; i--)
				c.value.u64 = c.value.u64 << 8 | raw[i];
			break;
		}
		case 0xd0:
			TRY(rd_reftype(d, &c.type));
			c.kind = CONST_REF_NULL;
			break;
		case 0xd2:
			TRY(rd_u32(d, &c.index));
			c.kind = CONST_REF_FUNC;
			c.type = ENG_FUNCREF;
			if (c.index >= m->nfuncs)
				invalid(d, off, "unknown function %u", c.index);
			break;
		case 0x23:
			TRY(rd_u32(d, &c.index));
			c.kind = CONST_GLOBAL_GET;
			/* Only imported globals are visible to constant expressions. */
			if (c.index >= m->nglobal_imports)
				invalid(d, off, "unknown global %u", c.index);
			else if (m->globals[c.index].mutable_)
				invalid(d, off, "constant expression required");
			else
				c.type = m->globals[c.index].type;
			break;
		case 0xfd: {
			uint32_t sub;

			TRY(rd_u32(d, &sub));
			if (sub != 12) {
				/* An unknown instruction cannot be skipped: stop, and report
				 * the first validation error, this one or one found before. */
				invalid(d, off, "constant expression required");
				if (d->err)
					*d->err = d->inv;
				return ENG_ERR_INVALID;
			}
			TRY(rd_bytes(d, c.value.v128, 16));
			c.kind = CONST_V128;
			c.type = ENG_V128;
			break;
		}
		default:
			if (!opcode_exists(op)) {
				eng_error_set(d->err, ENG_ERR_MALFORMED, off, "illegal opcode %02x", op);
				return ENG_ERR_MALFORMED;
			}
			/* A real instruction that is not constant: its immediates are
			 * unknown here, so decoding cannot go on.  Report it now. */
			eng_error_set(d->err, ENG_ERR_INVALID, off, "constant expression required");
			return ENG_ERR_INVALID;
		}
		if (n == 0)
			*ce = c;
		n++;
	}
	/* One value of type want, and nothing else, must be left on the stack. */
	if (n != 1 || (ce->type && ce->type != want))
		invalid(d, start, "type mismatch");
	return 0;
}

/* ---- sections ------------------------------------------------------------------ */

static int sec_type(dec *d)
{
	eng_module *m = d->m;
	uint32_t count, i;

	TRY(rd_count(d, &count));
	if (!count)
		return 0;
	m->types = alloc_array(d, count, sizeof *m->types);
	if (!m->types)
		return ENG_ERR_NOMEM;
	m->ntypes = count;
	for (i = 0; i < count; i++) {
		eng_functype *ft = &m->types[i];
		uint32_t k;
		uint8_t form, t;

		TRY(rd_byte(d, &form));
		if (form != 0x60)
			return bad_type_byte(d, form, "malformed function type");
		/* Each value type is one byte, so the types point into the binary. */
		TRY(rd_count(d, &ft->nparams));
		ft->params = d->b + d->pos;
		for (k = 0; k < ft->nparams; k++)
			TRY(rd_valtype(d, &t));
		TRY(rd_count(d, &ft->nresults));
		ft->results = d->b + d->pos;
		for (k = 0; k < ft->nresults; k++)
			TRY(rd_valtype(d, &t));
	}
	return 0;
}

typedef struct import_item {
	eng_import imp;
	eng_tabledecl table;
	eng_limits_decl mem;
	eng_globaldecl global;
} import_item;

static int rd_import(dec *d, import_item *it)
{
	uint32_t off;
	uint8_t kind, mut;

	wos_memset(it, 0, sizeof *it);
	TRY(rd_name(d, &it->imp.module, &it->imp.module_len));
	TRY(rd_name(d, &it->imp.name, &it->imp.name_len));
	off = d->pos;
	TRY(rd_byte(d, &kind));
	it->imp.kind = kind;
	switch (kind) {
	case ENG_EXTERN_FUNC:
		TRY(rd_u32(d, &it->imp.index));
		check_type_index(d, off, it->imp.index);
		return 0;
	case ENG_EXTERN_TABLE:
		TRY(rd_reftype(d, &it->table.elem_type));
		TRY(rd_limits(d, &it->table.limits));
		check_table_limits(d, off, &it->table.limits);
		return 0;
	case ENG_EXTERN_MEMORY:
		TRY(rd_limits(d, &it->mem));
		check_mem_limits(d, off, &it->mem);
		return 0;
	case ENG_EXTERN_GLOBAL:
		TRY(rd_valtype(d, &it->global.type));
		TRY(rd_byte(d, &mut));
		if (mut > 1)
			return malformed(d, d->pos - 1, "malformed mutability");
		it->global.mutable_ = mut;
		return 0;
	}
	return malformed(d, off, "malformed import kind");
}

/* Two passes: the first decodes and counts each kind, so that the index-space arrays
 * are allocated once; the second stores.  The second cannot fail. */
static int sec_import(dec *d)
{
	eng_module *m = d->m;
	uint32_t count, i, start, n[4] = { 0, 0, 0, 0 };
	import_item it;

	TRY(rd_count(d, &count));
	if (!count)
		return 0;
	start = d->pos;
	for (i = 0; i < count; i++) {
		TRY(rd_import(d, &it));
		n[it.imp.kind]++;
	}
	m->imports = alloc_array(d, count, sizeof *m->imports);
	if (!m->imports)
		return ENG_ERR_NOMEM;
	m->nimports = count;
	if (n[ENG_EXTERN_FUNC]) {
		m->funcs = alloc_array(d, n[ENG_EXTERN_FUNC], sizeof *m->funcs);
		if (!m->funcs)
			return ENG_ERR_NOMEM;
		m->nfuncs = m->nfunc_imports = n[ENG_EXTERN_FUNC];
	}
	if (n[ENG_EXTERN_TABLE]) {
		m->tables = alloc_array(d, n[ENG_EXTERN_TABLE], sizeof *m->tables);
		if (!m->tables)
			return ENG_ERR_NOMEM;
		m->ntables = m->ntable_imports = n[ENG_EXTERN_TABLE];
	}
	if (n[ENG_EXTERN_MEMORY]) {
		m->mems = alloc_array(d, n[ENG_EXTERN_MEMORY], sizeof *m->mems);
		if (!m->mems)
			return ENG_ERR_NOMEM;
		m->nmems = m->nmem_imports = n[ENG_EXTERN_MEMORY];
	}
	if (n[ENG_EXTERN_GLOBAL]) {
		m->globals = alloc_array(d, n[ENG_EXTERN_GLOBAL], sizeof *m->globals);
		if (!m->globals)
			return ENG_ERR_NOMEM;
		m->nglobals = m->nglobal_imports = n[ENG_EXTERN_GLOBAL];
	}

	d->pos = start;
	n[0] = n[1] = n[2] = n[3] = 0;
	for (i = 0; i < count; i++) {
		uint32_t off = d->pos;

		TRY(rd_import(d, &it));
		m->imports[i] = it.imp;
		switch (it.imp.kind) {
		case ENG_EXTERN_FUNC:
			m->funcs[n[0]++].type = it.imp.index;
			break;
		case ENG_EXTERN_TABLE:
			m->imports[i].index = n[1];
			m->tables[n[1]++] = it.table;
			break;
		case ENG_EXTERN_MEMORY:
			m->imports[i].index = n[2];
			m->mems[n[2]++] = it.mem;
			if (n[2] > 1)
				invalid(d, off, "multiple memories");
			break;
		case ENG_EXTERN_GLOBAL:
			m->imports[i].index = n[3];
			m->globals[n[3]++] = it.global;
			break;
		}
	}
	return 0;
}

static int sec_function(dec *d)
{
	eng_module *m = d->m;
	uint32_t count, i;
	eng_funcdecl *f;

	TRY(rd_count(d, &count));
	d->nfunc_decls = count;
	if (!count)
		return 0;
	f = grow_array(d, m->funcs, m->nfuncs, count, sizeof *m->funcs);
	if (!f)
		return ENG_ERR_NOMEM;
	m->funcs = f;
	m->nfuncs += count;
	for (i = m->nfunc_imports; i < m->nfuncs; i++) {
		uint32_t off = d->pos;

		TRY(rd_u32(d, &m->funcs[i].type));
		check_type_index(d, off, m->funcs[i].type);
	}
	return 0;
}

static int sec_table(dec *d)
{
	eng_module *m = d->m;
	uint32_t count, i;
	eng_tabledecl *t;

	TRY(rd_count(d, &count));
	if (!count)
		return 0;
	t = grow_array(d, m->tables, m->ntables, count, sizeof *m->tables);
	if (!t)
		return ENG_ERR_NOMEM;
	m->tables = t;
	m->ntables += count;
	for (i = m->ntable_imports; i < m->ntables; i++) {
		uint32_t off = d->pos;

		TRY(rd_reftype(d, &m->tables[i].elem_type));
		TRY(rd_limits(d, &m->tables[i].limits));
		check_table_limits(d, off, &m->tables[i].limits);
	}
	return 0;
}

static int sec_memory(dec *d)
{
	eng_module *m = d->m;
	uint32_t count, i;
	eng_limits_decl *l;

	TRY(rd_count(d, &count));
	if (!count)
		return 0;
	l = grow_array(d, m->mems, m->nmems, count, sizeof *m->mems);
	if (!l)
		return ENG_ERR_NOMEM;
	m->mems = l;
	m->nmems += count;
	for (i = m->nmem_imports; i < m->nmems; i++) {
		uint32_t off = d->pos;

		TRY(rd_limits(d, &m->mems[i]));
		check_mem_limits(d, off, &m->mems[i]);
		if (i > 0)
			invalid(d, off, "multiple memories");
	}
	return 0;
}

static int sec_global(dec *d)
{
	eng_module *m = d->m;
	uint32_t count, i;
	eng_globaldecl *g;

	TRY(rd_count(d, &count));
	if (!count)
		return 0;
	g = grow_array(d, m->globals, m->nglobals, count, sizeof *m->globals);
	if (!g)
		return ENG_ERR_NOMEM;
	m->globals = g;
	m->nglobals += count;
	for (i = m->nglobal_imports; i < m->nglobals; i++) {
		uint8_t mut;

		TRY(rd_valtype(d, &m->globals[i].type));
		TRY(rd_byte(d, &mut));
		if (mut > 1)
			return malformed(d, d->pos - 1, "malformed mutability");
		m->globals[i].mutable_ = mut;
		TRY(rd_const(d, m->globals[i].type, &m->globals[i].init));
	}
	return 0;
}

static uint32_t name_hash(const char *s, uint32_t n)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	while (n--)
		h = (h ^ (uint8_t)*s++) * 16777619u;
	return h;
}

/* Export names must be unique: an open-addressing set of export indices (+1, so 0
 * is empty) over at least twice as many slots as exports. */
static int sec_export(dec *d)
{
	eng_module *m = d->m;
	uint32_t count, i, cap = 1, *set;
	int rc = 0;

	TRY(rd_count(d, &count));
	if (!count)
		return 0;
	m->exports = alloc_array(d, count, sizeof *m->exports);
	if (!m->exports)
		return ENG_ERR_NOMEM;
	m->nexports = count;
	/* An export takes at least 3 bytes (name length, kind, index). */
	if (count > (d->end - d->pos) / 3)
		return eof(d);
	while (cap < 2 * (uint64_t)count)
		cap <<= 1;
	set = alloc_array(d, cap, sizeof *set);
	if (!set)
		return ENG_ERR_NOMEM;
	for (i = 0; i < count; i++) {
		eng_export *e = &m->exports[i];
		uint32_t off = d->pos, limit, h;
		uint8_t kind;

		rc = rd_name(d, &e->name, &e->name_len);
		if (rc)
			goto out_free_set;
		for (h = name_hash(e->name, e->name_len) & (cap - 1); set[h]; h = (h + 1) & (cap - 1)) {
			const eng_export *o = &m->exports[set[h] - 1];

			if (o->name_len == e->name_len &&
			    wos_memcmp(o->name, e->name, e->name_len) == 0) {
				invalid(d, off, "duplicate export name");
				break;
			}
		}
		if (!set[h])
			set[h] = i + 1;
		off = d->pos;
		rc = rd_byte(d, &kind);
		if (!rc && kind > ENG_EXTERN_GLOBAL)
			rc = malformed(d, off, "malformed export kind");
		if (!rc)
			rc = rd_u32(d, &e->index);
		if (rc)
			goto out_free_set;
		e->kind = kind;
		limit = kind == ENG_EXTERN_FUNC ? m->nfuncs : kind == ENG_EXTERN_TABLE ? m->ntables
			: kind == ENG_EXTERN_MEMORY ? m->nmems : m->nglobals;
		if (e->index >= limit) {
			static const char *const what[] = { "function", "table", "memory", "global" };

			invalid(d, off, "unknown %s %u", what[kind], e->index);
		}
	}
out_free_set:
	eng_mem_free(&m->alloc, set, sizeof *set * (size_t)cap);
	return rc;
}

static int sec_start(dec *d)
{
	eng_module *m = d->m;
	uint32_t off = d->pos, idx;

	TRY(rd_u32(d, &idx));
	m->start = idx;
	if (idx >= m->nfuncs) {
		invalid(d, off, "unknown function %u", idx);
	} else if (m->funcs[idx].type < m->ntypes) {
		const eng_functype *ft = &m->types[m->funcs[idx].type];

		if (ft->nparams || ft->nresults)
			invalid(d, off, "start function");
	}
	return 0;
}

/* Element segments, all eight encodings.  The flags: bit 0 set for passive or
 * declarative; bit 1 then declarative, else (active) an explicit table index; bit 2
 * items are expressions with a reference type, else function indices with an
 * element kind (absent, meaning funcref, for the two table-0 forms 0 and 4). */
static int rd_elem(dec *d, eng_elemseg *seg)
{
	eng_module *m = d->m;
	uint32_t off = d->pos, flags, i;
	uint8_t kind;

	TRY(rd_u32(d, &flags));
	if (flags > 7)
		return malformed(d, off, "malformed elements segment kind");
	seg->mode = !(flags & 1) ? SEG_ACTIVE : (flags & 2) ? SEG_DECLARATIVE : SEG_PASSIVE;
	seg->elem_type = ENG_FUNCREF;
	if (seg->mode == SEG_ACTIVE) {
		if (flags & 2)
			TRY(rd_u32(d, &seg->table));
		TRY(rd_const(d, ENG_I32, &seg->offset));
	}
	if (flags & 3) {
		if (flags & 4) {
			TRY(rd_reftype(d, &seg->elem_type));
		} else {
			TRY(rd_byte(d, &kind));
			if (kind != 0x00)
				return malformed(d, d->pos - 1, "malformed element kind");
		}
	}
	if (seg->mode == SEG_ACTIVE) {
		if (seg->table >= m->ntables)
			invalid(d, off, "unknown table %u", seg->table);
		else if (m->tables[seg->table].elem_type != seg->elem_type)
			invalid(d, off, "type mismatch");
	}
	TRY(rd_count(d, &seg->count));
	if (!seg->count)
		return 0;
	seg->items = alloc_array(d, seg->count, sizeof *seg->items);
	if (!seg->items) {
		seg->count = 0; /* nothing to free */
		return ENG_ERR_NOMEM;
	}
	for (i = 0; i < seg->count; i++) {
		eng_constexpr *c = &seg->items[i];

		if (flags & 4) {
			TRY(rd_const(d, seg->elem_type, c));
			continue;
		}
		off = d->pos;
		TRY(rd_u32(d, &c->index));
		c->kind = CONST_REF_FUNC;
		c->type = ENG_FUNCREF;
		if (c->index >= m->nfuncs)
			invalid(d, off, "unknown function %u", c->index);
	}
	return 0;
}

static int sec_elem(dec *d)
{
	eng_module *m = d->m;
	uint32_t count, i;

	TRY(rd_count(d, &count));
	if (!count)
		return 0;
	m->elems = alloc_array(d, count, sizeof *m->elems);
	if (!m->elems)
		return ENG_ERR_NOMEM;
	m->nelems = count;
	for (i = 0; i < count; i++)
		TRY(rd_elem(d, &m->elems[i]));
	return 0;
}

static int sec_datacount(dec *d)
{
	TRY(rd_u32(d, &d->m->datacount));
	d->m->has_datacount = true;
	return 0;
}

/* Locals are decoded again by the compiler; here only their count is bounded.  The
 * spec allows 2^32-1, but frames are sized from it: a small module must not ask for
 * gigabytes.  The bound counts the parameters too. */
static int rd_locals(dec *d, uint32_t nparams)
{
	uint32_t groups, i, n;
	uint64_t total = nparams;
	uint8_t t;

	TRY(rd_count(d, &groups));
	for (i = 0; i < groups; i++) {
		uint32_t off = d->pos;

		TRY(rd_u32(d, &n));
		total += n;
		if (total > ENG_MAX_LOCALS)
			return malformed(d, off, "too many locals");
		TRY(rd_valtype(d, &t));
	}
	return 0;
}

static int sec_code(dec *d)
{
	eng_module *m = d->m;
	uint32_t count, i, off = d->pos, sec_end = d->end;

	TRY(rd_count(d, &count));
	d->has_code = true;
	if (count != d->nfunc_decls)
		return malformed(d, off, "function and code section have inconsistent lengths");
	for (i = 0; i < count; i++) {
		eng_funcdecl *f = &m->funcs[m->nfunc_imports + i];
		uint32_t size;
		int rc;

		TRY(rd_len(d, &size));
		f->body_offset = d->pos;
		f->body_len = size;
		d->end = d->pos + size;
		rc = rd_locals(d, f->type < m->ntypes ? m->types[f->type].nparams : 0);
		d->end = sec_end;
		if (rc)
			return rc;
		d->pos = f->body_offset + size;
	}
	return 0;
}

static int sec_data(dec *d)
{
	eng_module *m = d->m;
	uint32_t count, i, off = d->pos;

	TRY(rd_count(d, &count));
	d->has_data = true;
	if (m->has_datacount && count != m->datacount)
		return malformed(d, off, "data count and data section have inconsistent lengths");
	if (!count)
		return 0;
	m->datas = alloc_array(d, count, sizeof *m->datas);
	if (!m->datas)
		return ENG_ERR_NOMEM;
	m->ndatas = count;
	for (i = 0; i < count; i++) {
		eng_dataseg *seg = &m->datas[i];
		uint32_t flags;

		off = d->pos;
		TRY(rd_u32(d, &flags));
		if (flags > 2)
			return malformed(d, off, "malformed data segment kind");
		seg->mode = flags == 1 ? SEG_PASSIVE : SEG_ACTIVE;
		if (flags == 2)
			TRY(rd_u32(d, &seg->memory));
		if (seg->mode == SEG_ACTIVE) {
			TRY(rd_const(d, ENG_I32, &seg->offset));
			if (seg->memory >= m->nmems)
				invalid(d, off, "unknown memory %u", seg->memory);
		}
		TRY(rd_len(d, &seg->len));
		seg->data_offset = d->pos;
		d->pos += seg->len;
	}
	return 0;
}

static int sec_custom(dec *d)
{
	const char *name;
	uint32_t n;

	TRY(rd_name(d, &name, &n));
	if (!d->has_names && n == 4 && wos_memcmp(name, "name", 4) == 0) {
		d->has_names = true;
		d->name_pos = d->pos;
		d->name_end = d->end;
	}
	d->pos = d->end;
	return 0;
}

/* ---- the name section ----------------------------------------------------------- */

/* Subsections 0 (module name) and 1 (function names); others are skipped. */
static int rd_names(dec *d)
{
	eng_module *m = d->m;
	int last = -1;

	while (d->pos < d->end) {
		uint32_t size, sub_end, count, i, idx, prev = 0;
		uint8_t id;
		const char *s;
		uint32_t n;

		TRY(rd_byte(d, &id));
		TRY(rd_len(d, &size));
		if ((int)id <= last)
			return ENG_ERR_MALFORMED;
		last = id;
		sub_end = d->pos + size;
		if (id == 0) {
			TRY(rd_name(d, &s, &n));
			m->name = s;
			m->name_len = n;
		} else if (id == 1) {
			TRY(rd_count(d, &count));
			for (i = 0; i < count; i++) {
				TRY(rd_u32(d, &idx));
				TRY(rd_name(d, &s, &n));
				/* A name map is sorted by index, without repeats. */
				if (i > 0 && idx <= prev)
					return ENG_ERR_MALFORMED;
				prev = idx;
				if (idx < m->nfuncs) {
					m->funcs[idx].name = s;
					m->funcs[idx].name_len = n;
				}
			}
		} else {
			d->pos = sub_end;
		}
		if (d->pos != sub_end)
			return ENG_ERR_MALFORMED;
	}
	return 0;
}

/* Names only help debugging: a broken name section is ignored, not an error. */
static void parse_names(dec *d)
{
	eng_module *m = d->m;
	eng_error scratch;
	dec s = *d;
	uint32_t i;

	s.err = &scratch;
	s.pos = d->name_pos;
	s.end = d->name_end;
	if (rd_names(&s) == 0)
		return;
	m->name = NULL;
	m->name_len = 0;
	for (i = 0; i < m->nfuncs; i++) {
		m->funcs[i].name = NULL;
		m->funcs[i].name_len = 0;
	}
}

/* ---- the module ----------------------------------------------------------------- */

static void mark_ref(eng_module *m, uint32_t idx)
{
	if (idx < m->nfuncs)
		m->declared_refs[idx / 8] |= (uint8_t)(1u << (idx % 8));
}

/* C.refs: every function a ref.func in code may name. */
static int declare_refs(dec *d)
{
	eng_module *m = d->m;
	uint32_t i, k;

	if (!m->nfuncs)
		return 0;
	m->declared_refs = alloc_array(d, (m->nfuncs + 7) / 8, 1);
	if (!m->declared_refs)
		return ENG_ERR_NOMEM;
	for (i = m->nglobal_imports; i < m->nglobals; i++) {
		if (m->globals[i].init.kind == CONST_REF_FUNC)
			mark_ref(m, m->globals[i].init.index);
	}
	for (i = 0; i < m->nelems; i++) {
		for (k = 0; k < m->elems[i].count; k++) {
			if (m->elems[i].items[k].kind == CONST_REF_FUNC)
				mark_ref(m, m->elems[i].items[k].index);
		}
	}
	for (i = 0; i < m->nexports; i++) {
		if (m->exports[i].kind == ENG_EXTERN_FUNC)
			mark_ref(m, m->exports[i].index);
	}
	return 0;
}

/* The position of each section id in the required order; 0 for an unknown id. */
static const uint8_t section_rank[13] = {
	[1] = 1, [2] = 2, [3] = 3, [4] = 4, [5] = 5, [6] = 6, [7] = 7, [8] = 8, [9] = 9,
	[12] = 10, [10] = 11, [11] = 12,
};

static int section(dec *d, uint8_t id)
{
	switch (id) {
	case 0: return sec_custom(d);
	case 1: return sec_type(d);
	case 2: return sec_import(d);
	case 3: return sec_function(d);
	case 4: return sec_table(d);
	case 5: return sec_memory(d);
	case 6: return sec_global(d);
	case 7: return sec_export(d);
	case 8: return sec_start(d);
	case 9: return sec_elem(d);
	case 10: return sec_code(d);
	case 11: return sec_data(d);
	default: return sec_datacount(d);
	}
}

int eng_decode_module(eng_module *m, eng_error *err)
{
	static const uint8_t magic[4] = { 0x00, 0x61, 0x73, 0x6d };
	static const uint8_t version[4] = { 0x01, 0x00, 0x00, 0x00 };
	dec dd, *d = &dd;
	uint8_t last_rank = 0;

	wos_memset(d, 0, sizeof *d);
	d->m = m;
	d->err = err;
	d->b = m->bytes;
	d->len = d->end = (uint32_t)m->len;

	if (d->len < 4)
		return malformed(d, d->len, "unexpected end");
	if (wos_memcmp(d->b, magic, 4) != 0)
		return malformed(d, 0, "magic header not detected");
	if (d->len < 8)
		return malformed(d, d->len, "unexpected end");
	if (wos_memcmp(d->b + 4, version, 4) != 0)
		return malformed(d, 4, "unknown binary version");
	d->pos = 8;

	while (d->pos < d->len) {
		uint32_t off = d->pos, size;
		uint8_t id;

		TRY(rd_byte(d, &id));
		if (id > 12)
			return malformed(d, off, "malformed section id");
		TRY(rd_len(d, &size));
		if (id != 0) {
			/* A repeated or misplaced section: the reference interpreter
			 * has stopped expecting it, so it is trailing garbage. */
			if (section_rank[id] <= last_rank)
				return malformed(d, off, "unexpected content after last section");
			last_rank = section_rank[id];
		}
		d->end = d->pos + size;
		TRY(section(d, id));
		if (d->pos != d->end)
			return malformed(d, d->pos, "section size mismatch");
		d->end = d->len;
	}
	if (!d->has_code && d->nfunc_decls)
		return malformed(d, d->pos, "function and code section have inconsistent lengths");
	if (!d->has_data && m->has_datacount && m->datacount)
		return malformed(d, d->pos, "data count and data section have inconsistent lengths");
	if (d->has_inv) {
		if (err)
			*err = d->inv;
		return ENG_ERR_INVALID;
	}
	TRY(declare_refs(d));
	if (d->has_names)
		parse_names(d);
	return ENG_OK;
}
