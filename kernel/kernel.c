/* kernel.c: the kernel object: creation, limits, allocation, logging, id sets. */
#include "internal.h"
#include "fmt.h"

static void limits_fill(kern_limits *l, const kern_limits *base)
{
	if (!l->max_message) l->max_message = base ? base->max_message : KERN_DEFAULT_MAX_MESSAGE;
	if (!l->max_queue) l->max_queue = base ? base->max_queue : KERN_DEFAULT_MAX_QUEUE;
	if (!l->max_outstanding)
		l->max_outstanding = base ? base->max_outstanding : KERN_DEFAULT_MAX_OUTSTANDING;
	if (!l->max_memory_pages)
		l->max_memory_pages = base ? base->max_memory_pages : KERN_DEFAULT_MAX_PAGES;
	if (!l->fuel_slice) l->fuel_slice = base ? base->fuel_slice : KERN_DEFAULT_FUEL_SLICE;
	if (!l->max_call_depth) l->max_call_depth = base ? base->max_call_depth : KERN_DEFAULT_CALL_DEPTH;
}

void kern_limits_resolve(kern_limits *l, const kern_limits *base) { limits_fill(l, base); }

kern_state *kern_new(const kern_config *cfg)
{
	kern_state *k = cfg->alloc.fn(cfg->alloc.ud, NULL, 0, sizeof *k);
	if (!k) return NULL;
	__builtin_memset(k, 0, sizeof *k);
	k->alloc = cfg->alloc;
	k->plat = cfg->plat;
	k->plat_ud = cfg->plat_ud;
	k->limits = cfg->limits;
	limits_fill(&k->limits, NULL);
	k->next_pid = 1;
	k->next_msg_id = 1;
	if (kern_iface_init(k) != 0) {
		kern_free(k);
		return NULL;
	}
	return k;
}

void kern_free(kern_state *k)
{
	if (!k) return;
	/* end every process first: that answers what they held */
	for (kern_proc *p = k->procs; p; p = p->next)
		if (p->state != KERN_PROC_DEAD) kern_proc_end(k, p, -1, "kernel shut down");
	while (k->procs) kern_reap(k, k->procs->pid);
	kern_load_shutdown(k);
	kern_process_free(k);
	kern_msg_free_all(k);
	for (uint32_t i = 0; i < k->nhandlers; i++) kern_mem_free(k, k->handlers[i], sizeof *k->handlers[i]);
	kern_mem_free(k, k->handlers, k->handlers_cap * sizeof *k->handlers);
	kern_mem_free(k, k->table, k->table_size * sizeof *k->table);
	kern_idset_free(k, &k->default_grant);
	k->alloc.fn(k->alloc.ud, k, sizeof *k, 0);
}

void *kern_mem_alloc(kern_state *k, size_t n)
{
	void *p = k->alloc.fn(k->alloc.ud, NULL, 0, n ? n : 1);
	if (p) __builtin_memset(p, 0, n ? n : 1);
	return p;
}

void kern_mem_free(kern_state *k, void *p, size_t n)
{
	if (p) k->alloc.fn(k->alloc.ud, p, n ? n : 1, 0);
}

void kern_logf(kern_state *k, int level, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	int n = wos_vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (n < 0) return;
	if ((size_t)n >= sizeof line) n = sizeof line - 1;
	if (k->plat && k->plat->log) k->plat->log(k->plat_ud, level, line, (size_t)n);
}

const char *kern_error_text(int code)
{
	switch (code) {
	case KERN_OK: return "ok";
	case KERN_EFAULT: return "bad address";
	case KERN_EINVAL: return "invalid argument";
	case KERN_ENOENT: return "no such message or process";
	case KERN_EDENIED: return "interface denied";
	case KERN_ENOHANDLER: return "no handler for the interface";
	case KERN_ETOOBIG: return "message too big";
	case KERN_ELIMIT: return "limit reached";
	case KERN_ENOMEM: return "out of memory";
	case KERN_EEXIST: return "interface already handled";
	case KERN_ELOAD: return "program failed to load";
	case KERN_EHASH: return "bytes do not match their CID";
	}
	return "unknown error";
}

/* Ids are compared and copied on every message: as four words, not 32 bytes. */
bool kern_id_equal(const uint8_t *a, const uint8_t *b)
{
	uint64_t x[4], y[4];
	__builtin_memcpy(x, a, sizeof x);
	__builtin_memcpy(y, b, sizeof y);
	return ((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]) | (x[3] ^ y[3])) == 0;
}

void kern_id_copy(uint8_t *dst, const uint8_t *src)
{
	__builtin_memcpy(dst, src, KERN_ID_SIZE);
}

void kern_id_hex(const uint8_t *id, char out[17])
{
	static const char hex[] = "0123456789abcdef";
	for (int i = 0; i < 8; i++) {
		out[2 * i] = hex[id[i] >> 4];
		out[2 * i + 1] = hex[id[i] & 15];
	}
	out[16] = 0;
}

bool kern_idset_has(const kern_idset *s, const uint8_t *id)
{
	for (uint32_t i = 0; i < s->n; i++)
		if (kern_id_equal(s->ids[i], id)) return true;
	return false;
}

int kern_idset_add(kern_state *k, kern_idset *s, const uint8_t *id)
{
	if (kern_idset_has(s, id)) return 0;
	if (s->n == s->cap) {
		uint32_t ncap = s->cap ? s->cap * 2 : 8;
		uint8_t (*n)[KERN_ID_SIZE] = kern_mem_alloc(k, ncap * sizeof *n);
		if (!n) return KERN_ENOMEM;
		for (uint32_t i = 0; i < s->n; i++) kern_id_copy(n[i], s->ids[i]);
		kern_mem_free(k, s->ids, s->cap * sizeof *s->ids);
		s->ids = n;
		s->cap = ncap;
	}
	kern_id_copy(s->ids[s->n++], id);
	return 0;
}

void kern_idset_remove(kern_idset *s, const uint8_t *id)
{
	for (uint32_t i = 0; i < s->n; i++) {
		if (kern_id_equal(s->ids[i], id)) {
			kern_id_copy(s->ids[i], s->ids[s->n - 1]);
			s->n--;
			return;
		}
	}
}

void kern_idset_free(kern_state *k, kern_idset *s)
{
	kern_mem_free(k, s->ids, s->cap * sizeof *s->ids);
	s->ids = NULL;
	s->n = s->cap = 0;
}

void kern_grant_default(kern_state *k, const uint8_t iface[KERN_ID_SIZE])
{
	kern_idset_add(k, &k->default_grant, iface);
}
