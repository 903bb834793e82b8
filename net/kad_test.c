/* kad_test.c: tests for kad.c: message bytes, hostile messages, the routing table
 * against a brute-force sort, and an iterative lookup over a simulated network of
 * 300 peers that must find the true 20 closest to a target. */
#include "kad.h"
#include "check.h"

#include <stdlib.h>
#include <string.h>

#include "cid.h"

/* A peer id: the identity multihash of a made-up Ed25519 key (00 24 08 01 12 20 pk). */
static void make_id(uint32_t n, uint8_t id[38])
{
	static const uint8_t head[6] = { 0x00, 0x24, 0x08, 0x01, 0x12, 0x20 };
	memcpy(id, head, 6);
	for (int i = 0; i < 32; i++) id[6 + i] = (uint8_t)((n * 2654435761u) >> (i % 4 * 8)) ^ (uint8_t)(i * 31 + n);
}

static net_kad_peer peer_of(const uint8_t *id, const uint8_t *addr, size_t addr_len)
{
	net_kad_peer p;
	memset(&p, 0, sizeof p);
	p.id = id;
	p.id_len = 38;
	if (addr) {
		p.addrs[0] = addr;
		p.addr_lens[0] = addr_len;
		p.naddrs = 1;
	}
	return p;
}

static const uint8_t ADDR[] = { 0x04, 0x7f, 0x00, 0x00, 0x01, 0x06, 0x0f, 0xa1 }; /* /ip4/127.0.0.1/tcp/4001 */

/* ---- messages ---------------------------------------------------------------------------- */

static int test_kad_get_providers_bytes_and_round_trip(void)
{
	uint8_t data[] = "program", cid[WOS_CID_BIN_MAX], key[NET_KAD_MAX_KEY];
	size_t cl = wos_cid_make(WOS_CODEC_RAW, data, sizeof data, cid);
	size_t kl = net_kad_provider_key(cid, cl, key);
	CHECK_EQ(kl, 34);
	CHECK(!memcmp(key, cid + 2, 34)); /* the multihash: 12 20 digest */
	CHECK_EQ(net_kad_provider_key(key, kl, key), 34); /* a CIDv0 is its multihash */
	net_kad_message m;
	memset(&m, 0, sizeof m);
	m.type = NET_KAD_GET_PROVIDERS;
	m.key = key;
	m.key_len = kl;
	uint8_t buf[128];
	size_t n = net_kad_encode(buf, sizeof buf, &m);
	CHECK_EQ(n, 38);
	static const uint8_t head[] = { 0x08, 0x03, 0x12, 0x22, 0x12, 0x20 };
	CHECK(!memcmp(buf, head, sizeof head));
	net_kad_message d;
	char why[160];
	CHECK_EQ(net_kad_decode(buf, n, &d, why, sizeof why), 0);
	CHECK(d.type == NET_KAD_GET_PROVIDERS && d.key_len == 34 && !memcmp(d.key, key, 34));
	return 0;
}

static int test_kad_peers_round_trip(void)
{
	uint8_t ids[3][38];
	net_kad_message m;
	memset(&m, 0, sizeof m);
	m.type = NET_KAD_FIND_NODE;
	for (int i = 0; i < 3; i++) {
		make_id((uint32_t)i, ids[i]);
		m.closer[m.ncloser++] = peer_of(ids[i], ADDR, sizeof ADDR);
	}
	m.closer[1].naddrs = 0;
	m.closer[2].connection = 1;
	m.providers[m.nproviders++] = peer_of(ids[0], ADDR, sizeof ADDR);
	size_t n = net_kad_encode(NULL, 0, &m);
	uint8_t *buf = malloc(n);
	n = net_kad_encode(buf, n, &m);
	net_kad_message *d = malloc(sizeof *d);
	char why[160];
	CHECK_EQ(net_kad_decode(buf, n, d, why, sizeof why), 0);
	CHECK(d->type == NET_KAD_FIND_NODE && d->ncloser == 3 && d->nproviders == 1 && !d->key);
	CHECK(d->closer[0].id_len == 38 && !memcmp(d->closer[0].id, ids[0], 38));
	CHECK(d->closer[0].naddrs == 1 && d->closer[0].addr_lens[0] == sizeof ADDR && !memcmp(d->closer[0].addrs[0], ADDR, 8));
	CHECK(d->closer[1].naddrs == 0 && d->closer[2].connection == 1);
	CHECK(!memcmp(d->providers[0].id, ids[0], 38));
	free(d);
	free(buf);
	return 0;
}

