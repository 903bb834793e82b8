/* http.c: gateway URLs, requests and the incremental HTTP/1.1 response parser (see
 * http.h).
 *
 * The parser is a state machine over lines (status, headers, chunk sizes, trailers)
 * and counted bytes (a Content-Length body, chunk data).  Lines are collected in
 * r->line, so a line split across two feeds reads the same as one fed whole.  What
 * RFC 9112 lets a client reject, it rejects: obsolete header folding, a response
 * with both Content-Length and chunked coding (the smuggling case), codings other
 * than chunked, sizes that overflow.
 */
#include "http.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
	S_STATUS,      /* reading the status line */
	S_HEADER,      /* reading header lines */
	S_BODY_LENGTH, /* reading `left` body bytes */
	S_BODY_CLOSE,  /* reading body bytes until the connection ends */
	S_CHUNK_SIZE,  /* reading a chunk-size line */
	S_CHUNK_DATA,  /* reading `left` bytes of a chunk */
	S_CHUNK_END,   /* reading the empty line after a chunk */
	S_TRAILER,     /* reading trailer lines after the last chunk */
	S_DONE,
	S_ERROR,
};

const char *net_http_error_text(int code)
{
	switch (code) {
	case NET_HTTP_DONE: return "complete";
	case NET_HTTP_MORE: return "incomplete";
	case NET_HTTP_ERR_URL: return "malformed URL";
	case NET_HTTP_ERR_SCHEME: return "unsupported URL scheme";
	case NET_HTTP_ERR_STATUS: return "malformed status line";
	case NET_HTTP_ERR_HEADER: return "malformed header";
	case NET_HTTP_ERR_TOO_BIG: return "response too large";
	case NET_HTTP_ERR_FRAMING: return "malformed message framing";
	case NET_HTTP_ERR_TRUNCATED: return "response cut short";
	case NET_HTTP_ERR_NOMEM: return "out of memory";
	default: return "unknown HTTP error";
	}
}

/* ---- URLs and requests ------------------------------------------------------------- */

static int url_fail(char *why, size_t cap, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (cap) vsnprintf(why, cap, fmt, ap);
	va_end(ap);
	return code;
}

static bool has_prefix_nocase(const char *s, const char *p)
{
	for (; *p; s++, p++) {
		char c = *s;
		if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
		if (c != *p) return false;
	}
	return true;
}

int net_http_url_parse(const char *url, net_http_url *u, char *why, size_t cap)
{
	memset(u, 0, sizeof *u);
	if (has_prefix_nocase(url, "https://"))
		return url_fail(why, cap, NET_HTTP_ERR_SCHEME,
				"https is not supported (no TLS here): use an http:// gateway");
	if (!has_prefix_nocase(url, "http://")) {
		const char *colon = strstr(url, "://");
		if (colon)
			return url_fail(why, cap, NET_HTTP_ERR_SCHEME, "scheme '%.*s' is not supported: only http://",
					(int)(colon - url > 16 ? 16 : colon - url), url);
		return url_fail(why, cap, NET_HTTP_ERR_URL, "not a URL like http://HOST[:PORT][/PATH]");
	}
	const char *p = url + 7, *host, *host_end;
	bool bracketed = *p == '[';
	if (bracketed) {
		host = p + 1;
		host_end = strchr(host, ']');
		if (!host_end) return url_fail(why, cap, NET_HTTP_ERR_URL, "'[' without ']' in the host");
		p = host_end + 1;
	} else {
		host = p;
		while (*p && *p != ':' && *p != '/' && *p != '?' && *p != '#') p++;
		host_end = p;
	}
	size_t hl = (size_t)(host_end - host);
	if (hl == 0) return url_fail(why, cap, NET_HTTP_ERR_URL, "no host");
	if (hl > NET_HTTP_MAX_HOST) return url_fail(why, cap, NET_HTTP_ERR_URL, "host longer than %u", NET_HTTP_MAX_HOST);
	for (size_t i = 0; i < hl; i++) {
		char c = host[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
			  c == '-' || c == ':' || c == '_';
		if (!ok || (c == ':' && !bracketed))
			return url_fail(why, cap, NET_HTTP_ERR_URL, "character '%c' in the host", c);
	}
	memcpy(u->host, host, hl);
	strcpy(u->port, "80");
	if (*p == ':') {
		p++;
		unsigned long port = 0;
		size_t nd = 0;
		for (; *p >= '0' && *p <= '9' && nd < 6; p++, nd++) port = port * 10 + (unsigned long)(*p - '0');
		if (nd == 0 || nd > 5 || port == 0 || port > 65535)
			return url_fail(why, cap, NET_HTTP_ERR_URL, "bad port (want 1 to 65535)");
		snprintf(u->port, sizeof u->port, "%lu", port);
	}
	if (*p && *p != '/') return url_fail(why, cap, NET_HTTP_ERR_URL, "a query or fragment is not allowed");
	size_t pl = strlen(p);
	while (pl && p[pl - 1] == '/') pl--;
	if (pl > NET_HTTP_MAX_PATH) return url_fail(why, cap, NET_HTTP_ERR_URL, "path longer than %u", NET_HTTP_MAX_PATH);
	for (size_t i = 0; i < pl; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c <= ' ' || c >= 0x7f || c == '?' || c == '#')
			return url_fail(why, cap, NET_HTTP_ERR_URL, "a query, fragment or space in the path");
	}
	memcpy(u->path, p, pl);
	return 0;
}

