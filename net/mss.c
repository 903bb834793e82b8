/* mss.c: multistream-select 1.0 (see mss.h). */
#include "mss.h"

#include <string.h>

#include "varint.h"

#define HEADER "/multistream/1.0.0"

enum { S_HEADER, S_ANSWER, S_PROPOSAL, S_DECIDING, S_DONE, S_FAILED };

static size_t put_msg(uint8_t *out, const char *text)
{
	size_t n = strlen(text);
	size_t k = wos_varint_put(out, n + 1);
	memcpy(out + k, text, n);
	out[k + n] = '\n';
	return k + n + 1;
}

size_t net_mss_dialer(net_mss *m, const char *protocol, uint8_t out[NET_MSS_OUT_MAX])
{
	memset(m, 0, sizeof *m);
	size_t n = strlen(protocol);
	if (n == 0 || n > NET_MSS_PROTO_MAX || memchr(protocol, '\n', n)) return 0;
	m->dialer = true;
	memcpy(m->proto, protocol, n + 1);
	m->state = S_HEADER;
	size_t k = put_msg(out, HEADER);
	return k + put_msg(out + k, protocol);
}

size_t net_mss_listener(net_mss *m, uint8_t out[NET_MSS_OUT_MAX])
{
	memset(m, 0, sizeof *m);
	m->state = S_HEADER;
	return put_msg(out, HEADER);
}

static int fail(net_mss *m, const char *why)
{
	m->state = S_FAILED;
	m->why = why;
	return NET_MSS_ERR;
}

/* One whole message (text without its '\n', n bytes) arrived. */
static int message(net_mss *m, const char *text, size_t n)
{
	switch (m->state) {
	case S_HEADER:
		if (n != sizeof HEADER - 1 || memcmp(text, HEADER, n) != 0)
			return fail(m, "multistream: not a /multistream/1.0.0 header");
		m->state = m->dialer ? S_ANSWER : S_PROPOSAL;
		return NET_MSS_MORE;
	case S_ANSWER:
		if (n == 2 && !memcmp(text, "na", 2)) {
			m->state = S_FAILED;
			m->why = "multistream: protocol refused";
			return NET_MSS_REFUSED;
		}
		if (n != strlen(m->proto) || memcmp(text, m->proto, n) != 0)
			return fail(m, "multistream: the answer is neither our protocol nor na");
		m->state = S_DONE;
		return NET_MSS_AGREED;
	case S_PROPOSAL:
		if (n == 0 || memchr(text, 0, n)) return fail(m, "multistream: empty or binary proposal");
		memcpy(m->proto, text, n);
		m->proto[n] = 0;
		m->state = S_DECIDING;
		return NET_MSS_PROPOSAL;
	default:
		return fail(m, "multistream: message out of turn");
	}
}

int net_mss_input(net_mss *m, const uint8_t *in, size_t len, size_t *used)
{
	*used = 0;
	if (m->state == S_FAILED) return NET_MSS_ERR;
	if (m->state == S_DONE) return NET_MSS_AGREED;
	if (m->state == S_DECIDING) return fail(m, "multistream: input before the proposal was answered");
	while (*used < len) {
		/* gather one message in buf: a varint, then that many bytes */
		m->buf[m->blen++] = in[(*used)++];
		uint64_t n;
		size_t k = wos_varint_get(m->buf, m->blen, &n);
		if (k == 0) {
			if (m->blen >= 2) return fail(m, "multistream: bad length");
			continue;
		}
		if (n == 0 || n > NET_MSS_PROTO_MAX + 1) return fail(m, "multistream: message length out of range");
		if (m->blen < k + n) continue;
		if (m->buf[k + n - 1] != '\n') return fail(m, "multistream: message without its newline");
		m->blen = 0;
		int r = message(m, (const char *)m->buf + k, (size_t)n - 1);
		if (r != NET_MSS_MORE) return r;
	}
	return NET_MSS_MORE;
}

size_t net_mss_accept(net_mss *m, uint8_t out[NET_MSS_OUT_MAX])
{
	m->state = S_DONE;
	return put_msg(out, m->proto);
}

size_t net_mss_refuse(net_mss *m, uint8_t out[NET_MSS_OUT_MAX])
{
	m->state = S_PROPOSAL;
	return put_msg(out, "na");
}
