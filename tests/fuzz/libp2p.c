/* libp2p.c: the fuzz target of the libp2p layer (fuzz_libp2p_one, net_targets.h):
 * multistream, yamux, Noise, multiaddrs, peer ids and whole nodes. */
#include "net_targets.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mss.h"
#include "multiaddr.h"
#include "node.h"
#include "noise.h"
#include "peerid.h"
#include "yamux.h"

/* Feeds data in pieces whose sizes come from the data itself, so split input is
 * covered too. */
static size_t piece(const uint8_t *data, size_t len, size_t off)
{
	size_t n = (size_t)(data[off % len] % 61) + 1;
	return n < len - off ? n : len - off;
}

static int mss_target(const uint8_t *d, size_t len, bool dialer)
{
	net_mss m;
	uint8_t out[NET_MSS_OUT_MAX];
	if (dialer) net_mss_dialer(&m, "/ipfs/kad/1.0.0", out);
	else net_mss_listener(&m, out);
	size_t off = 0, used;
	int decisions = 0;
	while (off < len) {
		size_t n = piece(d, len, off);
		int r = net_mss_input(&m, d + off, n, &used);
		if (used > n) {
			fprintf(stderr, "mss: used %zu of %zu\n", used, n);
			return 1;
		}
		off += used ? used : n;
		if (r == NET_MSS_PROPOSAL) {
			if (strlen(m.proto) > NET_MSS_PROTO_MAX) return 1;
			(decisions++ & 1) ? net_mss_accept(&m, out) : net_mss_refuse(&m, out);
		}
		if (r == NET_MSS_ERR || r == NET_MSS_REFUSED || r == NET_MSS_AGREED) break;
	}
	return 0;
}

/* ---- yamux -------------------------------------------------------------------------------- */

static int y_out(void *ud, const uint8_t *h, const uint8_t *p, size_t n)
{
	(void)h;
	(void)p;
	*(size_t *)ud += 12 + n;
	return 0;
}
static bool y_incoming(void *ud, uint32_t id) { (void)ud; return id % 3 != 0; }
static void y_data(void *ud, uint32_t id, const uint8_t *p, size_t n) { (void)ud; (void)id; (void)p; (void)n; }
static void y_fin(void *ud, uint32_t id) { (void)ud; (void)id; }
static void y_reset(void *ud, uint32_t id) { (void)ud; (void)id; }
static void y_writable(void *ud, uint32_t id) { (void)ud; (void)id; }

static int yamux_target(const uint8_t *d, size_t len)
{
	static const net_yamux_ops ops = { y_incoming, y_data, y_fin, y_reset, y_writable, NULL, NULL, y_out };
	size_t out = 0;
	net_yamux y;
	if (net_yamux_init(&y, false, 8, &ops, &out) != 0) return 0;
	uint32_t id;
	net_yamux_open(&y, &id);
	size_t off = 0;
	while (off < len) {
		size_t n = piece(d, len, off);
		if (net_yamux_input(&y, d + off, n) != 0) break;
		off += n;
		/* our side writes too, so windows move both ways */
		net_yamux_send(&y, id, d, n);
	}
	if (y.nstreams > y.max_streams) {
		fprintf(stderr, "yamux: %u streams past the limit %u\n", y.nstreams, y.max_streams);
		net_yamux_free(&y);
		return 1;
	}
	net_yamux_free(&y);
	return 0;
}

/* ---- Noise ---------------------------------------------------------------------------------- */

static net_identity fuzz_id(uint8_t b)
{
	net_identity idn;
	uint8_t seed[32];
	memset(seed, b, sizeof seed);
	net_identity_from_seed(&idn, seed);
	return idn;
}

static int noise_responder_target(const uint8_t *d, size_t len)
{
	static net_noise r;
	net_identity idn = fuzz_id(1);
	net_noise_init(&r, &idn, false, NULL);
	uint8_t out[NET_NOISE_HS_OUT_MAX];
	size_t off = 0, used, olen;
	while (off < len) {
		size_t n = piece(d, len, off);
		int rc = net_noise_handshake(&r, d + off, n, &used, out, &olen);
		if (used > n || olen > NET_NOISE_HS_OUT_MAX) return 1;
		off += used ? used : n;
		if (rc != NET_NOISE_MORE) break;
	}
	return 0;
}

