/* abi.c: the program ABI, the four `wasmos` imports (docs/abi.md).
 *
 * Guest memory is reached only through kern_guest_ptr, which checks the whole range
 * against the current size of memory 0 (both checks: ptr + len may wrap).  Pointers
 * are never kept across a call: memory.grow may move memory.
 */
#include "internal.h"
#include "abi_calls.h"

uint8_t *kern_guest_ptr(kern_proc *p, uint32_t ptr, uint32_t len)
{
	eng_memory *mem = p->inst ? eng_instance_memory(p->inst, 0) : NULL;
	if (!mem) return NULL;
	uint64_t size = eng_memory_size(mem);
	if ((uint64_t)ptr + len > size) return NULL;
	return eng_memory_data(mem) + ptr;
}

static uint64_t rd64(const uint8_t *b)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--) v = v << 8 | b[i];
	return v;
}

static void wr64(uint8_t *b, uint64_t v)
{
	for (int i = 0; i < 8; i++) b[i] = (uint8_t)(v >> (8 * i));
}

static void wr32(uint8_t *b, uint32_t v)
{
	for (int i = 0; i < 4; i++) b[i] = (uint8_t)(v >> (8 * i));
}

static int ret(eng_val *results, int32_t v)
{
	results[0].u64 = 0;
	results[0].i32 = v;
	return ENG_HOST_OK;
}

/* Gathers iovecs into one body.  *owned tells whether *body must be freed. */
static int gather(kern_proc *p, uint32_t iov, uint32_t n, uint8_t **body, uint32_t *len, bool *owned)
{
	*owned = false;
	*body = NULL;
	*len = 0;
	if (n > KERN_MAX_IOVECS) return KERN_EINVAL;
	if (n == 0) return 0;
	const uint8_t *v = kern_guest_ptr(p, iov, n * 8);
	if (!v) return KERN_EFAULT;
	uint64_t total = 0;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t ptr = (uint32_t)rd64(v + 8 * i), l = (uint32_t)(rd64(v + 8 * i) >> 32);
		if (!kern_guest_ptr(p, ptr, l)) return KERN_EFAULT;
		total += l;
	}
	if (total > p->limits.max_message) return KERN_ETOOBIG;
	if (n == 1) {
		*body = kern_guest_ptr(p, (uint32_t)rd64(v), (uint32_t)total);
		*len = (uint32_t)total;
		return 0;
	}
	uint8_t *b = kern_mem_alloc(p->k, (size_t)total);
	if (!b) return KERN_ENOMEM;
	uint32_t at = 0;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t ptr = (uint32_t)rd64(v + 8 * i), l = (uint32_t)(rd64(v + 8 * i) >> 32);
		const uint8_t *src = kern_guest_ptr(p, ptr, l);
		for (uint32_t j = 0; j < l; j++) b[at + j] = src[j];
		at += l;
	}
	*body = b;
	*len = (uint32_t)total;
	*owned = true;
	return 0;
}

static void guest_error(kern_proc *p, const char *call, int rc)
{
	kern_logf(p->k, KERN_LOG_WARN, "pid %llu (%.*s): %s: %s", (unsigned long long)p->pid,
		  (int)p->name_len, p->name, call, kern_error_text(rc));
}

/* emit_message(iface, iovecs, n, flags, id_out) -> err */
static int abi_emit_message(void *ud, eng_thread *t, const eng_val *a, eng_val *r)
{
	(void)t;
	kern_proc *p = ud;
	uint32_t flags = a[3].u32;
	int rc = KERN_EINVAL;
	uint8_t *body = NULL;
	uint32_t len = 0;
	bool owned = false;
	uint8_t iface[KERN_ID_SIZE];
	if (flags & ~(KERN_EMIT_ANSWER | KERN_EMIT_WAIT_HANDLER)) goto out;
	const uint8_t *ip = kern_guest_ptr(p, a[0].u32, KERN_ID_SIZE);
	uint8_t *idp = NULL;
	rc = KERN_EFAULT;
	if (!ip) goto out;
	kern_id_copy(iface, ip);
	if ((flags & KERN_EMIT_ANSWER) && !(idp = kern_guest_ptr(p, a[4].u32, 8))) goto out;
	rc = gather(p, a[1].u32, a[2].u32, &body, &len, &owned);
	if (rc) goto out;
	uint64_t id = 0;
	rc = kern_msg_emit(p->k, p, iface, body, len, flags, NULL, NULL, &id);
	/* emitting may have run a native handler: find the id's place again */
	if (!rc && (flags & KERN_EMIT_ANSWER)) {
		idp = kern_guest_ptr(p, a[4].u32, 8);
		if (idp) wr64(idp, id);
	}
out:
	if (owned) kern_mem_free(p->k, body, len);
	if (rc && rc != KERN_EDENIED && rc != KERN_ENOHANDLER) guest_error(p, "emit_message", rc);
	return ret(r, rc);
}

/* emit_answer(id, iovecs, n, status) -> err */
static int abi_emit_answer(void *ud, eng_thread *t, const eng_val *a, eng_val *r)
{
	(void)t;
	kern_proc *p = ud;
	int rc = KERN_EINVAL;
	uint8_t *body = NULL;
	uint32_t len = 0;
	bool owned = false;
	if (a[3].u32 > 1) goto out;
	const uint8_t *idp = kern_guest_ptr(p, a[0].u32, 8);
	rc = KERN_EFAULT;
	if (!idp) goto out;
	uint64_t id = rd64(idp);
	rc = gather(p, a[1].u32, a[2].u32, &body, &len, &owned);
	if (rc) goto out;
	rc = kern_msg_answer_from(p->k, p, id, body, len,
				  a[3].u32 ? KERN_ANSWER_ERROR : KERN_ANSWER_OK);
out:
	if (owned) kern_mem_free(p->k, body, len);
	if (rc) guest_error(p, "emit_answer", rc);
	return ret(r, rc);
}

