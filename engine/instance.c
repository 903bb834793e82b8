/* instance.c: instantiation: link imports, allocate what the module defines,
 * evaluate initializers, apply element and data segments (spec 2.0 order: all
 * element segments, then all data segments; a trap stops there and keeps what was
 * already written), and find exports.
 */
#include "runtime.h"

static int link_error(eng_error *err, const eng_import *imp, const char *why)
{
	eng_error_set(err, ENG_ERR_LINK, 0, "%s: %.*s.%.*s", why, (int)imp->module_len,
		      imp->module, (int)imp->name_len, imp->name);
	return ENG_ERR_LINK;
}

/* Limits subtyping: actual {min, max} matches declared {min, max?}. */
static bool limits_match(uint32_t amin, bool ahas_max, uint32_t amax, const eng_limits_decl *d)
{
	if (amin < d->min) return false;
	if (d->has_max && (!ahas_max || amax > d->max)) return false;
	return true;
}

static int link_import(eng_instance *inst, const eng_module *m, const eng_import *imp,
		       const eng_extern *ext, uint32_t counts[4], eng_error *err)
{
	if (ext->kind != imp->kind) return link_error(err, imp, "incompatible import type");
	switch (imp->kind) {
	case ENG_EXTERN_FUNC:
		if (!ext->u.func || !eng_functype_equal(ext->u.func->type, &m->types[imp->index]))
			return link_error(err, imp, "incompatible import type");
		inst->funcs[counts[0]++] = ext->u.func;
		return 0;
	case ENG_EXTERN_TABLE: {
		const eng_tabledecl *d = &m->tables[counts[1]];
		eng_table *t = ext->u.table;
		if (!t || t->type != d->elem_type ||
		    !limits_match(t->size, t->has_max, t->decl_max, &d->limits))
			return link_error(err, imp, "incompatible import type");
		inst->tables[counts[1]++] = t;
		return 0;
	}
	case ENG_EXTERN_MEMORY: {
		const eng_limits_decl *d = &m->mems[counts[2]];
		eng_memory *mem = ext->u.memory;
		if (!mem || !limits_match(mem->pages, mem->has_max, mem->decl_max, d))
			return link_error(err, imp, "incompatible import type");
		inst->mems[counts[2]++] = mem;
		return 0;
	}
	case ENG_EXTERN_GLOBAL: {
		const eng_globaldecl *d = &m->globals[counts[3]];
		eng_global *g = ext->u.global;
		if (!g || g->type != d->type || g->mutable_ != d->mutable_)
			return link_error(err, imp, "incompatible import type");
		inst->globals[counts[3]++] = g;
		return 0;
	}
	}
	return link_error(err, imp, "unknown import");
}

static eng_slot eval_const(eng_instance *inst, const eng_constexpr *e)
{
	eng_slot s;
	s.u64 = 0;
	switch (e->kind) {
	case CONST_I32: case CONST_F32: s.u32 = e->value.u32; break;
	case CONST_I64: case CONST_F64: s.u64 = e->value.u64; break;
	case CONST_REF_NULL: s.u64 = 0; break;
	case CONST_REF_FUNC: s.u64 = (uint64_t)(uintptr_t)inst->funcs[e->index]; break;
	case CONST_GLOBAL_GET: s = inst->globals[e->index]->val; break;
	}
	return s;
}

static void *alloc_array(eng_store *s, uint32_t n, size_t size, int *rc)
{
	if (n == 0 || *rc) return NULL;
	void *p = eng_mem_alloc(&s->alloc, (size_t)n * size);
	if (!p) *rc = ENG_ERR_NOMEM;
	return p;
}

static int make_defined(eng_store *s, eng_instance *inst, const eng_module *m, eng_error *err)
{
	for (uint32_t i = m->nfunc_imports; i < m->nfuncs; i++) {
		eng_func *f = eng_store_obj_new(s, OBJ_FUNC, sizeof *f);
		if (!f) goto out_nomem;
		f->type = &m->types[m->funcs[i].type];
		f->type_hash = inst->type_hashes[m->funcs[i].type];
		f->inst = inst;
		f->index = i;
		f->code = m->funcs[i].code;
		inst->funcs[i] = f;
	}
	for (uint32_t i = m->ntable_imports; i < m->ntables; i++) {
		const eng_tabledecl *d = &m->tables[i];
		eng_table *t = eng_table_make(s, d->elem_type, d->limits.min,
					      d->limits.has_max ? d->limits.max : UINT32_MAX);
		if (!t) goto out_nomem;
		t->has_max = d->limits.has_max;
		t->decl_max = d->limits.max;
		inst->tables[i] = t;
	}
	for (uint32_t i = m->nmem_imports; i < m->nmems; i++) {
		const eng_limits_decl *d = &m->mems[i];
		eng_memory *mem = eng_memory_make(s, d->min, d->has_max ? d->max : 65536);
		if (!mem) goto out_nomem;
		mem->has_max = d->has_max;
		mem->decl_max = d->max;
		inst->mems[i] = mem;
	}
	for (uint32_t i = m->nglobal_imports; i < m->nglobals; i++) {
		const eng_globaldecl *d = &m->globals[i];
		eng_global *g = eng_store_obj_new(s, OBJ_GLOBAL, sizeof *g);
		if (!g) goto out_nomem;
		g->type = d->type;
		g->mutable_ = d->mutable_;
		g->val = eval_const(inst, &d->init);
		inst->globals[i] = g;
	}
	return 0;
out_nomem:
	eng_error_set(err, ENG_ERR_NOMEM, 0, "out of memory (or over the store's limits) "
		      "while allocating the instance");
	return ENG_ERR_NOMEM;
}