static int noise_channel_target(const uint8_t *d, size_t len)
{
	static net_noise i, r;
	static uint8_t plain[NET_NOISE_PLAIN_MAX];
	net_identity a = fuzz_id(1), b = fuzz_id(2);
	uint8_t m[NET_NOISE_HS_OUT_MAX], out[NET_NOISE_HS_OUT_MAX];
	size_t used, olen, mlen;
	net_noise_init(&i, &a, true, NULL);
	net_noise_init(&r, &b, false, NULL);
	mlen = net_noise_start(&i, m);
	net_noise_handshake(&r, m, mlen, &used, out, &olen);
	net_noise_handshake(&i, out, olen, &used, m, &mlen);
	if (net_noise_handshake(&r, m, mlen, &used, out, &olen) != NET_NOISE_DONE) {
		fprintf(stderr, "noise: our own handshake failed\n");
		return 1;
	}
	size_t off = 0;
	while (off < len) {
		size_t n = piece(d, len, off), pl;
		int rc = net_noise_open(&r, d + off, n, &used, plain, &pl);
		if (used > n || pl > NET_NOISE_PLAIN_MAX) return 1;
		off += used ? used : n;
		if (rc < 0) break;
	}
	return 0;
}

/* ---- multiaddr and peer ids ------------------------------------------------------------------ */

static int maddr_target(const uint8_t *d, size_t len)
{
	char text[NET_MADDR_TEXT_MAX], host[256];
	uint8_t back[NET_MADDR_MAX];
	size_t blen, prefix;
	net_peerid id;
	uint16_t port;
	int family;
	bool valid = net_maddr_valid(d, len);
	int f = net_maddr_format(d, len, text, sizeof text);
	net_maddr_split_peer(d, len, &id, &prefix);
	net_maddr_tcp(d, len, host, sizeof host, &port, &family);
	/* what formats must parse back to the same bytes */
	if (valid && f == 0) {
		if (net_maddr_parse(text, back, sizeof back, &blen, NULL) != 0 || blen != len || memcmp(back, d, len)) {
			fprintf(stderr, "multiaddr: '%s' does not parse back to its bytes\n", text);
			return 1;
		}
	}
	/* the bytes as text */
	char *s = malloc(len + 1);
	if (!s) return 0;
	memcpy(s, d, len);
	s[len] = 0;
	if (net_maddr_parse(s, back, sizeof back, &blen, NULL) == 0 && !net_maddr_valid(back, blen)) {
		fprintf(stderr, "multiaddr: '%s' parsed to invalid bytes\n", s);
		free(s);
		return 1;
	}
	free(s);
	return 0;
}

static int peerid_target(const uint8_t *d, size_t len)
{
	net_peerid id;
	char text[NET_PEERID_TEXT_MAX];
	uint8_t b[128];
	net_base58_decode((const char *)d, len, b, sizeof b);
	if (net_peerid_parse(&id, (const char *)d, len) == 0) {
		net_peerid back;
		net_peerid_format(&id, text);
		if (net_peerid_parse(&back, text, strlen(text)) != 0 || !net_peerid_equal(&back, &id)) {
			fprintf(stderr, "peerid: '%s' does not parse back\n", text);
			return 1;
		}
	}
	if (net_peerid_from_bytes(&id, d, len) == 0) net_peerid_format(&id, text);
	return 0;
}

/* ---- a whole node ---------------------------------------------------------------------------- */

#define FUZZ_TIMERS 64

typedef struct fplat {
	uint8_t *out;         /* what the node sent (target 8 reads the handshake from it) */
	size_t olen, ocap;
	bool keep;
	bool closed;
	uint64_t now, next_timer;
	uint64_t timers[FUZZ_TIMERS];
} fplat;

