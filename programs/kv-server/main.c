/* kv-server: handles the `kv` interface with a small table in memory.
 *
 * get answers the value, or error ENOENT for a missing key; set stores a copy (error
 * ENOSPC when the table is full); delete removes the key and succeeds for a missing
 * one too (interfaces/kv.ifc).  A body that does not decode is answered EINVAL, an
 * unknown message ENOSYS.  The process needs the grant to handle kv.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ifc_kv.h"
#include "loop.h"

/* Keys the table holds. */
#define MAX_ENTRIES 1024

typedef struct entry {
	uint8_t *key, *value;
	uint32_t key_len, value_len;
} entry;

static entry table[MAX_ENTRIES];
static uint32_t nentries;

static entry *find(const uint8_t *key, uint32_t len)
{
	for (uint32_t i = 0; i < nentries; i++)
		if (table[i].key_len == len && !memcmp(table[i].key, key, len)) return &table[i];
	return NULL;
}

/* malloc'd copy of len bytes; one byte at least, so that an empty value is not NULL. */
static uint8_t *copy(const uint8_t *p, uint32_t len)
{
	uint8_t *c = malloc(len ? len : 1);
	if (c) memcpy(c, p, len);
	return c;
}

static int set(const ifc_kv_set *m)
{
	entry *e = find(m->key, m->key_len);
	uint8_t *v = copy(m->value, m->value_len);
	if (!v) return ENOMEM;
	if (e) {
		free(e->value);
	} else {
		if (nentries == MAX_ENTRIES) goto out_free_value;
		e = &table[nentries];
		e->key = copy(m->key, m->key_len);
		if (!e->key) goto out_free_value;
		e->key_len = m->key_len;
		nentries++;
	}
	e->value = v;
	e->value_len = m->value_len;
	return 0;
out_free_value:
	free(v);
	return nentries == MAX_ENTRIES ? ENOSPC : ENOMEM;
}

static void del(const ifc_kv_delete *m)
{
	entry *e = find(m->key, m->key_len);
	if (!e) return;
	free(e->key);
	free(e->value);
	*e = table[--nentries];
}

/* Answers get with the value (encoded into a malloc'd body). */
static void answer_get(uint64_t id, const entry *e)
{
	ifc_kv_get_answer a = { .value = e->value, .value_len = e->value_len };
	uint32_t n = ifc_kv_get_answer_encode(&a, NULL, 0);
	uint8_t *body = malloc(n);
	if (!body) {
		wasmos_answer_error(id, ENOMEM);
		return;
	}
	ifc_kv_get_answer_encode(&a, body, n);
	wasmos_answer(id, body, n, WOS_STATUS_OK);
	free(body);
}

static void on_kv(void *ud, const wasmos_notification *msg)
{
	(void)ud;
	const uint8_t *b = msg->body;
	uint32_t len = msg->body_len;
	int err = 0;
	switch (ifc_kv_tag(b, len)) {
	case IFC_KV_GET: {
		ifc_kv_get m;
		if (ifc_kv_get_decode(b, len, &m)) {
			err = EINVAL;
			break;
		}
		entry *e = find(m.key, m.key_len);
		if (!e) {
			err = ENOENT;
			break;
		}
		if (msg->id) answer_get(msg->id, e);
		return;
	}
	case IFC_KV_SET: {
		ifc_kv_set m;
		err = ifc_kv_set_decode(b, len, &m) ? EINVAL : set(&m);
		break;
	}
	case IFC_KV_DELETE: {
		ifc_kv_delete m;
		if (ifc_kv_delete_decode(b, len, &m)) err = EINVAL;
		else del(&m);
		break;
	}
	default:
		err = ENOSYS;
	}
	if (!msg->id) return;
	if (err) wasmos_answer_error(msg->id, err);
	else wasmos_answer(msg->id, NULL, 0, WOS_STATUS_OK);
}

int main(void)
{
	int e = wasmos_serve(ifc_kv_id, on_kv, NULL);
	if (e) {
		fprintf(stderr, "kv-server: cannot handle kv: %s\n", strerror(e));
		return 1;
	}
	printf("kv-server: serving kv\n");
	fflush(stdout);
	e = wasmos_loop_run();
	if (e) fprintf(stderr, "kv-server: %s\n", strerror(e));
	return e ? 1 : 0;
}
