/* kv-client: exercises a `kv` handler and says what it saw.
 *
 * Sets three keys, reads them back, deletes one and checks that reading it now fails
 * with ENOENT.  Prints one line per step; exits 0 when every answer was right, 1
 * otherwise.  Its first message waits for a kv handler to register (so it can start
 * together with kv-server); the process needs the grant to emit to kv.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ifc_kv.h"
#include "loop.h"

static int failures;
static uint32_t first_flags = WOS_EMIT_WAIT_HANDLER;

/* Sends an encoded kv message and waits; the first one waits for a handler, too. */
static int call(const uint8_t *body, uint32_t len, uint8_t **answer, uint32_t *answer_len)
{
	wasmos_iovec iov = { body, len };
	int e = wasmos_call_syncv(ifc_kv_id, &iov, 1, first_flags, answer, answer_len);
	first_flags = 0;
	return e;
}

static void set(const char *key, const char *value)
{
	ifc_kv_set m = { (const uint8_t *)key, (uint32_t)strlen(key), (const uint8_t *)value,
			 (uint32_t)strlen(value) };
	uint8_t body[256];
	uint32_t n = ifc_kv_set_encode(&m, body, sizeof body);
	int e = n <= sizeof body ? call(body, n, NULL, NULL) : E2BIG;
	printf("set %s = %s: %s\n", key, value, e ? strerror(e) : "ok");
	if (e) failures++;
}

/* Reads key; want is the expected value, or NULL when the key must be missing. */
static void get(const char *key, const char *want)
{
	ifc_kv_get m = { (const uint8_t *)key, (uint32_t)strlen(key) };
	uint8_t body[256], *ans;
	uint32_t n = ifc_kv_get_encode(&m, body, sizeof body), len;
	int e = n <= sizeof body ? call(body, n, &ans, &len) : E2BIG;
	if (e) {
		printf("get %s: %s\n", key, strerror(e));
		if (want || e != ENOENT) failures++;
		return;
	}
	ifc_kv_get_answer a;
	if (ifc_kv_get_answer_decode(ans, len, &a)) {
		printf("get %s: bad answer\n", key);
		failures++;
	} else {
		printf("get %s = %.*s\n", key, (int)a.value_len, (const char *)a.value);
		if (!want || a.value_len != strlen(want) || memcmp(a.value, want, a.value_len))
			failures++;
	}
	free(ans);
}

static void del(const char *key)
{
	ifc_kv_delete m = { (const uint8_t *)key, (uint32_t)strlen(key) };
	uint8_t body[256];
	uint32_t n = ifc_kv_delete_encode(&m, body, sizeof body);
	int e = n <= sizeof body ? call(body, n, NULL, NULL) : E2BIG;
	printf("delete %s: %s\n", key, e ? strerror(e) : "ok");
	if (e) failures++;
}

int main(void)
{
	set("apple", "red");
	set("banana", "yellow");
	set("cherry", "dark red");
	get("apple", "red");
	get("banana", "yellow");
	get("cherry", "dark red");
	set("apple", "green");
	get("apple", "green");
	del("banana");
	get("banana", NULL);
	printf("kv-client: %s\n", failures ? "FAILED" : "all ok");
	return failures ? 1 : 0;
}
