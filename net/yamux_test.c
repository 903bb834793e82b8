/* yamux_test.c: tests for yamux.c: two sessions wired back to back (a client and a
 * server), streams both ways, half close, a 1 MiB transfer that needs window updates,
 * ping, go away, the stream limit, and hostile frames (each a protocol error that
 * kills the session, or a dropped frame where the spec allows a race). */
#include "yamux.h"
#include "check.h"

#include <stdlib.h>
#include <string.h>

/* One side: its session, what it sent (not yet delivered), what it saw. */
typedef struct side {
	net_yamux y;
	uint8_t *out;
	size_t olen, ocap;
	uint32_t incoming[16];
	int nincoming;
	bool refuse;
	size_t got;               /* data bytes received, all streams */
	uint8_t sample[64];       /* the first bytes received */
	int fins, resets, writables, pongs, go_aways;
	uint32_t last_pong, go_away_code;
} side;

static bool on_incoming(void *ud, uint32_t id)
{
	side *s = ud;
	if (s->nincoming < 16) s->incoming[s->nincoming++] = id;
	return !s->refuse;
}
static void on_data(void *ud, uint32_t id, const uint8_t *p, size_t len)
{
	(void)id;
	side *s = ud;
	for (size_t i = 0; i < len && s->got + i < sizeof s->sample; i++) s->sample[s->got + i] = p[i];
	s->got += len;
}
static void on_fin(void *ud, uint32_t id) { (void)id; ((side *)ud)->fins++; }
static void on_reset(void *ud, uint32_t id) { (void)id; ((side *)ud)->resets++; }
static void on_writable(void *ud, uint32_t id) { (void)id; ((side *)ud)->writables++; }
static void on_pong(void *ud, uint32_t v) { ((side *)ud)->pongs++; ((side *)ud)->last_pong = v; }
static void on_go_away(void *ud, uint32_t code) { ((side *)ud)->go_aways++; ((side *)ud)->go_away_code = code; }
static int on_output(void *ud, const uint8_t *hdr, const uint8_t *p, size_t plen)
{
	side *s = ud;
	if (s->olen + 12 + plen > s->ocap) {
		size_t cap = (s->ocap + 12 + plen) * 2;
		uint8_t *n = realloc(s->out, cap);
		if (!n) return -1;
		s->out = n;
		s->ocap = cap;
	}
	memcpy(s->out + s->olen, hdr, 12);
	if (plen) memcpy(s->out + s->olen + 12, p, plen);
	s->olen += 12 + plen;
	return 0;
}

static const net_yamux_ops OPS = { on_incoming, on_data, on_fin, on_reset, on_writable, on_pong, on_go_away, on_output };

static void setup(side *c, side *s, uint32_t max_streams)
{
	memset(c, 0, sizeof *c);
	memset(s, 0, sizeof *s);
	net_yamux_init(&c->y, true, max_streams, &OPS, c);
	net_yamux_init(&s->y, false, max_streams, &OPS, s);
}

static void teardown(side *c, side *s)
{
	net_yamux_free(&c->y);
	net_yamux_free(&s->y);
	free(c->out);
	free(s->out);
}

/* Delivers what each side sent to the other, in pieces of `step`, until quiet. */
static int pump(side *a, side *b, size_t step)
{
	for (int round = 0; round < 1000 && (a->olen || b->olen); round++) {
		side *from[2] = { a, b }, *to[2] = { b, a };
		for (int k = 0; k < 2; k++) {
			size_t n = from[k]->olen;
			uint8_t *buf = from[k]->out;
			from[k]->out = NULL;
			from[k]->olen = from[k]->ocap = 0;
			for (size_t off = 0; off < n; off += step) {
				int rc = net_yamux_input(&to[k]->y, buf + off, n - off < step ? n - off : step);
				if (rc) {
					free(buf);
					return rc;
				}
			}
			free(buf);
		}
	}
	return 0;
}

static int test_streams_open_both_ways_with_parity(void)
{
	side c, s;
	setup(&c, &s, 8);
	uint32_t a, b;
	CHECK_EQ(net_yamux_open(&c.y, &a), 0);
	CHECK_EQ(net_yamux_open(&s.y, &b), 0);
	CHECK(a == 1 && b == 2);
	CHECK_EQ(pump(&c, &s, 5), 0);
	CHECK(s.nincoming == 1 && s.incoming[0] == 1);
	CHECK(c.nincoming == 1 && c.incoming[0] == 2);
	CHECK_EQ(net_yamux_send(&c.y, 1, (const uint8_t *)"hello", 5), 5);
	CHECK_EQ(pump(&c, &s, 3), 0);
	CHECK(s.got == 5 && !memcmp(s.sample, "hello", 5));
	teardown(&c, &s);
	return 0;
}

