/* multiaddr.c: multiaddrs, text and binary (see multiaddr.h). */
#define _GNU_SOURCE
#include "multiaddr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "varint.h"

enum { V_NONE, V_IP4, V_IP6, V_PORT, V_NAME, V_PEER };

static const struct proto {
	uint32_t code;
	const char *name;
	int value;
} PROTOS[] = {
	{ NET_MA_IP4, "ip4", V_IP4 }, { NET_MA_TCP, "tcp", V_PORT }, { NET_MA_UDP, "udp", V_PORT },
	{ NET_MA_IP6, "ip6", V_IP6 }, { NET_MA_DNS, "dns", V_NAME }, { NET_MA_DNS4, "dns4", V_NAME },
	{ NET_MA_DNS6, "dns6", V_NAME }, { NET_MA_DNSADDR, "dnsaddr", V_NAME }, { NET_MA_P2P, "p2p", V_PEER },
	{ NET_MA_QUIC_V1, "quic-v1", V_NONE }, { NET_MA_WS, "ws", V_NONE }, { NET_MA_WSS, "wss", V_NONE },
};

static const struct proto *by_code(uint64_t code)
{
	for (size_t i = 0; i < sizeof PROTOS / sizeof PROTOS[0]; i++)
		if (PROTOS[i].code == code) return &PROTOS[i];
	return NULL;
}

static const struct proto *by_name(const char *s, size_t n)
{
	for (size_t i = 0; i < sizeof PROTOS / sizeof PROTOS[0]; i++)
		if (strlen(PROTOS[i].name) == n && !memcmp(PROTOS[i].name, s, n)) return &PROTOS[i];
	/* the old name of p2p */
	if (n == 4 && !memcmp(s, "ipfs", 4)) return by_code(NET_MA_P2P);
	return NULL;
}

/* One component at b: its protocol, value bytes and total length; -1 if malformed. */
static long component(const uint8_t *b, size_t len, const struct proto **p, const uint8_t **val, size_t *vlen)
{
	uint64_t code, n;
	size_t k = wos_varint_get(b, len, &code);
	if (!k || !(*p = by_code(code))) return -1;
	size_t fixed = (*p)->value == V_IP4 ? 4 : (*p)->value == V_IP6 ? 16 : (*p)->value == V_PORT ? 2 : 0;
	if ((*p)->value == V_NAME || (*p)->value == V_PEER) {
		size_t m = wos_varint_get(b + k, len - k, &n);
		if (!m || n == 0 || n > len - k - m) return -1;
		k += m;
		fixed = (size_t)n;
	}
	if (fixed > len - k) return -1;
	*val = b + k;
	*vlen = fixed;
	return (long)(k + fixed);
}

bool net_maddr_valid(const uint8_t *b, size_t len)
{
	size_t off = 0;
	if (len == 0 || len > NET_MADDR_MAX) return false;
	while (off < len) {
		const struct proto *p;
		const uint8_t *v;
		size_t vl;
		long n = component(b + off, len - off, &p, &v, &vl);
		if (n < 0) return false;
		if (p->value == V_NAME) {
			for (size_t i = 0; i < vl; i++)
				if (v[i] <= ' ' || v[i] == '/' || v[i] >= 0x7f) return false;
		}
		if (p->value == V_PEER) {
			net_peerid id;
			if (net_peerid_from_bytes(&id, v, vl) != 0) return false;
		}
		off += (size_t)n;
	}
	return true;
}

int net_maddr_parse(const char *text, uint8_t *out, size_t cap, size_t *len, const char **why)
{
	const char *dummy;
	if (!why) why = &dummy;
	size_t w = 0;
	const char *s = text;
	*why = "not a multiaddr (it starts with '/')";
	if (*s != '/') return -1;
	while (*s) {
		if (*s != '/') return -1;
		s++;
		size_t n = strcspn(s, "/");
		const struct proto *p = by_name(s, n);
		if (!p) {
			*why = "unknown protocol (ip4, ip6, tcp, udp, dns, dns4, dns6, dnsaddr, p2p, quic-v1, ws, wss)";
			return -1;
		}
		s += n;
		uint8_t code[WOS_VARINT_MAX], val[NET_MADDR_MAX];
		size_t cl = wos_varint_put(code, p->code), vl = 0;
		if (p->value != V_NONE) {
			if (*s != '/' || !s[1]) {
				*why = "a protocol without its value";
				return -1;
			}
			s++;
			size_t m = strcspn(s, "/");
			char v[NET_MADDR_TEXT_MAX];
			if (m >= sizeof v) return -1;
			memcpy(v, s, m);
			v[m] = 0;
			s += m;
			*why = "a bad value";
			if (p->value == V_IP4) {
				if (inet_pton(AF_INET, v, val) != 1) return -1;
				vl = 4;
			} else if (p->value == V_IP6) {
				if (inet_pton(AF_INET6, v, val) != 1) return -1;
				vl = 16;
			} else if (p->value == V_PORT) {
				char *end;
				unsigned long port = strtoul(v, &end, 10);
				if (*end || end == v || port > 65535 || v[0] == '-' || v[0] == '+') return -1;
				val[0] = (uint8_t)(port >> 8);
				val[1] = (uint8_t)port;
				vl = 2;
			} else if (p->value == V_NAME) {
				if (m == 0 || m > 253) return -1;
				/* the characters net_maddr_valid takes, so a parse is always valid */
				for (size_t c = 0; c < m; c++)
					if ((uint8_t)v[c] <= ' ' || (uint8_t)v[c] >= 0x7f) return -1;
				vl = wos_varint_put(val, m);
				memcpy(val + vl, v, m);
				vl += m;
			} else {
				net_peerid id;
				if (net_peerid_parse(&id, v, m) != 0) return -1;
				vl = wos_varint_put(val, id.len);
				memcpy(val + vl, id.b, id.len);
				vl += id.len;
			}
		}
		if (w + cl + vl > cap || w + cl + vl > NET_MADDR_MAX) {
			*why = "too long";
			return -1;
		}
		memcpy(out + w, code, cl);
		memcpy(out + w + cl, val, vl);
		w += cl + vl;
	}
	if (w == 0) return -1;
	*len = w;
	*why = NULL;
	return 0;
}

