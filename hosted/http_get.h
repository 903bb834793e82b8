/* http_get.h: one HTTP/1.1 GET (or HEAD) over a non-blocking TCP socket on the hosted
 * event loop, read with net/http.h's parser: the transport of the trustless-gateway
 * fetch (fetch.c).
 *
 * Nothing here blocks the loop but the name lookup of a host that is not an address
 * literal (getaddrinfo).  Every wait (connect, write, read) is bounded by an idle
 * timeout: no progress for that long ends the request.  Included by hosted/fetch.c.
 */
#ifndef WASMOS_HOSTED_HTTP_GET_H
#define WASMOS_HOSTED_HTTP_GET_H

#include <stddef.h>
#include <stdint.h>

#include "http.h"
#include "loop.h"

typedef struct hosted_http_get hosted_http_get;

/* How a request ended: rc 0 with r the complete response (status, headers, body:
 * take the body to keep it), or rc < 0 with why saying what failed (connect refused,
 * timeout, malformed response...).  r and why are valid during the call only; the
 * request is freed after it returns, so the callback must not cancel it. */
typedef void (*hosted_http_done_fn)(void *ud, int rc, net_http_response *r, const char *why);
/* Body bytes received so far (for progress reports); may be NULL. */
typedef void (*hosted_http_progress_fn)(void *ud, uint64_t bytes);

enum {
	HOSTED_HTTP_ERR_CONNECT = -100, /* name lookup, socket or connect failed */
	HOSTED_HTTP_ERR_IO = -101,      /* read or write failed */
	HOSTED_HTTP_ERR_TIMEOUT = -102, /* no progress within the idle timeout */
	/* and the NET_HTTP_ERR_* codes of a malformed response */
};

typedef struct hosted_http_request {
	const net_http_url *url;
	const char *method;       /* "GET" or "HEAD" */
	const char *path;         /* appended to url->path, e.g. "/ipfs/CID?format=raw" */
	const char *accept;       /* the Accept header, or NULL */
	size_t max_body;          /* a larger body fails with NET_HTTP_ERR_TOO_BIG */
	uint64_t idle_timeout_ns; /* no progress for this long: HOSTED_HTTP_ERR_TIMEOUT */
	hosted_http_done_fn done;
	hosted_http_progress_fn progress;
	void *ud;
} hosted_http_request;

/* Starts the request; done is called exactly once, later, from the loop (never from
 * inside this call).  Returns the request, or NULL with why filled (cap bytes) when it
 * cannot start (name lookup failed, out of memory): done is not called then. */
hosted_http_get *hosted_http_get_start(hosted_loop *l, const hosted_http_request *req, char *why, size_t cap);
/* Ends a request early without calling done. */
void hosted_http_get_cancel(hosted_http_get *g);

#endif
