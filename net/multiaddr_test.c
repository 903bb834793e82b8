/* multiaddr_test.c: tests for multiaddr.c.  The binary forms follow the multiaddr
 * spec's table (ip4 = 0x04 + 4 bytes, tcp = 0x06 + u16, p2p = 0xa5 0x03 + varint
 * length + multihash). */
#include "multiaddr.h"
#include "check.h"

#include <string.h>

#define SEED00_ID "12D3KooWA4Xop1JaT3MHxwYMkCepYsv4iPVopMXwCz5iHYdBfeSB"

static int round_trip(const char *text)
{
	uint8_t b[NET_MADDR_MAX];
	size_t len;
	char back[NET_MADDR_TEXT_MAX];
	if (net_maddr_parse(text, b, sizeof b, &len, NULL) != 0) return 1;
	if (net_maddr_format(b, len, back, sizeof back) != 0) return 1;
	if (strcmp(back, text)) {
		fprintf(stderr, "  %s came back as %s\n", text, back);
		return 1;
	}
	return 0;
}

static int test_ip4_tcp_has_the_spec_bytes(void)
{
	uint8_t b[NET_MADDR_MAX];
	size_t len;
	CHECK_EQ(net_maddr_parse("/ip4/127.0.0.1/tcp/4001", b, sizeof b, &len, NULL), 0);
	static const uint8_t want[] = { 0x04, 127, 0, 0, 1, 0x06, 0x0f, 0xa1 };
	CHECK(len == sizeof want && !memcmp(b, want, len));
	return 0;
}

static int test_text_round_trips(void)
{
	CHECK_EQ(round_trip("/ip4/127.0.0.1/tcp/4001"), 0);
	CHECK_EQ(round_trip("/ip6/::1/tcp/0"), 0);
	CHECK_EQ(round_trip("/dns4/example.com/tcp/443/wss"), 0);
	CHECK_EQ(round_trip("/ip4/1.2.3.4/udp/4001/quic-v1"), 0);
	CHECK_EQ(round_trip("/dnsaddr/bootstrap.libp2p.io/p2p/QmNnooDu7bfjPFoTZYxMNLWUQJyrVwtbZg5gBMjTezGAJN"), 0);
	CHECK_EQ(round_trip("/ip4/127.0.0.1/tcp/65535/p2p/" SEED00_ID), 0);
	return 0;
}

static int test_ipfs_is_the_old_name_of_p2p(void)
{
	uint8_t a[NET_MADDR_MAX], b[NET_MADDR_MAX];
	size_t la, lb;
	CHECK_EQ(net_maddr_parse("/ip4/1.2.3.4/tcp/1/ipfs/" SEED00_ID, a, sizeof a, &la, NULL), 0);
	CHECK_EQ(net_maddr_parse("/ip4/1.2.3.4/tcp/1/p2p/" SEED00_ID, b, sizeof b, &lb, NULL), 0);
	CHECK(la == lb && !memcmp(a, b, la));
	return 0;
}

static int test_bad_text_is_refused(void)
{
	static const char *const bad[] = {
		"", "ip4/1.2.3.4", "/ip4/1.2.3", "/ip4/256.1.1.1/tcp/1", "/ip4/1.2.3.4/tcp/65536",
		"/ip4/1.2.3.4/tcp/-1", "/ip4/1.2.3.4/tcp", "/ip4/1.2.3.4/tcp/", "/sctp/1",
		"/ip4/1.2.3.4/tcp/1/p2p/notapeer", "/ip6/1.2.3.4/tcp/1", "/ip4/1.2.3.4//tcp/1",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		uint8_t b[NET_MADDR_MAX];
		size_t len;
		const char *why = NULL;
		if (net_maddr_parse(bad[i], b, sizeof b, &len, &why) == 0) {
			fprintf(stderr, "  '%s' was accepted\n", bad[i]);
			return 1;
		}
		CHECK(why != NULL);
	}
	return 0;
}

static int test_bad_binary_is_refused(void)
{
	static const struct { uint8_t b[8]; size_t len; } bad[] = {
		{ { 0x04, 1, 2, 3 }, 4 },                  /* ip4 cut short */
		{ { 0x06, 1 }, 2 },                         /* port cut short */
		{ { 0x99, 0x01 }, 2 },                      /* unknown code */
		{ { 0x36, 5, 'a', 'b' }, 4 },               /* name longer than the rest */
		{ { 0x36, 0 }, 2 },                         /* empty name */
		{ { 0x36, 3, 'a', '/', 'b' }, 5 },          /* a slash inside a name */
		{ { 0xa5, 0x03, 2, 0x12, 0x20 }, 5 },       /* p2p: not a whole multihash */
		{ { 0x80 }, 1 },                            /* unterminated varint */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char text[NET_MADDR_TEXT_MAX];
		if (net_maddr_valid(bad[i].b, bad[i].len) || net_maddr_format(bad[i].b, bad[i].len, text, sizeof text) == 0) {
			fprintf(stderr, "  case %zu accepted\n", i);
			return 1;
		}
	}
	CHECK(!net_maddr_valid((const uint8_t *)"", 0));
	return 0;
}

static int test_split_peer_and_tcp_host(void)
{
	uint8_t b[NET_MADDR_MAX];
	size_t len, prefix;
	net_peerid id;
	CHECK_EQ(net_maddr_parse("/ip4/10.1.2.3/tcp/4001/p2p/" SEED00_ID, b, sizeof b, &len, NULL), 0);
	CHECK_EQ(net_maddr_split_peer(b, len, &id, &prefix), 1);
	CHECK_EQ(prefix, 8);
	char text[NET_PEERID_TEXT_MAX];
	net_peerid_format(&id, text);
	CHECK(!strcmp(text, SEED00_ID));
	char host[64];
	uint16_t port;
	int family;
	CHECK_EQ(net_maddr_tcp(b, prefix, host, sizeof host, &port, &family), 0);
	CHECK(!strcmp(host, "10.1.2.3") && port == 4001 && family == 4);
	CHECK_EQ(net_maddr_tcp(b, len, host, sizeof host, &port, &family), -1); /* /p2p/ not stripped */
	CHECK_EQ(net_maddr_parse("/dns4/localhost/tcp/80", b, sizeof b, &len, NULL), 0);
	CHECK_EQ(net_maddr_split_peer(b, len, &id, &prefix), 0);
	CHECK_EQ(net_maddr_tcp(b, len, host, sizeof host, &port, &family), 0);
	CHECK(!strcmp(host, "localhost") && port == 80 && family == 4);
	CHECK_EQ(net_maddr_parse("/ip4/1.2.3.4/udp/80", b, sizeof b, &len, NULL), 0);
	CHECK_EQ(net_maddr_tcp(b, len, host, sizeof host, &port, &family), -1);
	static const uint8_t lo[4] = { 127, 0, 0, 1 };
	uint8_t m[32];
	size_t ml = net_maddr_from_ip(lo, 4, 4001, m);
	CHECK_EQ(net_maddr_format(m, ml, text, sizeof text), 0);
	CHECK(!strcmp(text, "/ip4/127.0.0.1/tcp/4001"));
	return 0;
}

int main(void)
{
	static const test_case tests[] = {
		TEST(test_ip4_tcp_has_the_spec_bytes),
		TEST(test_text_round_trips),
		TEST(test_ipfs_is_the_old_name_of_p2p),
		TEST(test_bad_text_is_refused),
		TEST(test_bad_binary_is_refused),
		TEST(test_split_peer_and_tcp_host),
	};
	return check_run_all(tests, sizeof tests / sizeof tests[0]);
}
