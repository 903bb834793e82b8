/* mix: a mixed integer workload in the spirit of CoreMark (our own code, not its).
 *
 * One round does four kinds of work that general-purpose C programs spend their time
 * on, each small enough to stay in cache, and folds every result into a CRC-32:
 *
 *   list     a singly linked list of 256 nodes in a static pool: build it, look keys
 *            up by walking it, reverse it, merge-sort it by key and then back by
 *            insertion order (pointer chasing, unpredictable branches)
 *   matrix   24x24 int32 matrices: product, scale-and-add, matrix-vector product and
 *            a bit-field reduction (i32 multiply-add, 2-D indexing)
 *   scanner  a state machine that splits a 1 KiB text into tokens and classifies
 *            each as an integer, a decimal, a number with exponent, a name or junk
 *            (byte loads, switch dispatch on state and on character class)
 *   crc      CRC-32 one bit at a time over every result (shifts, xor, branches)
 *
 * Each round draws new list keys and matrix values and changes a few characters of
 * the text, so no round repeats another.  All arithmetic is unsigned or stays in
 * range, and nothing depends on addresses, so every engine gets the same checksum.
 */
#include "bench.h"

#define MIX_ROUNDS 26000
#define LIST_NODES 256
#define LIST_FINDS 16
#define MAT_N 24
#define TEXT_LEN 1024

/* ---- CRC-32 (reflected, polynomial 0xEDB88320), bit at a time --------------------- */

static uint32_t crc_byte(uint32_t crc, uint32_t byte)
{
	crc ^= byte & 0xffu;
	for (int i = 0; i < 8; i++)
		crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
	return crc;
}

static uint32_t crc_word(uint32_t crc, uint32_t w)
{
	crc = crc_byte(crc, w);
	crc = crc_byte(crc, w >> 8);
	crc = crc_byte(crc, w >> 16);
	return crc_byte(crc, w >> 24);
}

/* ---- list ------------------------------------------------------------------------- */

struct node {
	struct node *next;
	uint32_t key; /* random, with repeats */
	uint32_t order; /* position when built: unique, so every sort has one answer */
};

static struct node pool[LIST_NODES];

static struct node *list_build(uint32_t *seed)
{
	struct node *head = 0;
	for (uint32_t i = LIST_NODES; i-- > 0;) {
		pool[i].key = bench_lcg(seed) >> 22; /* 0..1023: some keys repeat */
		pool[i].order = i;
		pool[i].next = head;
		head = &pool[i];
	}
	return head;
}

/* The position of the first node with this key, or LIST_NODES when there is none. */
static uint32_t list_find(const struct node *n, uint32_t key)
{
	uint32_t pos = 0;
	for (; n; n = n->next, pos++)
		if (n->key == key)
			return pos;
	return LIST_NODES;
}

static struct node *list_reverse(struct node *n)
{
	struct node *done = 0;
	while (n) {
		struct node *next = n->next;
		n->next = done;
		done = n;
		n = next;
	}
	return done;
}

/* Whether a goes before b: by key then order, or by order alone. */
static int node_before(const struct node *a, const struct node *b, int by_key)
{
	if (by_key && a->key != b->key)
		return a->key < b->key;
	return a->order < b->order;
}

static struct node *list_merge(struct node *a, struct node *b, int by_key)
{
	struct node head;
	struct node *tail = &head;
	while (a && b) {
		if (node_before(b, a, by_key)) {
			tail->next = b;
			b = b->next;
		} else {
			tail->next = a;
			a = a->next;
		}
		tail = tail->next;
	}
	tail->next = a ? a : b;
	return head.next;
}