static int test_half_close_then_both_closed_forgets_the_stream(void)
{
	side c, s;
	setup(&c, &s, 8);
	uint32_t id;
	net_yamux_open(&c.y, &id);
	CHECK_EQ(pump(&c, &s, 64), 0);
	CHECK_EQ(net_yamux_close(&c.y, id), 0);
	CHECK(net_yamux_send(&c.y, id, (const uint8_t *)"x", 1) < 0); /* closed for writing */
	CHECK_EQ(pump(&c, &s, 64), 0);
	CHECK_EQ(s.fins, 1);
	/* the server still writes, then closes too */
	CHECK_EQ(net_yamux_send(&s.y, id, (const uint8_t *)"late", 4), 4);
	CHECK_EQ(net_yamux_close(&s.y, id), 0);
	CHECK_EQ(pump(&c, &s, 64), 0);
	CHECK(c.got == 4 && c.fins == 1);
	CHECK(net_yamux_stream_get(&c.y, id) == NULL && net_yamux_stream_get(&s.y, id) == NULL);
	CHECK(c.y.nstreams == 0 && s.y.nstreams == 0);
	teardown(&c, &s);
	return 0;
}

static int test_one_mebibyte_flows_through_window_updates(void)
{
	side c, s;
	setup(&c, &s, 8);
	uint32_t id;
	net_yamux_open(&c.y, &id);
	size_t total = 1048699, sent = 0;
	uint8_t *big = malloc(total);
	CHECK(big);
	for (size_t i = 0; i < total; i++) big[i] = (uint8_t)i;
	int rounds = 0;
	while (sent < total && rounds++ < 100) {
		long n = net_yamux_send(&c.y, id, big + sent, total - sent);
		CHECK(n >= 0);
		/* never more than the window in flight */
		CHECK(n <= (long)NET_YAMUX_WINDOW);
		sent += (size_t)n;
		CHECK_EQ(pump(&c, &s, 4096), 0);
	}
	free(big);
	CHECK_EQ(sent, total);
	CHECK_EQ(s.got, total);
	CHECK(c.writables >= 3);
	teardown(&c, &s);
	return 0;
}

static int test_without_window_updates_the_sender_stops_at_256k(void)
{
	side c, s;
	setup(&c, &s, 8);
	uint32_t id;
	net_yamux_open(&c.y, &id);
	uint8_t *big = calloc(1, 600000);
	CHECK(big);
	CHECK_EQ(net_yamux_send(&c.y, id, big, 600000), (long)NET_YAMUX_WINDOW);
	CHECK_EQ(net_yamux_send(&c.y, id, big, 600000), 0);
	free(big);
	teardown(&c, &s);
	return 0;
}

static int test_ping_is_answered_and_go_away_is_told(void)
{
	side c, s;
	setup(&c, &s, 8);
	CHECK_EQ(net_yamux_ping(&c.y, 77), 0);
	CHECK_EQ(pump(&c, &s, 7), 0);
	CHECK(c.pongs == 1 && c.last_pong == 77);
	net_yamux_go_away(&s.y, 0);
	CHECK_EQ(pump(&c, &s, 7), 0);
	CHECK(c.go_aways == 1 && c.go_away_code == 0);
	uint32_t id;
	CHECK_EQ(net_yamux_open(&c.y, &id), NET_YAMUX_ECLOSED); /* no new streams after go away */
	teardown(&c, &s);
	return 0;
}

static int test_stream_limit_resets_the_extra_stream(void)
{
	side c, s;
	setup(&c, &s, 2);
	/* the client may open three: give it room on its side */
	net_yamux_free(&c.y);
	net_yamux_init(&c.y, true, 3, &OPS, &c);
	uint32_t ids[3];
	for (int i = 0; i < 3; i++) CHECK_EQ(net_yamux_open(&c.y, &ids[i]), 0);
	CHECK_EQ(pump(&c, &s, 64), 0);
	CHECK_EQ(s.nincoming, 2);
	CHECK_EQ(c.resets, 1);
	CHECK(net_yamux_stream_get(&c.y, ids[2]) == NULL);
	teardown(&c, &s);
	return 0;
}

static int test_refused_stream_is_reset(void)
{
	side c, s;
	setup(&c, &s, 8);
	s.refuse = true;
	uint32_t id;
	net_yamux_open(&c.y, &id);
	CHECK_EQ(pump(&c, &s, 64), 0);
	CHECK_EQ(c.resets, 1);
	CHECK_EQ(s.y.nstreams, 0);
	teardown(&c, &s);
	return 0;
}