static uint64_t fp_now(void *ud) { return ((fplat *)ud)->now++; }
static int64_t fp_dial(void *ud, const uint8_t *m, size_t l) { (void)ud; (void)m; (void)l; return NET_EDIAL; }
static int fp_send(void *ud, uint64_t h, const uint8_t *p, size_t n)
{
	(void)h;
	fplat *f = ud;
	if (f->closed) return NET_ECLOSED;
	if (!f->keep) return 0;
	if (f->olen + n > f->ocap) {
		size_t cap = (f->olen + n) * 2;
		uint8_t *b = realloc(f->out, cap);
		if (!b) return NET_ENOMEM;
		f->out = b;
		f->ocap = cap;
	}
	memcpy(f->out + f->olen, p, n);
	f->olen += n;
	return 0;
}
static void fp_close(void *ud, uint64_t h) { (void)h; ((fplat *)ud)->closed = true; }
static uint64_t fp_timer(void *ud, uint64_t at, net_timer_fn fn, void *arg)
{
	(void)at;
	(void)fn;
	(void)arg;
	fplat *f = ud;
	for (int i = 0; i < FUZZ_TIMERS; i++)
		if (!f->timers[i]) return f->timers[i] = ++f->next_timer;
	return 0; /* like running out of memory: the node must cope */
}
static void fp_cancel(void *ud, uint64_t id)
{
	fplat *f = ud;
	for (int i = 0; i < FUZZ_TIMERS; i++)
		if (f->timers[i] == id) f->timers[i] = 0;
}

static net_node *fuzz_node(fplat *f)
{
	static const net_platform plat0 = { NULL, fp_now, fp_dial, fp_send, fp_close, fp_timer, fp_cancel };
	net_platform plat = plat0;
	plat.ud = f;
	uint8_t seed[32];
	memset(seed, 7, sizeof seed);
	return net_node_new(&plat, seed, "fuzz");
}

static int node_raw_target(const uint8_t *d, size_t len)
{
	fplat f = { 0 };
	net_node *n = fuzz_node(&f);
	if (!n) return 0;
	uint8_t remote[32];
	static const uint8_t ip[4] = { 127, 0, 0, 1 };
	size_t rl = net_maddr_from_ip(ip, 4, 1234, remote);
	net_node_transport_up(n, 1, true, remote, rl);
	size_t off = 0;
	while (off < len && !f.closed) {
		size_t k = piece(d, len, off);
		net_node_transport_data(n, 1, d + off, k);
		off += k;
	}
	net_node_free(n);
	free(f.out);
	return 0;
}

/* Target 8: a real handshake with the node, then the fuzz bytes as plaintext. */
static int node_plain_target(const uint8_t *d, size_t len)
{
	static net_noise i;
	static uint8_t sealed[2 * (2 + NET_NOISE_FRAME_MAX)];
	fplat f = { .keep = true };
	net_node *n = fuzz_node(&f);
	if (!n) return 0;
	net_identity me = fuzz_id(3);
	net_node_transport_up(n, 1, true, NULL, 0);
	static const char hello[] = "\x13/multistream/1.0.0\n\x07/noise\n";
	net_node_transport_data(n, 1, (const uint8_t *)hello, sizeof hello - 1);
	net_noise_init(&i, &me, true, net_node_peerid(n));
	uint8_t m[NET_NOISE_HS_OUT_MAX];
	size_t mlen = net_noise_start(&i, m), used, olen;
	net_node_transport_data(n, 1, m, mlen);
	/* the node sent its header and echo (28 bytes), then message 2 */
	int rc = f.olen > 28 ? net_noise_handshake(&i, f.out + 28, f.olen - 28, &used, m, &olen) : -1;
	if (rc != NET_NOISE_DONE) {
		fprintf(stderr, "node: the handshake with our node failed (%d)\n", rc);
		net_node_free(n);
		free(f.out);
		return 1;
	}
	net_node_transport_data(n, 1, m, olen);
	f.keep = false;
	static const char yamux[] = "\x13/multistream/1.0.0\n\x0d/yamux/1.0.0\n";
	size_t w = net_noise_seal(&i, (const uint8_t *)yamux, sizeof yamux - 1, sealed);
	net_node_transport_data(n, 1, sealed, w);
	size_t off = 0;
	while (off < len && !f.closed) {
		size_t k = piece(d, len, off) * 97; /* frames of up to ~6 KB */
		if (k > len - off) k = len - off;
		w = net_noise_seal(&i, d + off, k, sealed);
		net_node_transport_data(n, 1, sealed, w);
		off += k;
	}
	net_node_free(n);
	free(f.out);
	return 0;
}

