/* mss_test.c: tests for mss.c: a dialer and a listener talking, byte by byte and in
 * one piece, refusal, pipelined data after the proposal, and hostile input. */
#include "mss.h"
#include "check.h"

#include <string.h>

/* The header as libp2p sends it: 0x13 then "/multistream/1.0.0\n". */
static const char HDR[] = "\x13/multistream/1.0.0\n";

static int test_dialer_writes_header_and_proposal(void)
{
	net_mss d;
	uint8_t out[NET_MSS_OUT_MAX];
	size_t n = net_mss_dialer(&d, "/noise", out);
	CHECK_EQ(n, 20 + 8);
	CHECK(!memcmp(out, HDR, 20));
	CHECK(!memcmp(out + 20, "\x07/noise\n", 8));
	CHECK_EQ(net_mss_dialer(&d, "", out), 0);
	CHECK_EQ(net_mss_dialer(&d, "/a\nb", out), 0);
	return 0;
}

/* Runs a dialer against a listener that supports only `supported`, feeding the bytes
 * in pieces of `step`.  Returns the dialer's final result. */
static int converse(const char *proposal, const char *supported, size_t step, char *agreed)
{
	net_mss d, l;
	uint8_t to_l[4 * NET_MSS_OUT_MAX], to_d[4 * NET_MSS_OUT_MAX], out[NET_MSS_OUT_MAX];
	size_t nl = net_mss_dialer(&d, proposal, to_l);
	size_t nd = net_mss_listener(&l, to_d);
	size_t pl = 0, pd = 0, used;
	int rl = NET_MSS_MORE, rd = NET_MSS_MORE;
	for (int guard = 0; guard < 1000 && rd == NET_MSS_MORE; guard++) {
		if (pl < nl && rl != NET_MSS_AGREED) {
			size_t n = nl - pl < step ? nl - pl : step;
			rl = net_mss_input(&l, to_l + pl, n, &used);
			pl += used;
			if (rl == NET_MSS_PROPOSAL) {
				size_t k = strcmp(l.proto, supported) ? net_mss_refuse(&l, out) : net_mss_accept(&l, out);
				memcpy(to_d + nd, out, k);
				nd += k;
				if (!strcmp(l.proto, supported)) {
					strcpy(agreed, l.proto);
					rl = NET_MSS_AGREED;
				} else {
					rl = NET_MSS_MORE;
				}
			} else if (rl < 0) {
				return rl;
			}
		}
		if (pd < nd) {
			size_t n = nd - pd < step ? nd - pd : step;
			rd = net_mss_input(&d, to_d + pd, n, &used);
			pd += used;
		}
	}
	return rd;
}

static int test_dialer_and_listener_agree_in_any_pieces(void)
{
	char agreed[NET_MSS_PROTO_MAX + 1];
	for (size_t step = 1; step <= 64; step *= 2) {
		agreed[0] = 0;
		CHECK_EQ(converse("/yamux/1.0.0", "/yamux/1.0.0", step, agreed), NET_MSS_AGREED);
		CHECK(!strcmp(agreed, "/yamux/1.0.0"));
	}
	return 0;
}

static int test_listener_refusal_reaches_the_dialer(void)
{
	char agreed[NET_MSS_PROTO_MAX + 1] = "";
	CHECK_EQ(converse("/ipfs/kad/1.0.0", "/ipfs/bitswap/1.2.0", 5, agreed), NET_MSS_REFUSED);
	CHECK_EQ(agreed[0], 0);
	return 0;
}

