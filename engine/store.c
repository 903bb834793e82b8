/* store.c: the store and the objects it owns (host functions, memories, tables,
 * globals), with their accessors.
 *
 * Every object starts with an eng_obj header linking it into the store's list;
 * eng_store_free walks the list.  Memories and tables grow within both their
 * declared maximum and the store's limits.
 */
#include "runtime.h"
#include "defaults.h"

static void limits_fill(eng_limits *l)
{
	if (!l->max_call_depth) l->max_call_depth = ENG_DEFAULT_CALL_DEPTH;
	if (!l->max_stack_slots) l->max_stack_slots = ENG_DEFAULT_STACK_SLOTS;
	if (!l->max_memory_pages || l->max_memory_pages > ENG_DEFAULT_MEMORY_PAGES)
		l->max_memory_pages = ENG_DEFAULT_MEMORY_PAGES;
	if (!l->max_table_elems) l->max_table_elems = ENG_DEFAULT_TABLE_ELEMS;
}

eng_store *eng_store_new(const eng_alloc *a, const eng_limits *limits)
{
	eng_store *s = eng_mem_alloc(a, sizeof *s);
	if (!s) return NULL;
	s->alloc = *a;
	if (limits) s->limits = *limits;
	limits_fill(&s->limits);
	return s;
}

void *eng_store_obj_new(eng_store *s, uint8_t kind, size_t size)
{
	eng_obj *o = eng_mem_alloc(&s->alloc, size);
	if (!o) return NULL;
	o->kind = kind;
	o->size = size;
	o->next = s->objects;
	s->objects = o;
	return o;
}

static void instance_release(eng_store *s, eng_instance *inst)
{
	const eng_module *m = inst->module;
	const eng_alloc *a = &s->alloc;
	if (inst->elems) {
		for (uint32_t i = 0; i < m->nelems; i++)
			eng_mem_free(a, inst->elems[i].refs, m->elems[i].count * sizeof(uint64_t));
	}
	eng_mem_free(a, inst->elems, m->nelems * sizeof *inst->elems);
	eng_mem_free(a, inst->funcs, m->nfuncs * sizeof *inst->funcs);
	eng_mem_free(a, inst->tables, m->ntables * sizeof *inst->tables);
	eng_mem_free(a, inst->mems, m->nmems * sizeof *inst->mems);
	eng_mem_free(a, inst->globals, m->nglobals * sizeof *inst->globals);
	eng_mem_free(a, inst->data_dropped, m->ndatas * sizeof *inst->data_dropped);
	eng_mem_free(a, inst->type_hashes, m->ntypes * sizeof *inst->type_hashes);
}

void eng_store_free(eng_store *s)
{
	if (!s) return;
	const eng_alloc *a = &s->alloc;
	eng_obj *o = s->objects;
	while (o) {
		eng_obj *next = o->next;
		switch (o->kind) {
		case OBJ_FUNC: {
			eng_func *f = (eng_func *)o;
			if (f->host) {
				uint32_t n = f->host_type.nparams + f->host_type.nresults;
				eng_mem_free(a, f->host_types, n ? n : 1);
				eng_mem_free(a, f->host_name, f->host_name_len + 1);
			}
			break;
		}
		case OBJ_MEMORY: {
			eng_memory *mem = (eng_memory *)o;
			eng_mem_free(a, mem->data, mem->size);
			break;
		}
		case OBJ_TABLE: {
			eng_table *t = (eng_table *)o;
			eng_mem_free(a, t->elems, (size_t)t->size * sizeof(uint64_t));
			break;
		}
		case OBJ_INSTANCE:
			instance_release(s, (eng_instance *)o);
			break;
		}
		eng_mem_free(a, o, o->size);
		o = next;
	}
	eng_mem_free(a, s, sizeof *s);
}

/* FNV-1a over the signature: equal types hash equal. */
uint32_t eng_functype_hash(const eng_functype *t)
{
	uint32_t h = 2166136261u;
	h = (h ^ t->nparams) * 16777619u;
	for (uint32_t i = 0; i < t->nparams; i++) h = (h ^ t->params[i]) * 16777619u;
	h = (h ^ 0xff) * 16777619u;
	for (uint32_t i = 0; i < t->nresults; i++) h = (h ^ t->results[i]) * 16777619u;
	return h;
}

eng_func *eng_host_func_new(eng_store *s, const eng_functype *type, eng_host_fn fn,
			    void *ud, const char *name)
{
	if (type->nparams > ENG_HOST_MAX_VALUES || type->nresults > ENG_HOST_MAX_VALUES) return NULL;
	eng_func *f = eng_store_obj_new(s, OBJ_FUNC, sizeof *f);
	if (!f) return NULL;
	uint32_t n = type->nparams + type->nresults;
	f->host_types = eng_mem_alloc(&s->alloc, n ? n : 1);
	if (!f->host_types) return NULL; /* the object itself is freed with the store */
	for (uint32_t i = 0; i < type->nparams; i++) f->host_types[i] = type->params[i];
	for (uint32_t i = 0; i < type->nresults; i++) f->host_types[type->nparams + i] = type->results[i];
	f->host_type.nparams = type->nparams;
	f->host_type.nresults = type->nresults;
	f->host_type.params = f->host_types;
	f->host_type.results = f->host_types + type->nparams;
	f->type = &f->host_type;
	f->type_hash = eng_functype_hash(f->type);
	f->host = fn;
	f->host_ud = ud;
	f->index = UINT32_MAX;
	if (name) {
		uint32_t len = 0;
		while (name[len]) len++;
		f->host_name = eng_mem_alloc(&s->alloc, len + 1);
		if (!f->host_name) return NULL; /* freed with the store */
		for (uint32_t i = 0; i < len; i++) f->host_name[i] = name[i];
		f->host_name_len = len;
	}
	return f;
}