bool kern_note_qualifies(kern_state *k, kern_proc *p, const kern_note *n)
{
	(void)k;
	if (n->kind != NOTE_ANSWER || p->wait_n == 0) return true;
	const uint8_t *ids = kern_guest_ptr(p, p->wait_ids, p->wait_n * 8);
	if (!ids) return false;
	for (uint32_t i = 0; i < p->wait_n; i++)
		if (rd64(ids + 8 * i) == n->id) return true;
	return false;
}

static bool qualifies(kern_state *k, kern_proc *p, const kern_note *n, void *ctx)
{
	(void)ctx;
	return kern_note_qualifies(k, p, n);
}

/* Writes the first qualifying notification, if it fits.  Returns its size, 0 when
 * there is none, or a negative error. */
static int32_t deliver_note(kern_state *k, kern_proc *p)
{
	kern_note *n = NULL;
	for (kern_note *q = p->notes; q; q = q->next)
		if (kern_note_qualifies(k, p, q)) { n = q; break; }
	if (!n) return 0;
	uint64_t size = (uint64_t)KERN_NOTE_HEADER + n->len;
	if (size > INT32_MAX) return KERN_ETOOBIG;
	if (size > p->wait_out_len) return (int32_t)size; /* too small: keep it */
	uint8_t *out = kern_guest_ptr(p, p->wait_out, (uint32_t)size);
	if (!out) return KERN_EFAULT;
	out[0] = n->kind;
	out[1] = n->status;
	out[2] = out[3] = 0;
	wr32(out + 4, n->len);
	wr64(out + 8, n->id);
	kern_id_copy(out + 16, n->iface);
	wr64(out + 48, n->pid);
	for (uint32_t i = 0; i < n->len; i++) out[KERN_NOTE_HEADER + i] = n->body[i];
	kern_note *taken = kern_note_take(k, p, qualifies, NULL);
	if (taken->kind == NOTE_MESSAGE) kern_msg_taken(k, taken);
	kern_note_free(k, taken);
	return (int32_t)size;
}

static int note_resume(kern_state *k, kern_proc *p, eng_val *results)
{
	int32_t rc = deliver_note(k, p);
	if (rc == 0) return KERN_ELIMIT; /* nothing yet: still blocked */
	results[0].u64 = 0;
	results[0].i32 = rc;
	return 0;
}

/* next_notification(ids, n, out, out_len, flags) -> size */
static int abi_next_notification(void *ud, eng_thread *t, const eng_val *a, eng_val *r)
{
	(void)t;
	kern_proc *p = ud;
	uint32_t n = a[1].u32, flags = a[4].u32;
	if (flags & ~KERN_NEXT_BLOCK || n > p->limits.max_outstanding) {
		guest_error(p, "next_notification", KERN_EINVAL);
		return ret(r, KERN_EINVAL);
	}
	/* n * 8 in 64 bits: a limit above 2^29 must not let it wrap to a small length */
	uint64_t ids_len = (uint64_t)n * 8;
	if (ids_len > UINT32_MAX || !kern_guest_ptr(p, a[0].u32, (uint32_t)ids_len) ||
	    !kern_guest_ptr(p, a[2].u32, a[3].u32)) {
		guest_error(p, "next_notification", KERN_EFAULT);
		return ret(r, KERN_EFAULT);
	}
	p->wait_ids = a[0].u32;
	p->wait_n = n;
	p->wait_out = a[2].u32;
	p->wait_out_len = a[3].u32;
	int32_t rc = deliver_note(p->k, p);
	if (rc != 0 || !(flags & KERN_NEXT_BLOCK)) return ret(r, rc);
	p->wait_note = true;
	p->resume = note_resume;
	return ENG_HOST_SUSPEND;
}

/* cancel_message(id) -> err */
static int abi_cancel_message(void *ud, eng_thread *t, const eng_val *a, eng_val *r)
{
	(void)t;
	kern_proc *p = ud;
	const uint8_t *idp = kern_guest_ptr(p, a[0].u32, 8);
	int rc = idp ? kern_msg_cancel(p->k, p, rd64(idp)) : KERN_EFAULT;
	if (rc) guest_error(p, "cancel_message", rc);
	return ret(r, rc);
}

typedef struct abi_entry {
	const char *name;
	eng_host_fn fn;
	uint8_t nparams;
} abi_entry;

/* The syscall table: every import of module `wasmos`, from abi_calls.h. */
#define ABI_ROW(name, n, params) { #name, abi_##name, n },
static const abi_entry abi_table[] = { WASMOS_ABI_CALLS(ABI_ROW) };
#undef ABI_ROW

int kern_abi_resolve(kern_state *k, kern_proc *p, const eng_import_desc *imp, eng_extern *out)
{
	static const uint8_t i32s[5] = { ENG_I32, ENG_I32, ENG_I32, ENG_I32, ENG_I32 };
	(void)k;
	if (imp->kind != ENG_EXTERN_FUNC) return -1;
	for (uint32_t i = 0; i < sizeof abi_table / sizeof abi_table[0]; i++) {
		const abi_entry *e = &abi_table[i];
		uint32_t len = 0;
		while (e->name[len]) len++;
		if (len != imp->name_len || __builtin_memcmp(e->name, imp->name, len)) continue;
		eng_functype ty = { e->nparams, 1, i32s, i32s };
		out->kind = ENG_EXTERN_FUNC;
		out->u.func = eng_host_func_new(p->store, &ty, e->fn, p, e->name);
		return out->u.func ? 0 : -1;
	}
	return -1;
}
