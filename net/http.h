/* http.h: the HTTP/1.1 client side of the trustless-gateway fetch (docs/network.md):
 * gateway URLs, the request text, and an incremental response parser.
 *
 * Pure logic, no sockets: hosted/http_get.c drives it on the event loop, the unit
 * test and the fuzz target feed it bytes.  The response parser takes what a hostile
 * server may send (any bytes, split anywhere) and either finishes, asks for more or
 * fails with a code and a message; it never reads past what it was given and never
 * holds more than its caps (head and body).  Included by hosted/ and tests.
 */
#ifndef WASMOS_NET_HTTP_H
#define WASMOS_NET_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NET_HTTP_MAX_HOST 256u    /* host name or address characters in a URL */
#define NET_HTTP_MAX_PATH 1024u   /* path prefix characters in a URL */
#define NET_HTTP_MAX_HEAD 65536u  /* status line and headers, all together */
#define NET_HTTP_MAX_LINE 8192u   /* one status, header or chunk-size line */

enum {
	NET_HTTP_DONE = 1,          /* the response is complete */
	NET_HTTP_MORE = 0,          /* feed more bytes (or tell the end) */
	NET_HTTP_ERR_URL = -1,      /* the URL is not http://HOST[:PORT][/PATH] */
	NET_HTTP_ERR_SCHEME = -2,   /* https:// or another scheme (only http:// works) */
	NET_HTTP_ERR_STATUS = -3,   /* a malformed status line */
	NET_HTTP_ERR_HEADER = -4,   /* a malformed header line */
	NET_HTTP_ERR_TOO_BIG = -5,  /* the head or the body passes its cap */
	NET_HTTP_ERR_FRAMING = -6,  /* bad Content-Length, chunk size or transfer coding */
	NET_HTTP_ERR_TRUNCATED = -7, /* the connection ended before the response did */
	NET_HTTP_ERR_NOMEM = -8,
};

/* The fixed text of a NET_HTTP_* code. */
const char *net_http_error_text(int code);

/* A parsed http:// URL. */
typedef struct net_http_url {
	char host[NET_HTTP_MAX_HOST + 1]; /* without the brackets of an IPv6 address */
	char port[6];                     /* decimal, "80" by default */
	char path[NET_HTTP_MAX_PATH + 1]; /* "" or "/prefix", no trailing '/' */
} net_http_url;

/* Parses url; 0 or NET_HTTP_ERR_URL / _SCHEME with a reason in why (cap bytes). */
int net_http_url_parse(const char *url, net_http_url *u, char *why, size_t cap);

/* Writes the request "METHOD u->path PATH HTTP/1.1" with Host, Accept (when accept is
 * not NULL), User-Agent and Connection: close to out.  Returns its length, or the
 * length needed when cap is too small (nothing useful written then). */
size_t net_http_request(char *out, size_t cap, const char *method, const net_http_url *u, const char *path,
			const char *accept);

/* A response being read.  Init, feed until DONE or an error, free. */
typedef struct net_http_response {
	/* the result */
	int status;                 /* e.g. 200, after the head */
	char reason[64];            /* the reason phrase, cut to fit */
	char content_type[128];     /* the Content-Type header's value, "" if none */
	uint8_t *body;              /* malloc'd, body_len bytes (owned; see _take_body) */
	size_t body_len;
	bool head_done;             /* status and headers are known */
	char why[160];              /* after an error: what exactly was wrong */
	/* limits */
	size_t max_body;
	bool no_body;               /* the request was HEAD */
	/* the parser */
	int state;
	char line[NET_HTTP_MAX_LINE];
	size_t line_len, head_len;
	size_t body_cap;
	uint64_t length;            /* Content-Length or the current chunk's size */
	uint64_t left;              /* bytes of it still to come */
	bool has_length, chunked, close_delimited;
} net_http_response;

/* Starts reading a response whose body may be at most max_body bytes (the reply to a
 * HEAD request when no_body). */
void net_http_response_init(net_http_response *r, size_t max_body, bool no_body);
/* Frees the body if it was not taken. */
void net_http_response_free(net_http_response *r);
/* Feeds n bytes.  *used (may be NULL) gets how many were consumed: all of them
 * unless the response ended inside them.  Returns NET_HTTP_MORE, NET_HTTP_DONE or a
 * negative code with r->why filled; after DONE or an error, feeding is an error. */
int net_http_response_feed(net_http_response *r, const uint8_t *p, size_t n, size_t *used);
/* The connection ended: DONE when the body ran to the close (neither length nor
 * chunked), else NET_HTTP_ERR_TRUNCATED (or the earlier result). */
int net_http_response_eof(net_http_response *r);
/* Hands the body over: *len bytes, malloc'd, the caller frees (NULL when empty). */
uint8_t *net_http_response_take_body(net_http_response *r, size_t *len);

#endif
