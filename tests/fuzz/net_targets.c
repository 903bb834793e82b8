/* net_targets.c: what the network fuzz targets do with one input (net_targets.h). */
#include "net_targets.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

#define HTTP_MAX_BODY 4096 /* small, so inputs reach the cap */

/* ---- http -------------------------------------------------------------------------- */

static int http_response(const uint8_t *data, size_t len, unsigned step)
{
	net_http_response r;
	int rc = NET_HTTP_MORE, bad = 0;
	size_t at = 0;
	net_http_response_init(&r, HTTP_MAX_BODY, step == 7);
	while (at < len && rc == NET_HTTP_MORE) {
		size_t n = len - at < step ? len - at : step, used = 0;
		rc = net_http_response_feed(&r, data + at, n, &used);
		if (used > n || (rc == NET_HTTP_MORE && used != n)) {
			fprintf(stderr, "http: feed used %zu of %zu bytes with result %d\n", used, n, rc);
			bad = 1;
		}
		at += n;
	}
	if (rc == NET_HTTP_MORE) rc = net_http_response_eof(&r);
	if (rc != NET_HTTP_DONE && rc >= 0) {
		fprintf(stderr, "http: result %d is neither done nor an error\n", rc);
		bad = 1;
	}
	if (rc < 0 && !r.why[0]) {
		fprintf(stderr, "http: error %d (%s) without a reason\n", rc, net_http_error_text(rc));
		bad = 1;
	}
	if (r.body_len > HTTP_MAX_BODY || (rc == NET_HTTP_DONE && (r.status < 200 || r.status > 999))) {
		fprintf(stderr, "http: body of %zu bytes, status %d\n", r.body_len, r.status);
		bad = 1;
	}
	net_http_response_free(&r);
	return bad;
}

static int http_url(const uint8_t *data, size_t len)
{
	char *s = malloc(len + 1), why[160], req[4096];
	net_http_url u;
	int bad = 0;
	if (!s) return 0;
	memcpy(s, data, len);
	s[len] = 0;
	why[0] = 0;
	int rc = net_http_url_parse(s, &u, why, sizeof why);
	if (rc == 0) {
		size_t n = net_http_request(req, sizeof req, "GET", &u, "/ipfs/x", "a/b");
		if (n >= sizeof req || strlen(u.host) == 0 || strchr(u.path, ' ') || strstr(req, "\r\n\r\n") != req + n - 4) {
			fprintf(stderr, "http: URL '%s' gave host '%s' path '%s'\n", s, u.host, u.path);
			bad = 1;
		}
	} else if ((rc != NET_HTTP_ERR_URL && rc != NET_HTTP_ERR_SCHEME) || !why[0]) {
		fprintf(stderr, "http: URL error %d without a reason\n", rc);
		bad = 1;
	}
	free(s);
	return bad;
}

int fuzz_http_one(const uint8_t *data, size_t len)
{
	/* the first byte picks the piece size, so splits are explored too */
	unsigned step = len ? (data[0] % 16) + 1 : 1;
	int bad = http_response(data, len, step);
	bad |= http_response(data, len, (unsigned)len + 1);
	bad |= http_url(data, len > 2048 ? 2048 : len);
	return bad;
}

const fuzz_net_target fuzz_net_targets[] = {
	{ "http", fuzz_http_one },
};
const size_t fuzz_net_ntargets = sizeof fuzz_net_targets / sizeof fuzz_net_targets[0];