static int test_listener_leaves_pipelined_data_alone(void)
{
	/* a dialer may send its first data right behind the proposal */
	uint8_t in[128];
	size_t n = 0;
	memcpy(in, HDR, 20);
	n += 20;
	memcpy(in + n, "\x14/ipfs/bitswap/1.2.0\n", 21);
	n += 21;
	memcpy(in + n, "DATA", 4);
	n += 4;
	net_mss l;
	uint8_t out[NET_MSS_OUT_MAX];
	net_mss_listener(&l, out);
	size_t used;
	CHECK_EQ(net_mss_input(&l, in, n, &used), NET_MSS_PROPOSAL);
	CHECK_EQ(used, 41);
	CHECK(!strcmp(l.proto, "/ipfs/bitswap/1.2.0"));
	size_t k = net_mss_accept(&l, out);
	CHECK(k == 21 && !memcmp(out, "\x14/ipfs/bitswap/1.2.0\n", 21));
	CHECK_EQ(net_mss_input(&l, in + used, n - used, &used), NET_MSS_AGREED);
	CHECK_EQ(used, 0);
	return 0;
}

static int test_listener_takes_a_second_proposal_after_na(void)
{
	uint8_t in[128];
	size_t n = 0;
	memcpy(in, HDR, 20);
	n = 20;
	memcpy(in + n, "\x04/a1\n\x04/b2\n", 10);
	n += 10;
	net_mss l;
	uint8_t out[NET_MSS_OUT_MAX];
	net_mss_listener(&l, out);
	size_t used, off = 0;
	CHECK_EQ(net_mss_input(&l, in, n, &used), NET_MSS_PROPOSAL);
	off += used;
	CHECK(!strcmp(l.proto, "/a1"));
	CHECK(net_mss_refuse(&l, out) == 4 && !memcmp(out, "\x03na\n", 4));
	CHECK_EQ(net_mss_input(&l, in + off, n - off, &used), NET_MSS_PROPOSAL);
	CHECK(!strcmp(l.proto, "/b2"));
	return 0;
}

static int test_hostile_input_is_an_error(void)
{
	static const struct { const char *bytes; size_t len; } bad[] = {
		{ "\x13/multistream/2.0.0\n", 20 },             /* another version */
		{ "\x13/multistream/1.0.0X", 20 },              /* no newline */
		{ "\x00", 1 },                                  /* empty message */
		{ "\xff\xff\xff\x7f", 4 },                      /* huge length */
		{ "\x90\x01", 2 },                              /* 144 > the longest name */
		{ "\x80\x80\x80", 3 },                          /* unterminated varint */
		/* HTTP: 'G' reads as length 71, and byte 71 is no newline */
		{ "GET / HTTP/1.1\r\nHost: example\r\nUser-Agent: curl\r\nAccept: */*\r\nX-Pad: 0123456789\r\n\r\n", 80 },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		net_mss l;
		uint8_t out[NET_MSS_OUT_MAX];
		net_mss_listener(&l, out);
		size_t used;
		int r = net_mss_input(&l, (const uint8_t *)bad[i].bytes, bad[i].len, &used);
		if (r != NET_MSS_ERR) {
			fprintf(stderr, "  case %zu: %d\n", i, r);
			return 1;
		}
		CHECK(l.why != NULL);
		CHECK_EQ(net_mss_input(&l, (const uint8_t *)"x", 1, &used), NET_MSS_ERR);
	}
	/* a dialer answered with another protocol */
	net_mss d;
	uint8_t out[NET_MSS_OUT_MAX];
	net_mss_dialer(&d, "/noise", out);
	uint8_t in[64];
	memcpy(in, HDR, 20);
	memcpy(in + 20, "\x06/tls1\n", 7);
	size_t used;
	CHECK_EQ(net_mss_input(&d, in, 27, &used), NET_MSS_ERR);
	/* a proposal before the header */
	net_mss l;
	net_mss_listener(&l, out);
	CHECK_EQ(net_mss_input(&l, (const uint8_t *)"\x07/noise\n", 8, &used), NET_MSS_ERR);
	return 0;
}

int main(void)
{
	static const test_case tests[] = {
		TEST(test_dialer_writes_header_and_proposal),
		TEST(test_dialer_and_listener_agree_in_any_pieces),
		TEST(test_listener_refusal_reaches_the_dialer),
		TEST(test_listener_leaves_pipelined_data_alone),
		TEST(test_listener_takes_a_second_proposal_after_na),
		TEST(test_hostile_input_is_an_error),
	};
	return check_run_all(tests, sizeof tests / sizeof tests[0]);
}