/* Element segments to run-time references; then the active ones into tables. */
static int init_segments(eng_store *s, eng_instance *inst, const eng_module *m, eng_error *err)
{
	for (uint32_t i = 0; i < m->nelems; i++) {
		const eng_elemseg *seg = &m->elems[i];
		eng_elem_rt *rt = &inst->elems[i];
		if (seg->count) {
			rt->refs = eng_mem_alloc(&s->alloc, (size_t)seg->count * sizeof(uint64_t));
			if (!rt->refs) {
				eng_error_set(err, ENG_ERR_NOMEM, 0, "out of memory");
				return ENG_ERR_NOMEM;
			}
		}
		for (uint32_t k = 0; k < seg->count; k++) rt->refs[k] = eval_const(inst, &seg->items[k]).u64;
		rt->count = seg->count;
	}
	for (uint32_t i = 0; i < m->nelems; i++) {
		const eng_elemseg *seg = &m->elems[i];
		eng_elem_rt *rt = &inst->elems[i];
		if (seg->mode == SEG_ACTIVE) {
			eng_table *t = inst->tables[seg->table];
			uint64_t off = eval_const(inst, &seg->offset).u32;
			if (off + rt->count > t->size) {
				eng_error_set(err, ENG_ERR_TRAP, 0, "out of bounds table access "
					      "(element segment %u)", i);
				return ENG_ERR_TRAP;
			}
			for (uint32_t k = 0; k < rt->count; k++) t->elems[off + k] = rt->refs[k];
		}
		if (seg->mode != SEG_PASSIVE) rt->count = 0; /* active and declarative: dropped */
	}
	for (uint32_t i = 0; i < m->ndatas; i++) {
		const eng_dataseg *d = &m->datas[i];
		if (d->mode != SEG_ACTIVE) continue;
		eng_memory *mem = inst->mems[d->memory];
		uint64_t off = eval_const(inst, &d->offset).u32;
		if (off + d->len > mem->size) {
			eng_error_set(err, ENG_ERR_TRAP, 0, "out of bounds memory access "
				      "(data segment %u)", i);
			return ENG_ERR_TRAP;
		}
		if (d->len) __builtin_memcpy(mem->data + off, m->bytes + d->data_offset, d->len);
		inst->data_dropped[i] = true;
	}
	return 0;
}

int eng_instantiate(eng_store *s, const eng_module *m, eng_resolve_fn resolve, void *ud,
		    eng_instance **out, eng_error *err)
{
	*out = NULL;
	eng_instance *inst = eng_store_obj_new(s, OBJ_INSTANCE, sizeof *inst);
	if (!inst) {
		eng_error_set(err, ENG_ERR_NOMEM, 0, "out of memory");
		return ENG_ERR_NOMEM;
	}
	inst->store = s;
	inst->module = m;
	int rc = 0;
	inst->funcs = alloc_array(s, m->nfuncs, sizeof *inst->funcs, &rc);
	inst->tables = alloc_array(s, m->ntables, sizeof *inst->tables, &rc);
	inst->mems = alloc_array(s, m->nmems, sizeof *inst->mems, &rc);
	inst->globals = alloc_array(s, m->nglobals, sizeof *inst->globals, &rc);
	inst->elems = alloc_array(s, m->nelems, sizeof *inst->elems, &rc);
	inst->data_dropped = alloc_array(s, m->ndatas, sizeof *inst->data_dropped, &rc);
	inst->type_hashes = alloc_array(s, m->ntypes, sizeof *inst->type_hashes, &rc);
	if (rc) {
		eng_error_set(err, rc, 0, "out of memory");
		return rc;
	}
	for (uint32_t i = 0; i < m->ntypes; i++) inst->type_hashes[i] = eng_functype_hash(&m->types[i]);

	uint32_t counts[4] = { 0, 0, 0, 0 };
	for (uint32_t i = 0; i < m->nimports; i++) {
		eng_import_desc desc;
		eng_extern ext;
		eng_module_import(m, i, &desc);
		if (!resolve || resolve(ud, &desc, &ext) != 0)
			return link_error(err, &m->imports[i], "unknown import");
		rc = link_import(inst, m, &m->imports[i], &ext, counts, err);
		if (rc) return rc;
	}
	rc = make_defined(s, inst, m, err);
	if (rc) return rc;
	inst->mem0 = m->nmems ? inst->mems[0] : NULL;
	/* the instance exists from here on, even if a segment traps */
	*out = inst;
	return init_segments(s, inst, m, err);
}

eng_func *eng_instance_start(eng_instance *inst)
{
	if (inst->module->start == ENG_NO_INDEX) return NULL;
	return inst->funcs[inst->module->start];
}

int eng_instance_export(eng_instance *inst, const char *name, uint32_t name_len, eng_extern *out)
{
	const eng_module *m = inst->module;
	for (uint32_t i = 0; i < m->nexports; i++) {
		const eng_export *e = &m->exports[i];
		if (e->name_len != name_len) continue;
		uint32_t k = 0;
		while (k < name_len && e->name[k] == name[k]) k++;
		if (k != name_len) continue;
		out->kind = e->kind;
		switch (e->kind) {
		case ENG_EXTERN_FUNC: out->u.func = inst->funcs[e->index]; break;
		case ENG_EXTERN_TABLE: out->u.table = inst->tables[e->index]; break;
		case ENG_EXTERN_MEMORY: out->u.memory = inst->mems[e->index]; break;
		case ENG_EXTERN_GLOBAL: out->u.global = inst->globals[e->index]; break;
		}
		return 0;
	}
	return ENG_ERR_NOTFOUND;
}

eng_memory *eng_instance_memory(eng_instance *inst, uint32_t index)
{
	return index < inst->module->nmems ? inst->mems[index] : NULL;
}

const eng_module *eng_instance_module(eng_instance *inst) { return inst->module; }