size_t net_http_request(char *out, size_t cap, const char *method, const net_http_url *u, const char *path,
			const char *accept)
{
	bool v6 = strchr(u->host, ':') != NULL;
	bool default_port = !strcmp(u->port, "80");
	int n = snprintf(out, cap,
			 "%s %s%s HTTP/1.1\r\n"
			 "Host: %s%s%s%s%s\r\n"
			 "%s%s%s"
			 "User-Agent: wasmos\r\n"
			 "Connection: close\r\n"
			 "\r\n",
			 method, u->path, path, v6 ? "[" : "", u->host, v6 ? "]" : "", default_port ? "" : ":",
			 default_port ? "" : u->port, accept ? "Accept: " : "", accept ? accept : "", accept ? "\r\n" : "");
	return n < 0 ? 0 : (size_t)n;
}

/* ---- responses ------------------------------------------------------------------------ */

void net_http_response_init(net_http_response *r, size_t max_body, bool no_body)
{
	memset(r, 0, sizeof *r);
	r->max_body = max_body;
	r->no_body = no_body;
	r->state = S_STATUS;
}

void net_http_response_free(net_http_response *r)
{
	free(r->body);
	r->body = NULL;
	r->body_len = r->body_cap = 0;
}

uint8_t *net_http_response_take_body(net_http_response *r, size_t *len)
{
	uint8_t *b = r->body;
	*len = r->body_len;
	r->body = NULL;
	r->body_len = r->body_cap = 0;
	return b;
}

static int fail(net_http_response *r, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->why, sizeof r->why, fmt, ap);
	va_end(ap);
	r->state = S_ERROR;
	return code;
}

static bool eq_nocase(const char *a, size_t an, const char *b)
{
	size_t bn = strlen(b);
	if (an != bn) return false;
	for (size_t i = 0; i < an; i++) {
		char c = a[i];
		if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
		if (c != b[i]) return false;
	}
	return true;
}

/* Makes room for n more body bytes (the caller checked the cap). */
static int reserve(net_http_response *r, uint64_t n)
{
	uint64_t need = r->body_len + n;
	if (need <= r->body_cap) return 0;
	uint64_t cap = r->body_cap ? r->body_cap : 4096;
	while (cap < need) cap *= 2;
	if (cap > r->max_body) cap = r->max_body;
	uint8_t *b = realloc(r->body, (size_t)cap);
	if (!b) return fail(r, NET_HTTP_ERR_NOMEM, "out of memory for a body of %llu bytes", (unsigned long long)cap);
	r->body = b;
	r->body_cap = (size_t)cap;
	return 0;
}

static int append(net_http_response *r, const uint8_t *p, size_t n)
{
	if (n > r->max_body - r->body_len)
		return fail(r, NET_HTTP_ERR_TOO_BIG, "the body passes the limit of %zu bytes", r->max_body);
	int rc = reserve(r, n);
	if (rc) return rc;
	memcpy(r->body + r->body_len, p, n);
	r->body_len += n;
	return 0;
}

static int status_line(net_http_response *r, const char *s, size_t n)
{
	/* "HTTP/1.1 200 OK": version, space, three digits, then a space and a reason or nothing */
	if (n < 12 || (memcmp(s, "HTTP/1.1 ", 9) && memcmp(s, "HTTP/1.0 ", 9)))
		return fail(r, NET_HTTP_ERR_STATUS, "not an HTTP/1.x status line: '%.*s'", (int)(n > 40 ? 40 : n), s);
	int st = 0;
	for (int i = 9; i < 12; i++) {
		if (s[i] < '0' || s[i] > '9') return fail(r, NET_HTTP_ERR_STATUS, "status code is not 3 digits");
		st = st * 10 + (s[i] - '0');
	}
	if (st < 100 || (n > 12 && s[12] != ' ')) return fail(r, NET_HTTP_ERR_STATUS, "malformed status code");
	r->status = st;
	size_t rl = n > 13 ? n - 13 : 0;
	if (rl >= sizeof r->reason) rl = sizeof r->reason - 1;
	for (size_t i = 0; i < rl; i++) {
		unsigned char c = (unsigned char)s[13 + i];
		r->reason[i] = c >= ' ' && c < 0x7f ? (char)c : '?'; /* it goes to a terminal */
	}
	r->reason[rl] = 0;
	r->content_type[0] = 0;
	r->has_length = r->chunked = false;
	r->state = S_HEADER;
	return 0;
}