int net_maddr_format(const uint8_t *b, size_t len, char *out, size_t cap)
{
	size_t off = 0, w = 0;
	if (cap == 0 || !net_maddr_valid(b, len)) return -1;
	out[0] = 0;
	while (off < len) {
		const struct proto *p;
		const uint8_t *v;
		size_t vl;
		long n = component(b + off, len - off, &p, &v, &vl);
		char val[NET_MADDR_TEXT_MAX] = "";
		if (p->value == V_IP4) {
			inet_ntop(AF_INET, v, val, sizeof val);
		} else if (p->value == V_IP6) {
			inet_ntop(AF_INET6, v, val, sizeof val);
		} else if (p->value == V_PORT) {
			snprintf(val, sizeof val, "%u", (unsigned)(v[0] << 8 | v[1]));
		} else if (p->value == V_NAME) {
			snprintf(val, sizeof val, "%.*s", (int)vl, (const char *)v);
		} else if (p->value == V_PEER) {
			net_peerid id;
			net_peerid_from_bytes(&id, v, vl);
			net_peerid_format(&id, val);
		}
		int k = snprintf(out + w, cap - w, "/%s%s%s", p->name, p->value != V_NONE ? "/" : "", val);
		if (k < 0 || (size_t)k >= cap - w) return -1;
		w += (size_t)k;
		off += (size_t)n;
	}
	return 0;
}

int net_maddr_split_peer(const uint8_t *b, size_t len, net_peerid *peer, size_t *prefix)
{
	if (!net_maddr_valid(b, len)) return -1;
	size_t off = 0;
	while (off < len) {
		const struct proto *p;
		const uint8_t *v;
		size_t vl;
		long n = component(b + off, len - off, &p, &v, &vl);
		if (p->value == V_PEER && off + (size_t)n == len) {
			net_peerid_from_bytes(peer, v, vl);
			*prefix = off;
			return 1;
		}
		off += (size_t)n;
	}
	return 0;
}

int net_maddr_tcp(const uint8_t *b, size_t len, char *host, size_t cap, uint16_t *port, int *family)
{
	const struct proto *p, *q;
	const uint8_t *v, *w;
	size_t vl, wl;
	if (!net_maddr_valid(b, len)) return -1;
	long n = component(b, len, &p, &v, &vl);
	if ((size_t)n >= len) return -1;
	long m = component(b + n, len - (size_t)n, &q, &w, &wl);
	if ((size_t)(n + m) != len || q->code != NET_MA_TCP) return -1;
	*port = (uint16_t)(w[0] << 8 | w[1]);
	if (p->code == NET_MA_IP4 || p->code == NET_MA_IP6) {
		*family = p->code == NET_MA_IP4 ? 4 : 6;
		return inet_ntop(p->code == NET_MA_IP4 ? AF_INET : AF_INET6, v, host, (socklen_t)cap) ? 0 : -1;
	}
	if (p->code != NET_MA_DNS && p->code != NET_MA_DNS4 && p->code != NET_MA_DNS6) return -1;
	if (vl + 1 > cap) return -1;
	memcpy(host, v, vl);
	host[vl] = 0;
	*family = p->code == NET_MA_DNS4 ? 4 : p->code == NET_MA_DNS6 ? 6 : 0;
	return 0;
}

size_t net_maddr_from_ip(const uint8_t *ip, size_t iplen, uint16_t port, uint8_t out[32])
{
	size_t w = 0;
	out[w++] = iplen == 4 ? NET_MA_IP4 : NET_MA_IP6;
	memcpy(out + w, ip, iplen);
	w += iplen;
	out[w++] = NET_MA_TCP;
	out[w++] = (uint8_t)(port >> 8);
	out[w++] = (uint8_t)port;
	return w;
}