/* Feeds one hand-made frame (and payload) to a fresh server session. */
static int hostile(const uint8_t hdr[12], size_t plen, const char *why_part)
{
	side c, s;
	setup(&c, &s, 8);
	uint8_t buf[12 + 300000];
	memcpy(buf, hdr, 12);
	memset(buf + 12, 0xab, plen);
	int rc = net_yamux_input(&s.y, buf, 12 + plen);
	bool ok = rc == NET_YAMUX_EPROTO && s.y.why && strstr(s.y.why, why_part);
	/* it told the remote: the last frame out is Go Away, protocol error */
	ok = ok && s.olen >= 12 && s.out[s.olen - 12 + 1] == NET_YAMUX_GO_AWAY && s.out[s.olen - 1] == 1;
	/* and stays dead */
	ok = ok && net_yamux_input(&s.y, buf, 12) < 0;
	if (!ok) fprintf(stderr, "  hostile frame '%s': rc %d why %s\n", why_part, rc, s.y.why ? s.y.why : "-");
	teardown(&c, &s);
	return ok ? 0 : 1;
}

static int test_hostile_frames_are_protocol_errors(void)
{
	/* version type flags(2) id(4) length(4) */
	static const uint8_t v1[12] = { 1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0 };
	static const uint8_t type9[12] = { 0, 9, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0 };
	static const uint8_t even_syn[12] = { 0, 1, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0 };
	static const uint8_t data_id0[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
	static const uint8_t ping_on_stream[12] = { 0, 2, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0 };
	/* SYN with 256 KiB + 1 of data: past the window */
	static const uint8_t flood[12] = { 0, 0, 0, 1, 0, 0, 0, 1, 0, 0x04, 0x00, 0x01 };
	/* SYN + a window update that overflows 2^32 */
	static const uint8_t huge_window[12] = { 0, 1, 0, 1, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff };
	if (hostile(v1, 0, "version")) return 1;
	if (hostile(type9, 0, "type")) return 1;
	if (hostile(even_syn, 0, "parity")) return 1;
	if (hostile(data_id0, 0, "session id")) return 1;
	if (hostile(ping_on_stream, 0, "session frame")) return 1;
	if (hostile(flood, 262145, "window")) return 1;
	if (hostile(huge_window, 0, "2^32")) return 1;
	return 0;
}

static int test_duplicate_syn_and_data_after_fin_are_errors(void)
{
	side c, s;
	setup(&c, &s, 8);
	static const uint8_t syn[12] = { 0, 1, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0 };
	CHECK_EQ(net_yamux_input(&s.y, syn, 12), 0);
	CHECK_EQ(net_yamux_input(&s.y, syn, 12), NET_YAMUX_EPROTO);
	teardown(&c, &s);

	setup(&c, &s, 8);
	static const uint8_t fin[12] = { 0, 1, 0, 5, 0, 0, 0, 1, 0, 0, 0, 0 }; /* SYN|FIN */
	static const uint8_t data[13] = { 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 'x' };
	CHECK_EQ(net_yamux_input(&s.y, fin, 12), 0);
	CHECK_EQ(s.fins, 1);
	CHECK_EQ(net_yamux_input(&s.y, data, 13), NET_YAMUX_EPROTO);
	teardown(&c, &s);
	return 0;
}

static int test_frames_for_forgotten_streams_are_dropped(void)
{
	side c, s;
	setup(&c, &s, 8);
	/* data (with payload) for a stream never opened: skipped, payload and all */
	static const uint8_t stray[15] = { 0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 3, 'a', 'b', 'c' };
	static const uint8_t syn[12] = { 0, 1, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0 };
	CHECK_EQ(net_yamux_input(&s.y, stray, 15), 0);
	CHECK_EQ(net_yamux_input(&s.y, syn, 12), 0);
	CHECK_EQ(s.got, 0);
	CHECK_EQ(s.nincoming, 1);
	teardown(&c, &s);
	return 0;
}

int main(void)
{
	static const test_case tests[] = {
		TEST(test_streams_open_both_ways_with_parity),
		TEST(test_half_close_then_both_closed_forgets_the_stream),
		TEST(test_one_mebibyte_flows_through_window_updates),
		TEST(test_without_window_updates_the_sender_stops_at_256k),
		TEST(test_ping_is_answered_and_go_away_is_told),
		TEST(test_stream_limit_resets_the_extra_stream),
		TEST(test_refused_stream_is_reset),
		TEST(test_hostile_frames_are_protocol_errors),
		TEST(test_duplicate_syn_and_data_after_fin_are_errors),
		TEST(test_frames_for_forgotten_streams_are_dropped),
	};
	return check_run_all(tests, sizeof tests / sizeof tests[0]);
}