static int header_line(net_http_response *r, const char *s, size_t n)
{
	if (s[0] == ' ' || s[0] == '\t') return fail(r, NET_HTTP_ERR_HEADER, "obsolete header line folding");
	const char *colon = memchr(s, ':', n);
	if (!colon || colon == s) return fail(r, NET_HTTP_ERR_HEADER, "a header line without a name and ':'");
	size_t nl = (size_t)(colon - s);
	for (size_t i = 0; i < nl; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c <= ' ' || c >= 0x7f || strchr("\"(),/:;<=>?@[\\]{}", c))
			return fail(r, NET_HTTP_ERR_HEADER, "a character 0x%02x in a header name", c);
	}
	const char *v = colon + 1, *end = s + n;
	while (v < end && (*v == ' ' || *v == '\t')) v++;
	while (end > v && (end[-1] == ' ' || end[-1] == '\t')) end--;
	size_t vl = (size_t)(end - v);
	if (eq_nocase(s, nl, "content-length")) {
		uint64_t len = 0;
		if (vl == 0 || vl > 18) return fail(r, NET_HTTP_ERR_FRAMING, "bad Content-Length '%.*s'", (int)(vl > 20 ? 20 : vl), v);
		for (size_t i = 0; i < vl; i++) {
			if (v[i] < '0' || v[i] > '9')
				return fail(r, NET_HTTP_ERR_FRAMING, "bad Content-Length '%.*s'", (int)(vl > 20 ? 20 : vl), v);
			len = len * 10 + (uint64_t)(v[i] - '0');
		}
		if (r->has_length && len != r->length)
			return fail(r, NET_HTTP_ERR_FRAMING, "two different Content-Length headers");
		r->has_length = true;
		r->length = len;
	} else if (eq_nocase(s, nl, "transfer-encoding")) {
		if (!eq_nocase(v, vl, "chunked") || r->chunked)
			return fail(r, NET_HTTP_ERR_FRAMING, "transfer coding '%.*s' is not supported (only chunked)",
				    (int)(vl > 40 ? 40 : vl), v);
		r->chunked = true;
	} else if (eq_nocase(s, nl, "content-type")) {
		size_t cl = vl < sizeof r->content_type ? vl : sizeof r->content_type - 1;
		memcpy(r->content_type, v, cl);
		r->content_type[cl] = 0;
	}
	return 0;
}