/* Bottom-up merge sort: bins[i] holds a sorted run of 2^i nodes, or nothing. */
static struct node *list_sort(struct node *n, int by_key)
{
	struct node *bins[16];
	int used = 0;
	for (int i = 0; i < 16; i++)
		bins[i] = 0;
	while (n) {
		struct node *run = n;
		n = n->next;
		run->next = 0;
		int i = 0;
		for (; i < used && bins[i]; i++) {
			run = list_merge(bins[i], run, by_key);
			bins[i] = 0;
		}
		if (i == used)
			used++;
		bins[i] = run;
	}
	struct node *sorted = 0;
	for (int i = 0; i < used; i++)
		if (bins[i])
			sorted = list_merge(bins[i], sorted, by_key);
	return sorted;
}

static uint32_t list_work(uint32_t crc, uint32_t *seed)
{
	struct node *list = list_build(seed);
	for (int i = 0; i < LIST_FINDS; i++)
		crc = crc_word(crc, list_find(list, bench_lcg(seed) >> 22));
	list = list_reverse(list);
	crc = crc_word(crc, list->order);

	list = list_sort(list, 1);
	uint32_t weighted = 0, pos = 0;
	for (const struct node *n = list; n; n = n->next, pos++)
		weighted += (n->key * (pos + 1)) ^ n->order;
	crc = crc_word(crc, weighted);
	for (int i = 0; i < LIST_FINDS; i++)
		crc = crc_word(crc, list_find(list, bench_lcg(seed) >> 22));

	list = list_sort(list, 0);
	uint32_t misplaced = 0;
	pos = 0;
	for (const struct node *n = list; n; n = n->next, pos++)
		misplaced += n->order != pos;
	return crc_word(crc, misplaced);
}

/* ---- matrix ----------------------------------------------------------------------- */

static int32_t ma[MAT_N][MAT_N], mb[MAT_N][MAT_N], mc[MAT_N][MAT_N];
static int32_t vec[MAT_N], out[MAT_N];

static uint32_t matrix_work(uint32_t crc, uint32_t *seed)
{
	for (int i = 0; i < MAT_N; i++) {
		for (int j = 0; j < MAT_N; j++) {
			uint32_t r = bench_lcg(seed);
			ma[i][j] = (int32_t)(r >> 24) - 128;
			mb[i][j] = (int32_t)((r >> 8) & 0xffu) - 128;
		}
		vec[i] = (int32_t)(bench_lcg(seed) >> 20) - 2048;
	}

	/* mc = ma * mb */
	for (int i = 0; i < MAT_N; i++)
		for (int j = 0; j < MAT_N; j++) {
			int32_t sum = 0;
			for (int k = 0; k < MAT_N; k++)
				sum += ma[i][k] * mb[k][j];
			mc[i][j] = sum;
		}

	/* mc = mc * 3 + ma, then out = mc * vec (wraps: unsigned keeps that defined) */
	for (int i = 0; i < MAT_N; i++)
		for (int j = 0; j < MAT_N; j++)
			mc[i][j] = mc[i][j] * 3 + ma[i][j];
	for (int i = 0; i < MAT_N; i++) {
		uint32_t sum = 0;
		for (int j = 0; j < MAT_N; j++)
			sum += (uint32_t)mc[i][j] * (uint32_t)vec[j];
		out[i] = (int32_t)sum;
	}

	/* Reduce: count the rows whose product is negative, and add up a bit field. */
	uint32_t negative = 0, fields = 0;
	for (int i = 0; i < MAT_N; i++) {
		negative += out[i] < 0;
		for (int j = 0; j < MAT_N; j++)
			fields += ((uint32_t)mc[i][j] >> 5) & 0x3fu;
	}
	crc = crc_word(crc, negative);
	crc = crc_word(crc, fields);
	for (int i = 0; i < MAT_N; i++)
		crc = crc_word(crc, (uint32_t)out[i]);
	return crc;
}

/* ---- scanner ---------------------------------------------------------------------- */

static uint8_t text[TEXT_LEN];

/* Characters the text is drawn from: digits most often, then what numbers and names
 * are made of, then separators. */
static const char alphabet[32] = "0123456789012345.e-+abcxyz_   ,;";

static void text_fill(uint32_t *seed)
{
	for (int i = 0; i < TEXT_LEN; i++)
		text[i] = (uint8_t)alphabet[bench_lcg(seed) >> 27];
}