eng_memory *eng_memory_make(eng_store *s, uint32_t min, uint32_t max)
{
	if (min > s->limits.max_memory_pages) return NULL;
	eng_memory *mem = eng_store_obj_new(s, OBJ_MEMORY, sizeof *mem);
	if (!mem) return NULL;
	mem->store = s;
	mem->max_pages = max < s->limits.max_memory_pages ? max : s->limits.max_memory_pages;
	if (min) {
		mem->data = eng_mem_alloc(&s->alloc, (size_t)min * ENG_PAGE_SIZE);
		if (!mem->data) return NULL;
	}
	mem->pages = min;
	mem->size = (uint64_t)min * ENG_PAGE_SIZE;
	return mem;
}

eng_memory *eng_memory_new(eng_store *s, uint32_t min_pages, uint32_t max_pages, bool has_max)
{
	eng_memory *mem = eng_memory_make(s, min_pages, has_max ? max_pages : ENG_DEFAULT_MEMORY_PAGES);
	if (mem) {
		mem->has_max = has_max;
		mem->decl_max = max_pages;
	}
	return mem;
}

int eng_memory_grow_pages(eng_memory *mem, uint32_t delta)
{
	uint32_t old = mem->pages;
	if (delta == 0) return (int)old;
	if (delta > mem->max_pages - old) return -1;
	uint64_t nsize = (uint64_t)(old + delta) * ENG_PAGE_SIZE;
	if (nsize > SIZE_MAX) return -1;
	uint8_t *n = eng_mem_realloc(&mem->store->alloc, mem->data, mem->size, (size_t)nsize);
	if (!n) return -1;
	/* eng_mem_realloc zeroes the new pages, as memory.grow requires */
	mem->data = n;
	mem->size = nsize;
	mem->pages = old + delta;
	return (int)old;
}

uint8_t *eng_memory_data(eng_memory *mem) { return mem->data; }
uint64_t eng_memory_size(eng_memory *mem) { return mem->size; }
int64_t eng_memory_grow(eng_memory *mem, uint32_t delta) { return eng_memory_grow_pages(mem, delta); }

eng_table *eng_table_make(eng_store *s, uint8_t type, uint32_t min, uint32_t max)
{
	if (min > s->limits.max_table_elems) return NULL;
	eng_table *t = eng_store_obj_new(s, OBJ_TABLE, sizeof *t);
	if (!t) return NULL;
	t->store = s;
	t->type = type;
	t->max = max < s->limits.max_table_elems ? max : s->limits.max_table_elems;
	if (min) {
		t->elems = eng_mem_alloc(&s->alloc, (size_t)min * sizeof(uint64_t));
		if (!t->elems) return NULL;
	}
	t->size = min;
	return t;
}

eng_table *eng_table_new(eng_store *s, uint8_t elem_type, uint32_t min, uint32_t max, bool has_max)
{
	eng_table *t = eng_table_make(s, elem_type, min, has_max ? max : UINT32_MAX);
	if (t) {
		t->has_max = has_max;
		t->decl_max = max;
	}
	return t;
}

int64_t eng_table_grow_elems(eng_table *t, uint32_t delta, uint64_t init)
{
	uint32_t old = t->size;
	if (delta == 0) return old;
	if (delta > t->max - old) return -1;
	uint64_t nsize = (uint64_t)old + delta;
	uint64_t *n = eng_mem_realloc(&t->store->alloc, t->elems, (size_t)old * sizeof(uint64_t),
				      (size_t)nsize * sizeof(uint64_t));
	if (!n) return -1;
	for (uint64_t i = old; i < nsize; i++) n[i] = init;
	t->elems = n;
	t->size = (uint32_t)nsize;
	return old;
}

uint32_t eng_table_size(const eng_table *t) { return t->size; }
uint8_t eng_table_type(const eng_table *t) { return t->type; }

eng_global *eng_global_new(eng_store *s, uint8_t valtype, bool mutable_, eng_val init)
{
	eng_global *g = eng_store_obj_new(s, OBJ_GLOBAL, sizeof *g);
	if (!g) return NULL;
	g->type = valtype;
	g->mutable_ = mutable_;
	eng_val_to_slot(valtype, &init, &g->val);
	return g;
}

uint8_t eng_global_type(const eng_global *g, bool *mutable_)
{
	if (mutable_) *mutable_ = g->mutable_;
	return g->type;
}

eng_val eng_global_get(const eng_global *g)
{
	eng_val v;
	eng_slot_to_val(g->type, &g->val, &v);
	return v;
}

void eng_global_set(eng_global *g, eng_val v) { eng_val_to_slot(g->type, &v, &g->val); }

const eng_functype *eng_func_type(const eng_func *f) { return f->type; }

const char *eng_func_name(const eng_func *f, uint32_t *len)
{
	if (f->host) {
		*len = f->host_name_len;
		return f->host_name;
	}
	const eng_module *m = f->inst->module;
	const eng_funcdecl *fd = &m->funcs[f->index];
	if (fd->name) {
		*len = fd->name_len;
		return fd->name;
	}
	for (uint32_t i = 0; i < m->nexports; i++) {
		if (m->exports[i].kind == ENG_EXTERN_FUNC && m->exports[i].index == f->index) {
			*len = m->exports[i].name_len;
			return m->exports[i].name;
		}
	}
	*len = 0;
	return NULL;
}
