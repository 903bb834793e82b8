/* heap.c: the kernel heap, an eng_alloc function (engine.h): (ptr, old, 0) frees,
 * (NULL, 0, n) allocates, otherwise resizes.  The caller always says the old size, so
 * no block carries a header.
 *
 * Sizes up to HEAP_SMALL_MAX round up to a power of two from 16 and come from a free
 * list per size; an empty list is refilled by cutting one frame into blocks (those
 * frames are never returned: small blocks are reused, not given back).  Larger sizes
 * get a run of whole frames from frames.c and give it back when freed.  All blocks
 * are 16-byte aligned, as malloc's are, since the engine stores doubles and v128.
 */
#include "metal.h"

#define HEAP_SMALL_MIN 16
#define HEAP_SMALL_MAX 2048
#define NCLASSES 8   /* 16, 32, ..., 2048 */

struct block {
	struct block *next;
};

static struct block *free_list[NCLASSES];
static size_t live_bytes;

static int class_of(size_t n)
{
	int c = 0;
	size_t s = HEAP_SMALL_MIN;
	while (s < n) {
		s <<= 1;
		c++;
	}
	return c;
}

static size_t pages_of(size_t n)
{
	return (n + METAL_FRAME_SIZE - 1) / METAL_FRAME_SIZE;
}

static void *alloc(size_t n)
{
	if (n > HEAP_SMALL_MAX) {
		uint64_t p = metal_frames_alloc(pages_of(n));
		return p ? (void *)(uintptr_t)p : NULL;
	}
	int c = class_of(n);
	if (!free_list[c]) {
		uint64_t f = metal_frames_alloc(1);
		if (!f)
			return NULL;
		size_t size = (size_t)HEAP_SMALL_MIN << c;
		for (size_t off = 0; off + size <= METAL_FRAME_SIZE; off += size) {
			struct block *b = (struct block *)(uintptr_t)(f + off);
			b->next = free_list[c];
			free_list[c] = b;
		}
	}
	struct block *b = free_list[c];
	free_list[c] = b->next;
	return b;
}

static void release(void *p, size_t n)
{
	if (n > HEAP_SMALL_MAX) {
		metal_frames_free((uint64_t)(uintptr_t)p, pages_of(n));
		return;
	}
	struct block *b = p;
	int c = class_of(n);
	b->next = free_list[c];
	free_list[c] = b;
}

/* Whether sizes a and b are served by the same block size. */
static int same_block(size_t a, size_t b)
{
	if (a > HEAP_SMALL_MAX || b > HEAP_SMALL_MAX)
		return a > HEAP_SMALL_MAX && b > HEAP_SMALL_MAX && pages_of(a) == pages_of(b);
	return class_of(a) == class_of(b);
}

void *metal_heap_alloc(void *ud, void *ptr, size_t old_size, size_t new_size)
{
	(void)ud;
	/* A zero-size block is NULL: nothing to allocate, nothing to free. */
	if (!ptr)
		old_size = 0;
	if (new_size == 0) {
		if (ptr && old_size)
			release(ptr, old_size);
		live_bytes -= old_size;
		return NULL;
	}
	if (ptr && old_size && same_block(old_size, new_size)) {
		live_bytes += new_size - old_size;
		return ptr;
	}
	void *q = alloc(new_size);
	if (!q)
		return NULL;
	if (ptr && old_size) {
		memcpy(q, ptr, old_size < new_size ? old_size : new_size);
		release(ptr, old_size);
	}
	live_bytes += new_size - old_size;
	return q;
}

size_t metal_heap_live(void)
{
	return live_bytes;
}