enum state {
	S_START, /* between tokens */
	S_SIGN, /* a leading + or - */
	S_INT, /* digits */
	S_POINT, /* digits then '.' */
	S_FRAC, /* digits '.' digits */
	S_E, /* a number then 'e' */
	S_E_SIGN, /* ... 'e' then a sign */
	S_EXP, /* ... 'e' [sign] digits */
	S_NAME, /* a letter or '_', then letters, digits, '_' */
	S_JUNK, /* anything else, up to the next separator */
	S_COUNT,
};

enum kind { K_SPACE, K_DIGIT, K_POINT, K_E, K_SIGN, K_LETTER, K_OTHER };

static enum kind classify(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return K_DIGIT;
	switch (c) {
	case ' ':
	case ',':
	case ';':
		return K_SPACE;
	case '.':
		return K_POINT;
	case 'e':
		return K_E;
	case '+':
	case '-':
		return K_SIGN;
	default:
		if ((c >= 'a' && c <= 'z') || c == '_')
			return K_LETTER;
		return K_OTHER;
	}
}

static enum state step(enum state s, enum kind k)
{
	switch (s) {
	case S_START:
		switch (k) {
		case K_SPACE: return S_START;
		case K_DIGIT: return S_INT;
		case K_SIGN: return S_SIGN;
		case K_E:
		case K_LETTER: return S_NAME;
		default: return S_JUNK;
		}
	case S_SIGN:
		return k == K_DIGIT ? S_INT : S_JUNK;
	case S_INT:
		switch (k) {
		case K_DIGIT: return S_INT;
		case K_POINT: return S_POINT;
		case K_E: return S_E;
		default: return S_JUNK;
		}
	case S_POINT:
	case S_FRAC:
		switch (k) {
		case K_DIGIT: return S_FRAC;
		case K_E: return s == S_FRAC ? S_E : S_JUNK;
		default: return S_JUNK;
		}
	case S_E:
		switch (k) {
		case K_DIGIT: return S_EXP;
		case K_SIGN: return S_E_SIGN;
		default: return S_JUNK;
		}
	case S_E_SIGN:
	case S_EXP:
		return k == K_DIGIT ? S_EXP : S_JUNK;
	case S_NAME:
		return (k == K_LETTER || k == K_E || k == K_DIGIT) ? S_NAME : S_JUNK;
	default:
		return S_JUNK;
	}
}

static uint32_t scanner_work(uint32_t crc, uint32_t *seed)
{
	/* Change a few characters, so that every round scans a different text. */
	for (int i = 0; i < 8; i++) {
		uint32_t r = bench_lcg(seed);
		text[r % TEXT_LEN] = (uint8_t)alphabet[r >> 27];
	}

	uint32_t tokens[S_COUNT], visits[S_COUNT];
	for (int i = 0; i < S_COUNT; i++)
		tokens[i] = visits[i] = 0;
	enum state s = S_START;
	uint32_t value = 0; /* a running digest of the digits of integers */
	for (int i = 0; i < TEXT_LEN; i++) {
		uint8_t c = text[i];
		enum kind k = classify(c);
		if (k == K_SPACE) {
			tokens[s]++;
			s = S_START;
			continue;
		}
		s = step(s, k);
		visits[s]++;
		if (s == S_INT)
			value = value * 10u + (c - '0');
	}
	tokens[s]++;

	for (int i = 0; i < S_COUNT; i++)
		crc = crc_word(crc, tokens[i] << 16 | (visits[i] & 0xffffu));
	return crc_word(crc, value);
}

BENCH_EXPORT int32_t run(void)
{
	uint32_t seed = 314159;
	uint32_t crc = 0xffffffffu;
	text_fill(&seed);
	for (uint32_t round = 0; round < MIX_ROUNDS; round++) {
		crc = list_work(crc, &seed);
		crc = matrix_work(crc, &seed);
		crc = scanner_work(crc, &seed);
	}
	return (int32_t)~crc;
}
