/* iface.c: who handles which interface, who may use which, and the kernel-handled
 * `interface` interface (register, unregister).
 *
 * One handler per interface.  A process may register only for interfaces it was
 * granted to handle; it may emit only to its grant (the default grant plus what it
 * was allowed, minus what it was denied).
 */
#include "internal.h"
#include "ifc_interface.h"
#include "ifc_log.h"
#include "ifc_time.h"
#include "ifc_system_time.h"
#include "ifc_random.h"

kern_handler *kern_iface_handler(kern_state *k, const uint8_t *iface)
{
	for (uint32_t i = 0; i < k->nhandlers; i++)
		if (kern_id_equal(k->handlers[i]->iface, iface)) return k->handlers[i];
	return NULL;
}

static int add_handler(kern_state *k, const uint8_t *iface, kern_proc *p, const kern_native *ops,
		       void *ud)
{
	if (kern_iface_handler(k, iface)) return KERN_EEXIST;
	if (k->nhandlers == k->handlers_cap) {
		uint32_t ncap = k->handlers_cap ? k->handlers_cap * 2 : 16;
		kern_handler **n = kern_mem_alloc(k, ncap * sizeof *n);
		if (!n) return KERN_ENOMEM;
		for (uint32_t i = 0; i < k->nhandlers; i++) n[i] = k->handlers[i];
		kern_mem_free(k, k->handlers, k->handlers_cap * sizeof *k->handlers);
		k->handlers = n;
		k->handlers_cap = ncap;
	}
	kern_handler *h = kern_mem_alloc(k, sizeof *h);
	if (!h) return KERN_ENOMEM;
	kern_id_copy(h->iface, iface);
	h->proc = p;
	h->native = ops;
	h->native_ud = ud;
	k->handlers[k->nhandlers++] = h;
	kern_msg_deliver_waiting(k, h);
	return 0;
}

static void remove_handler(kern_state *k, uint32_t i)
{
	kern_handler *h = k->handlers[i];
	kern_msg_handler_gone(k, h);
	k->handlers[i] = k->handlers[--k->nhandlers];
	kern_mem_free(k, h, sizeof *h);
}

int kern_native_register(kern_state *k, const uint8_t iface[KERN_ID_SIZE],
			 const kern_native *ops, void *ud)
{
	return add_handler(k, iface, NULL, ops, ud);
}

int kern_native_unregister(kern_state *k, const uint8_t iface[KERN_ID_SIZE])
{
	for (uint32_t i = 0; i < k->nhandlers; i++) {
		if (k->handlers[i]->native && kern_id_equal(k->handlers[i]->iface, iface)) {
			remove_handler(k, i);
			return 0;
		}
	}
	return KERN_ENOENT;
}

bool kern_proc_granted(kern_state *k, uint64_t pid, const uint8_t iface[KERN_ID_SIZE], int what)
{
	kern_proc *p = kern_proc_find(k, pid);
	if (!p || p->state == KERN_PROC_DEAD) return false;
	return kern_idset_has(what == KERN_GRANT_HANDLE ? &p->handle : &p->allow, iface);
}

int kern_iface_register(kern_state *k, kern_proc *p, const uint8_t *iface)
{
	if (!kern_idset_has(&p->handle, iface)) return KERN_EDENIED;
	return add_handler(k, iface, p, NULL, NULL);
}

/* Unregistering ends the handling at once, as the handler's end does: the messages it
 * holds (taken, not yet answered) and those still queued for it are answered "handler
 * ended", and it can no longer answer them. */
int kern_iface_unregister(kern_state *k, kern_proc *p, const uint8_t *iface)
{
	for (uint32_t i = 0; i < k->nhandlers; i++) {
		if (k->handlers[i]->proc == p && kern_id_equal(k->handlers[i]->iface, iface)) {
			remove_handler(k, i);
			return 0;
		}
	}
	return KERN_ENOENT;
}

void kern_iface_drop_proc(kern_state *k, kern_proc *p)
{
	for (uint32_t i = k->nhandlers; i-- > 0;)
		if (k->handlers[i]->proc == p) remove_handler(k, i);
}

bool kern_may_emit(kern_state *k, kern_proc *p, const uint8_t *iface)
{
	(void)k;
	return kern_idset_has(&p->allow, iface);
}

/* ---- the `interface` interface, handled by the kernel ---------------------------- */

/* The WASI errno an error answer of `interface` carries (docs/interfaces.md). */
static uint16_t errno_of(int rc)
{
	switch (rc) {
	case KERN_EDENIED: return 2;  /* EACCES: not granted */
	case KERN_EEXIST: return 20;  /* EEXIST: someone handles it */
	case KERN_ENOENT: return 44;  /* ENOENT: not its handler */
	case KERN_ENOMEM: return 48;  /* ENOMEM */
	default: return 28;           /* EINVAL: a body that does not decode */
	}
}

static void interface_message(void *ud, kern_state *k, const kern_delivery *d)
{
	(void)ud;
	kern_proc *p = kern_proc_find(k, d->sender);
	int tag = ifc_interface_tag(d->body, d->len);
	int rc = KERN_EINVAL;
	uint16_t err = 0;
	if (p && tag == IFC_INTERFACE_REGISTER) {
		ifc_interface_register m;
		if (ifc_interface_register_decode(d->body, d->len, &m) == 0) {
			rc = kern_iface_register(k, p, m.id);
			if (rc) {
				char hex[17];
				kern_id_hex(m.id, hex);
				kern_logf(k, KERN_LOG_WARN, "pid %llu (%.*s): may not handle interface %s: %s",
					  (unsigned long long)p->pid, (int)p->name_len, p->name, hex,
					  kern_error_text(rc));
			}
		}
	} else if (p && tag == IFC_INTERFACE_UNREGISTER) {
		ifc_interface_unregister m;
		if (ifc_interface_unregister_decode(d->body, d->len, &m) == 0)
			rc = kern_iface_unregister(k, p, m.id);
	} else if (tag < 0 && d->len > 0) {
		err = 52; /* ENOSYS: no such message */
	}
	if (rc && !err) err = errno_of(rc);
	if (d->id) {
		if (rc == 0) {
			kern_answer(k, d->id, NULL, 0, KERN_ANSWER_OK);
		} else {
			uint8_t body[2] = { (uint8_t)err, (uint8_t)(err >> 8) };
			kern_answer(k, d->id, body, 2, KERN_ANSWER_ERROR);
		}
	}
}

static const kern_native interface_ops = { interface_message, NULL };

int kern_iface_init(kern_state *k)
{
	int rc = kern_native_register(k, ifc_interface_id, &interface_ops, NULL);
	if (!rc) rc = kern_idset_add(k, &k->default_grant, ifc_interface_id);
	if (!rc) rc = kern_idset_add(k, &k->default_grant, ifc_log_id);
	if (!rc) rc = kern_idset_add(k, &k->default_grant, ifc_time_id);
	if (!rc) rc = kern_idset_add(k, &k->default_grant, ifc_system_time_id);
	if (!rc) rc = kern_idset_add(k, &k->default_grant, ifc_random_id);
	return rc;
}