/* The empty line after the headers: decides how the body is framed. */
static int head_end(net_http_response *r)
{
	if (r->status < 200) {
		if (r->status == 101) return fail(r, NET_HTTP_ERR_STATUS, "101 Switching Protocols was not asked for");
		r->state = S_STATUS; /* an interim response: the real one follows */
		return 0;
	}
	r->head_done = true;
	if (r->no_body || r->status == 204 || r->status == 304) {
		r->state = S_DONE;
		return NET_HTTP_DONE;
	}
	if (r->chunked && r->has_length)
		return fail(r, NET_HTTP_ERR_FRAMING, "both Content-Length and chunked coding");
	if (r->chunked) {
		r->state = S_CHUNK_SIZE;
		return 0;
	}
	if (r->has_length) {
		if (r->length > r->max_body)
			return fail(r, NET_HTTP_ERR_TOO_BIG, "a body of %llu bytes passes the limit of %zu",
				    (unsigned long long)r->length, r->max_body);
		if (r->length == 0) {
			r->state = S_DONE;
			return NET_HTTP_DONE;
		}
		int rc = reserve(r, r->length);
		if (rc) return rc;
		r->left = r->length;
		r->state = S_BODY_LENGTH;
		return 0;
	}
	r->close_delimited = true;
	r->state = S_BODY_CLOSE;
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

static int chunk_size_line(net_http_response *r, const char *s, size_t n)
{
	uint64_t size = 0;
	size_t i = 0;
	for (; i < n && hexval(s[i]) >= 0; i++) {
		if (i == 15) return fail(r, NET_HTTP_ERR_FRAMING, "a chunk size of more than 15 hex digits");
		size = size * 16 + (uint64_t)hexval(s[i]);
	}
	if (i == 0) return fail(r, NET_HTTP_ERR_FRAMING, "a chunk size line without a size: '%.*s'", (int)(n > 20 ? 20 : n), s);
	while (i < n && (s[i] == ' ' || s[i] == '\t')) i++;
	if (i < n && s[i] != ';') return fail(r, NET_HTTP_ERR_FRAMING, "junk after a chunk size");
	if (size == 0) {
		r->state = S_TRAILER;
		return 0;
	}
	if (size > r->max_body - r->body_len)
		return fail(r, NET_HTTP_ERR_TOO_BIG, "a chunk of %llu bytes passes the body limit of %zu",
			    (unsigned long long)size, r->max_body);
	int rc = reserve(r, size);
	if (rc) return rc;
	r->left = size;
	r->state = S_CHUNK_DATA;
	return 0;
}

/* One complete line (without its line end) in the state that reads lines. */
static int on_line(net_http_response *r, const char *s, size_t n)
{
	switch (r->state) {
	case S_STATUS:
		if (n == 0 && r->head_len <= 2) return 0; /* a stray empty line before the status: tolerated */
		return status_line(r, s, n);
	case S_HEADER:
		return n == 0 ? head_end(r) : header_line(r, s, n);
	case S_CHUNK_SIZE:
		return chunk_size_line(r, s, n);
	case S_CHUNK_END:
		if (n) return fail(r, NET_HTTP_ERR_FRAMING, "chunk data longer than its size");
		r->state = S_CHUNK_SIZE;
		return 0;
	case S_TRAILER:
		if (n == 0) {
			r->state = S_DONE;
			return NET_HTTP_DONE;
		}
		return 0; /* trailer fields are not used */
	default:
		return fail(r, NET_HTTP_ERR_FRAMING, "internal: a line in state %d", r->state);
	}
}

int net_http_response_feed(net_http_response *r, const uint8_t *p, size_t n, size_t *used)
{
	size_t i = 0;
	int rc = NET_HTTP_MORE;
	if (r->state == S_DONE || r->state == S_ERROR) {
		if (used) *used = 0;
		return r->state == S_DONE ? fail(r, NET_HTTP_ERR_FRAMING, "bytes after the end of the response")
					  : NET_HTTP_ERR_FRAMING;
	}
	while (i < n && rc == NET_HTTP_MORE) {
		switch (r->state) {
		case S_BODY_LENGTH:
		case S_CHUNK_DATA: {
			size_t take = n - i < r->left ? n - i : (size_t)r->left;
			if ((rc = append(r, p + i, take)) != 0) break;
			i += take;
			r->left -= take;
			if (r->left == 0) {
				if (r->state == S_CHUNK_DATA) {
					r->state = S_CHUNK_END;
				} else {
					r->state = S_DONE;
					rc = NET_HTTP_DONE;
				}
			}
			break;
		}
		case S_BODY_CLOSE:
			rc = append(r, p + i, n - i);
			i = n;
			break;
		default: {
			/* a line: collect up to '\n' */
			const uint8_t *nl = memchr(p + i, '\n', n - i);
			size_t take = nl ? (size_t)(nl - (p + i)) + 1 : n - i;
			bool in_head = r->state == S_STATUS || r->state == S_HEADER || r->state == S_TRAILER;
			if (in_head && (r->head_len += take) > NET_HTTP_MAX_HEAD) {
				rc = fail(r, NET_HTTP_ERR_TOO_BIG, "the head passes %u bytes", NET_HTTP_MAX_HEAD);
				break;
			}
			if (r->line_len + take > NET_HTTP_MAX_LINE) {
				rc = fail(r, NET_HTTP_ERR_TOO_BIG, "a line longer than %u bytes", NET_HTTP_MAX_LINE);
				break;
			}
			memcpy(r->line + r->line_len, p + i, take);
			r->line_len += take;
			i += take;
			if (!nl) break;
			size_t len = r->line_len - 1;
			if (len && r->line[len - 1] == '\r') len--;
			if (memchr(r->line, 0, len) || memchr(r->line, '\r', len)) {
				rc = fail(r, r->state == S_STATUS ? NET_HTTP_ERR_STATUS : NET_HTTP_ERR_HEADER,
					  "a NUL or a bare CR in a line");
				break;
			}
			r->line_len = 0;
			rc = on_line(r, r->line, len);
		}
		}
	}
	if (used) *used = i;
	return rc;
}

int net_http_response_eof(net_http_response *r)
{
	switch (r->state) {
	case S_DONE: return NET_HTTP_DONE;
	case S_ERROR: return NET_HTTP_ERR_TRUNCATED;
	case S_BODY_CLOSE:
		r->state = S_DONE;
		return NET_HTTP_DONE;
	case S_BODY_LENGTH:
		return fail(r, NET_HTTP_ERR_TRUNCATED, "the connection ended after %zu of %llu body bytes", r->body_len,
			    (unsigned long long)r->length);
	default:
		return fail(r, NET_HTTP_ERR_TRUNCATED, "the connection ended %s",
			    r->head_done ? "inside the chunked body" : "before the end of the head");
	}
}