static int test_kad_hostile_messages_are_refused(void)
{
	uint8_t id[38];
	make_id(1, id);
	static const struct {
		const char *name;
		uint8_t m[64];
		size_t len;
	} cases[] = {
		{ "type 6", { 0x08, 0x06 }, 2 },
		{ "type as bytes", { 0x0a, 0x00 }, 2 },
		{ "truncated key", { 0x08, 0x04, 0x12, 0x05, 0x01 }, 5 },
		{ "peer without id", { 0x08, 0x04, 0x42, 0x02, 0x10, 0x00 }, 6 },
		{ "peer id not a multihash", { 0x08, 0x04, 0x42, 0x04, 0x0a, 0x02, 0x12, 0x05 }, 8 },
		{ "sha256 id of 3 bytes", { 0x08, 0x04, 0x42, 0x07, 0x0a, 0x05, 0x12, 0x03, 0x01, 0x02, 0x03 }, 11 },
		{ "empty address", { 0x08, 0x04, 0x42, 0x07, 0x0a, 0x03, 0x00, 0x01, 0x61, 0x12, 0x00 }, 11 },
		{ "connection 4", { 0x08, 0x04, 0x42, 0x07, 0x0a, 0x03, 0x00, 0x01, 0x61, 0x18, 0x04 }, 11 },
		{ "record as varint", { 0x18, 0x01 }, 2 },
		{ "empty", { 0 }, 0 },
		{ "group", { 0x0b }, 1 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		net_kad_message m;
		char why[160] = "";
		int rc = net_kad_decode(cases[i].m, cases[i].len, &m, why, sizeof why);
		if (rc >= 0 || !why[0]) {
			fprintf(stderr, "  %s: rc %d, why '%s'\n", cases[i].name, rc, why);
			return 1;
		}
	}
	/* a valid peer (an identity id of one byte, one address) passes */
	static const uint8_t ok[] = { 0x08, 0x04, 0x42, 0x07, 0x0a, 0x03, 0x00, 0x01, 0x61, 0x12, 0x00 };
	uint8_t good[sizeof ok];
	memcpy(good, ok, sizeof ok);
	good[9] = 0x18; /* connection 0 instead of the empty address */
	net_kad_message m;
	char why[160];
	CHECK_EQ(net_kad_decode(good, sizeof good, &m, why, sizeof why), 0);
	CHECK_EQ(m.ncloser, 1);
	/* more peers than allowed */
	net_kad_message *big = calloc(1, sizeof *big);
	big->type = NET_KAD_FIND_NODE;
	for (int i = 0; i < NET_KAD_MAX_PEERS; i++) big->closer[big->ncloser++] = peer_of(id, NULL, 0);
	size_t n = net_kad_encode(NULL, 0, big);
	uint8_t *buf = malloc(n + 64);
	n = net_kad_encode(buf, n, big);
	CHECK_EQ(net_kad_decode(buf, n, big, why, sizeof why), 0);
	/* one more peer entry: 42 28 0a 26 and the 38-byte id, 42 bytes */
	memcpy(buf + n, buf + n - 42, 42);
	CHECK_EQ(buf[n], 0x42);
	CHECK_EQ(net_kad_decode(buf, n + 42, big, why, sizeof why), NET_KAD_ERR_TOO_BIG);
	free(buf);
	free(big);
	return 0;
}

static int test_kad_mutated_messages_never_crash(void)
{
	uint8_t ids[2][38];
	net_kad_message m;
	memset(&m, 0, sizeof m);
	m.type = NET_KAD_GET_PROVIDERS;
	make_id(7, ids[0]);
	make_id(8, ids[1]);
	m.key = ids[0];
	m.key_len = 38;
	m.closer[m.ncloser++] = peer_of(ids[0], ADDR, sizeof ADDR);
	m.providers[m.nproviders++] = peer_of(ids[1], ADDR, sizeof ADDR);
	uint8_t buf[512], mut[512];
	size_t n = net_kad_encode(buf, sizeof buf, &m);
	net_kad_message *d = malloc(sizeof *d);
	int ok = 0;
	for (size_t i = 0; i < n; i++) {
		for (int v = 0; v < 256; v += 15) {
			memcpy(mut, buf, n);
			mut[i] = (uint8_t)v;
			char why[160] = "";
			int rc = net_kad_decode(mut, n, d, why, sizeof why);
			CHECK(rc == 0 || (rc < 0 && why[0]));
			ok += rc == 0;
		}
	}
	free(d);
	CHECK(ok > 0);
	return 0;
}

/* ---- the table --------------------------------------------------------------------------- */

static int test_kad_table_buckets_and_closest(void)
{
	uint8_t self[38], ids[400][38];
	make_id(100000, self);
	net_kad_table *t = net_kad_table_new(self, 38);
	CHECK(t);
	net_kad_peer me = peer_of(self, NULL, 0);
	CHECK_EQ(net_kad_table_seen(t, &me, 0), 0); /* never ourselves */
	size_t added = 0;
	for (uint32_t i = 0; i < 400; i++) {
		make_id(i, ids[i]);
		net_kad_peer p = peer_of(ids[i], ADDR, sizeof ADDR);
		int rc = net_kad_table_seen(t, &p, i);
		CHECK(rc == 0 || rc == 1);
		added += (size_t)rc;
	}
	/* half the points fall in bucket 0, a quarter in bucket 1...: those fill up */
	CHECK(added < 400 && added == net_kad_table_size(t));
	/* closest to a key: the same as sorting every entry by distance */
	uint8_t key[] = "some key", target[32];
	net_kad_point(key, sizeof key, target);
	const net_kad_entry *best[NET_KAD_K];
	size_t n = net_kad_table_closest(t, key, sizeof key, best, NET_KAD_K);
	CHECK_EQ(n, NET_KAD_K);
	for (size_t i = 1; i < n; i++) CHECK(net_kad_closer(target, best[i - 1]->point, best[i]->point) < 0);
	/* nothing in the table is closer than the last one returned, but what it returned */
	const net_kad_entry *all[400];
	size_t na = net_kad_table_closest(t, key, sizeof key, all, 400);
	CHECK_EQ(na, added);
	for (size_t i = 0; i < NET_KAD_K; i++) CHECK(all[i] == best[i]);
	/* removing the closest: the next one moves up */
	const net_kad_entry *second = best[1];
	net_kad_table_remove(t, best[0]->id, best[0]->id_len);
	CHECK_EQ(net_kad_table_closest(t, key, sizeof key, best, 1), 1);
	CHECK(best[0] == second);
	CHECK_EQ(net_kad_table_size(t), added - 1);
	net_kad_table_free(t);
	return 0;
}

/* ---- a lookup over a simulated network ------------------------------------------------------- */

#define NET_PEERS 300

typedef struct sim {
	uint8_t ids[NET_PEERS][38];
	uint8_t points[NET_PEERS][32];
	bool dead[NET_PEERS];
} sim;

static int sim_index(const sim *s, const uint8_t *id)
{
	for (int i = 0; i < NET_PEERS; i++)
		if (!memcmp(s->ids[i], id, 38)) return i;
	return -1;
}

/* The answer of peer i to FIND_NODE target: the K peers closest to target among its
 * own view (every 3rd peer and the ones next to it), like a real, partial table. */
static size_t sim_answer(const sim *s, int i, const uint8_t target[32], net_kad_peer *out)
{
	int cand[NET_PEERS];
	size_t n = 0;
	for (int j = 0; j < NET_PEERS; j++)
		if (j != i && (j % 3 == i % 3 || abs(j - i) < 5)) cand[n++] = j;
	/* selection of the K closest */
	size_t k = n < NET_KAD_K ? n : NET_KAD_K;
	for (size_t a = 0; a < k; a++) {
		size_t best = a;
		for (size_t b = a + 1; b < n; b++)
			if (net_kad_closer(target, s->points[cand[b]], s->points[cand[best]]) < 0) best = b;
		int tmp = cand[a];
		cand[a] = cand[best];
		cand[best] = tmp;
		out[a] = peer_of(s->ids[cand[a]], ADDR, sizeof ADDR);
	}
	return k;
}

static int test_kad_lookup_finds_the_true_closest(void)
{
	sim *s = calloc(1, sizeof *s);
	for (uint32_t i = 0; i < NET_PEERS; i++) {
		make_id(i + 7, s->ids[i]);
		net_kad_point(s->ids[i], 38, s->points[i]);
		s->dead[i] = i % 17 == 5; /* some never answer */
	}
	uint8_t self[38];
	make_id(99999, self);
	net_kad_table *t = net_kad_table_new(self, 38);
	for (int i = 0; i < 3; i++) { /* we know three peers to start from */
		net_kad_peer p = peer_of(s->ids[i * 50], ADDR, sizeof ADDR);
		net_kad_table_seen(t, &p, 0);
	}
	uint8_t key[] = "wanted", target[32];
	net_kad_point(key, sizeof key, target);
	net_kad_lookup *l = net_kad_lookup_new(key, sizeof key, t);
	CHECK(l);
	net_kad_peer answer[NET_KAD_K];
	int rounds = 0;
	size_t most_inflight = 0;
	while (!net_kad_lookup_done(l) && rounds < 10000) {
		/* ask what it wants, then answer the first asked (queries overlap) */
		const net_kad_entry *e;
		uint8_t asked[NET_KAD_ALPHA][38];
		size_t na = 0;
		while ((e = net_kad_lookup_next(l)) && na < NET_KAD_ALPHA) memcpy(asked[na++], e->id, 38);
		if (net_kad_lookup_inflight(l) > most_inflight) most_inflight = net_kad_lookup_inflight(l);
		for (size_t q = 0; q < na; q++) {
			int i = sim_index(s, asked[q]);
			CHECK(i >= 0);
			if (s->dead[i]) {
				net_kad_lookup_failed(l, asked[q], 38);
				continue;
			}
			size_t n = sim_answer(s, i, target, answer);
			net_kad_lookup_answered(l, asked[q], 38, answer, n);
		}
		rounds++;
	}
	CHECK(net_kad_lookup_done(l));
	CHECK_EQ(most_inflight, NET_KAD_ALPHA);
	/* the K closest live peers, by brute force */
	int order[NET_PEERS], n = 0;
	for (int i = 0; i < NET_PEERS; i++)
		if (!s->dead[i]) order[n++] = i;
	for (int a = 0; a < NET_KAD_K; a++) {
		int best = a;
		for (int b = a + 1; b < n; b++)
			if (net_kad_closer(target, s->points[order[b]], s->points[order[best]]) < 0) best = b;
		int tmp = order[a];
		order[a] = order[best];
		order[best] = tmp;
	}
	for (size_t r = 0; r < NET_KAD_K; r++) {
		const net_kad_entry *e = net_kad_lookup_result(l, r);
		CHECK(e);
		if (memcmp(e->id, s->ids[order[r]], 38) != 0) {
			fprintf(stderr, "  result %zu is peer %d, want %d\n", r, sim_index(s, e->id), order[r]);
			return 1;
		}
	}
	net_kad_lookup_free(l);
	net_kad_table_free(t);
	free(s);
	return 0;
}

int main(void)
{
	static const test_case tests[] = {
		TEST(test_kad_get_providers_bytes_and_round_trip),
		TEST(test_kad_peers_round_trip),
		TEST(test_kad_hostile_messages_are_refused),
		TEST(test_kad_mutated_messages_never_crash),
		TEST(test_kad_table_buckets_and_closest),
		TEST(test_kad_lookup_finds_the_true_closest),
	};
	return check_run_all(tests, sizeof tests / sizeof tests[0]);
}