int fuzz_libp2p_one(const uint8_t *data, size_t len)
{
	if (len < 1) return 0;
	const uint8_t *d = data + 1;
	size_t n = len - 1;
	switch (data[0] % FUZZ_LIBP2P_PARSERS) {
	case 0: return n ? mss_target(d, n, false) : 0;
	case 1: return n ? mss_target(d, n, true) : 0;
	case 2: return n ? yamux_target(d, n) : 0;
	case 3: return n ? noise_responder_target(d, n) : 0;
	case 4: return n ? noise_channel_target(d, n) : 0;
	case 5: return maddr_target(d, n);
	case 6: return peerid_target(d, n);
	case 7: return n ? node_raw_target(d, n) : 0;
	default: return node_plain_target(d, n);
	}
}

/* ---- seeds and their mutations (fuzz_libp2p_mutations) ------------------------------------ */

#define HDR "\x13/multistream/1.0.0\n"

/* A yamux header. */
static size_t yh(uint8_t *p, uint8_t type, uint16_t flags, uint32_t id, uint32_t len)
{
	p[0] = 0;
	p[1] = type;
	p[2] = (uint8_t)(flags >> 8);
	p[3] = (uint8_t)flags;
	for (int i = 0; i < 4; i++) p[4 + i] = (uint8_t)(id >> (24 - 8 * i));
	for (int i = 0; i < 4; i++) p[8 + i] = (uint8_t)(len >> (24 - 8 * i));
	return 12;
}

/* Data on stream id (with SYN when syn), payload p. */
static size_t ydata(uint8_t *out, uint32_t id, bool syn, const void *p, size_t n)
{
	size_t w = yh(out, 0, syn ? 1 : 0, id, (uint32_t)n);
	memcpy(out + w, p, n);
	return w + n;
}

/* Streams a remote may open on our node: identify asked, ping, a push, an unknown
 * protocol, window updates, a ping, a FIN, a reset, go away. */
static size_t node_session_seed(uint8_t *out)
{
	size_t w = 0;
	static const char id_ask[] = HDR "\x0f/ipfs/id/1.0.0\n";
	static const char ping[] = HDR "\x11/ipfs/ping/1.0.0\n" "0123456789abcdef0123456789abcdef";
	static const char push[] = HDR "\x14/ipfs/id/push/1.0.0\n" "\x26\x0a\x24\x08\x01\x12\x20"
		"abcdefghijklmnopqrstuvwxyz012345" "\x00";
	static const char unknown[] = HDR "\x0a/nobody/1\n";
	/* we dialled, so our streams are odd; the node's identify question is stream 2 */
	w += ydata(out + w, 1, true, id_ask, sizeof id_ask - 1);
	w += ydata(out + w, 3, true, ping, sizeof ping - 1);
	w += ydata(out + w, 5, true, push, sizeof push - 2);
	w += ydata(out + w, 7, true, unknown, sizeof unknown - 1);
	w += yh(out + w, 1, 0, 2, 1000);       /* window for the node's identify stream */
	w += yh(out + w, 2, 1, 0, 42);         /* ping */
	w += yh(out + w, 1, 4, 3, 0);          /* FIN on the ping stream */
	w += yh(out + w, 1, 8, 7, 0);          /* RST */
	w += yh(out + w, 3, 0, 0, 0);          /* go away */
	return w;
}

