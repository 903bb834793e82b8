/* blockset.c: a CAR's blocks sorted by CID, for lookups in O(log n).
 *
 * A hostile CAR may hold a great many tiny blocks, so lookups must not be linear.
 * Heapsort sorts in place, in O(n log n) whatever the input, with no recursion and no
 * scratch memory.  Duplicate CIDs may stay: lookups find one of them, and the reader
 * checks whichever it gets.
 */
#include "blockset.h"

#include "mem.h"

int wos_blockset_count(wos_car_reader *r, const uint8_t *car, size_t len, size_t *n)
{
	wos_car_block b;
	int rc;

	*n = 0;
	if ((rc = wos_car_open(r, car, len)) != 0)
		return rc;
	r->check = 0; /* the UnixFS reader hashes the blocks it uses */
	while ((rc = wos_car_next(r, &b)) == 1)
		(*n)++;
	return rc;
}

static int compare(const wos_blockset_entry *a, const uint8_t *cid, size_t cid_len)
{
	if (a->cid_len != cid_len)
		return a->cid_len < cid_len ? -1 : 1;
	return wos_memcmp(a->cid, cid, cid_len);
}

static void sift_down(wos_blockset_entry *e, size_t root, size_t n)
{
	for (;;) {
		size_t child = 2 * root + 1;
		wos_blockset_entry t;
		if (child >= n)
			return;
		if (child + 1 < n && compare(&e[child], e[child + 1].cid, e[child + 1].cid_len) < 0)
			child++;
		if (compare(&e[root], e[child].cid, e[child].cid_len) >= 0)
			return;
		t = e[root], e[root] = e[child], e[child] = t;
		root = child;
	}
}

void wos_blockset_fill(wos_blockset *s, const uint8_t *car, size_t len, wos_blockset_entry *e, size_t n)
{
	wos_car_reader r;
	wos_car_block b;
	size_t i = 0;

	s->e = e;
	s->n = 0;
	if (wos_car_open(&r, car, len) != 0)
		return;
	r.check = 0;
	while (i < n && wos_car_next(&r, &b) == 1) {
		e[i].cid = b.cid_bytes;
		e[i].cid_len = b.cid.len;
		e[i].data = b.data;
		e[i].len = b.len;
		i++;
	}
	for (size_t k = i / 2; k-- > 0;)
		sift_down(e, k, i);
	for (size_t end = i; end > 1; end--) {
		wos_blockset_entry t = e[0];
		e[0] = e[end - 1], e[end - 1] = t;
		sift_down(e, 0, end - 1);
	}
	s->n = i;
}

int wos_blockset_get(void *ctx, const uint8_t *cid, size_t cid_len, const uint8_t **data, size_t *len)
{
	const wos_blockset *s = ctx;
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = compare(&s->e[mid], cid, cid_len);
		if (c == 0) {
			*data = s->e[mid].data;
			*len = s->e[mid].len;
			return 0;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}