static size_t seed(int target, uint8_t *out)
{
	size_t w = 1;
	out[0] = (uint8_t)target;
	switch (target) {
	case 0: {
		static const char s[] = HDR "\x07/noise\n\x0d/yamux/1.0.0\n";
		memcpy(out + w, s, sizeof s - 1);
		return w + sizeof s - 1;
	}
	case 1: {
		static const char s[] = HDR "\x03na\n";
		memcpy(out + w, s, sizeof s - 1);
		return w + sizeof s - 1;
	}
	case 2: {
		static const char hi[] = "hello";
		w += yh(out + w, 1, 1, 3, 0);
		w += ydata(out + w, 3, false, hi, 5);
		w += yh(out + w, 1, 0, 2, 70000);
		w += yh(out + w, 2, 1, 0, 7);
		w += yh(out + w, 0, 4, 3, 0);
		w += yh(out + w, 3, 0, 0, 0);
		return w;
	}
	case 3: case 4:
		out[w++] = 0;
		out[w++] = 48;
		for (int i = 0; i < 48; i++) out[w++] = (uint8_t)(i * 37);
		out[w++] = 0;
		out[w++] = 20;
		for (int i = 0; i < 20; i++) out[w++] = (uint8_t)i;
		return w;
	case 5: {
		/* /ip4/127.0.0.1/tcp/4001/dns4/a.b/p2p/<identity multihash> */
		static const uint8_t m[] = { 0x04, 127, 0, 0, 1, 0x06, 0x0f, 0xa1, 0x36, 3, 'a', '.', 'b',
			0xa5, 0x03, 0x06, 0x00, 0x04, 1, 2, 3, 4 };
		memcpy(out + w, m, sizeof m);
		return w + sizeof m;
	}
	case 6: {
		static const char s[] = "12D3KooWA4Xop1JaT3MHxwYMkCepYsv4iPVopMXwCz5iHYdBfeSB";
		memcpy(out + w, s, sizeof s - 1);
		return w + sizeof s - 1;
	}
	case 7: {
		static const char s[] = HDR "\x07/noise\n";
		memcpy(out + w, s, sizeof s - 1);
		w += sizeof s - 1;
		out[w++] = 0;
		out[w++] = 32;
		for (int i = 0; i < 32; i++) out[w++] = (uint8_t)(9 + i);
		return w;
	}
	default:
		return w + node_session_seed(out + w);
	}
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* A mutation of in (len bytes) into out (room for 2 * len + 16). */
static size_t mutate(const uint8_t *in, size_t len, uint8_t *out)
{
	memcpy(out, in, len);
	int edits = 1 + (int)(next() % 4);
	for (int e = 0; e < edits && len > 1; e++) {
		size_t at = 1 + (size_t)(next() % (len - 1)); /* keep the target byte */
		switch (next() % 4) {
		case 0: out[at] ^= (uint8_t)(1u << (next() % 8)); break;
		case 1: out[at] = (uint8_t)next(); break;
		case 2: len = at; break;                                  /* cut */
		default: {                                                /* insert a run */
			size_t n = 1 + (size_t)(next() % 8);
			memmove(out + at + n, out + at, len - at);
			for (size_t i = 0; i < n; i++) out[at + i] = (uint8_t)next();
			len += n;
		}
		}
	}
	return len;
}

int fuzz_libp2p_mutations(int target, int count)
{
	static uint8_t s[4096], m[2 * 4096 + 64];
	size_t len = seed(target, s);
	int bad = fuzz_libp2p_one(s, len);
	for (int k = 0; k < count && !bad; k++) {
		size_t ml = mutate(s, len, m);
		bad = fuzz_libp2p_one(m, ml);
		if (bad) {
			fprintf(stderr, "  libp2p target %d, mutation %d:", target, k);
			for (size_t i = 0; i < ml && i < 64; i++) fprintf(stderr, " %02x", m[i]);
			fprintf(stderr, "\n");
		}
	}
	return bad;
}

size_t fuzz_libp2p_seed(int target, uint8_t out[4096])
{
	return seed(target, out);
}
