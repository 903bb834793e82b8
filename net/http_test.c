/* http_test.c: tests for http.c: gateway URLs, the request text and the response
 * parser, fed whole and one byte at a time (the two must agree), with the hostile
 * responses a server may send. */
#include "http.h"
#include "check.h"

#include <stdlib.h>
#include <string.h>

#define CAP 4096

/* Feeds s (n bytes) whole or byte by byte (split), then the end of the connection
 * when eof; returns the last result. */
static int parse(net_http_response *r, const char *s, size_t n, bool split, bool eof, size_t max_body)
{
	net_http_response_init(r, max_body, false);
	int rc = NET_HTTP_MORE;
	if (split) {
		for (size_t i = 0; i < n && rc == NET_HTTP_MORE; i++) rc = net_http_response_feed(r, (const uint8_t *)s + i, 1, NULL);
	} else {
		rc = net_http_response_feed(r, (const uint8_t *)s, n, NULL);
	}
	if (rc == NET_HTTP_MORE && eof) rc = net_http_response_eof(r);
	return rc;
}

static int parse_str(net_http_response *r, const char *s, bool split, bool eof)
{
	return parse(r, s, strlen(s), split, eof, CAP);
}

static bool body_is(net_http_response *r, const char *want)
{
	return r->body_len == strlen(want) && (!r->body_len || !memcmp(r->body, want, r->body_len));
}

/* ---- URLs and requests ------------------------------------------------------------- */

static int test_http_url_parses_host_port_and_path(void)
{
	net_http_url u;
	char why[128];
	CHECK_EQ(net_http_url_parse("http://127.0.0.1:8080", &u, why, sizeof why), 0);
	CHECK(!strcmp(u.host, "127.0.0.1") && !strcmp(u.port, "8080") && !strcmp(u.path, ""));
	CHECK_EQ(net_http_url_parse("HTTP://gateway.local/ipfs-prefix/", &u, why, sizeof why), 0);
	CHECK(!strcmp(u.host, "gateway.local") && !strcmp(u.port, "80") && !strcmp(u.path, "/ipfs-prefix"));
	CHECK_EQ(net_http_url_parse("http://[::1]:5001/", &u, why, sizeof why), 0);
	CHECK(!strcmp(u.host, "::1") && !strcmp(u.port, "5001") && !strcmp(u.path, ""));
	return 0;
}

static int test_http_url_rejects_https_and_malformed(void)
{
	net_http_url u;
	char why[128];
	CHECK_EQ(net_http_url_parse("https://ipfs.io", &u, why, sizeof why), NET_HTTP_ERR_SCHEME);
	CHECK(strstr(why, "https is not supported"));
	CHECK_EQ(net_http_url_parse("ftp://x", &u, why, sizeof why), NET_HTTP_ERR_SCHEME);
	static const char *const bad[] = {
		"127.0.0.1:8080", "http://", "http://:80", "http://h:0", "http://h:65536", "http://h:12x",
		"http://h:123456", "http://h?x=1", "http://h/a b", "http://[::1", "http://a@b", "http://h/#f",
		"http://h:/",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (net_http_url_parse(bad[i], &u, why, sizeof why) != NET_HTTP_ERR_URL) {
			fprintf(stderr, "  accepted '%s'\n", bad[i]);
			return 1;
		}
	}
	return 0;
}

static int test_http_request_text(void)
{
	net_http_url u;
	char out[512], why[64];
	CHECK_EQ(net_http_url_parse("http://127.0.0.1:8080/gw", &u, why, sizeof why), 0);
	size_t n = net_http_request(out, sizeof out, "GET", &u, "/ipfs/bafk?format=raw", "application/vnd.ipld.raw");
	const char *want = "GET /gw/ipfs/bafk?format=raw HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n"
			   "Accept: application/vnd.ipld.raw\r\nUser-Agent: wasmos\r\nConnection: close\r\n\r\n";
	CHECK_EQ(n, strlen(want));
	CHECK(!strcmp(out, want));
	CHECK_EQ(net_http_url_parse("http://[::1]", &u, why, sizeof why), 0);
	n = net_http_request(out, sizeof out, "HEAD", &u, "/x", NULL);
	CHECK(!strcmp(out, "HEAD /x HTTP/1.1\r\nHost: [::1]\r\nUser-Agent: wasmos\r\nConnection: close\r\n\r\n"));
	/* too small: the length needed comes back */
	CHECK_EQ(net_http_request(out, 10, "HEAD", &u, "/x", NULL), n);
	return 0;
}

/* ---- responses ------------------------------------------------------------------------ */

static int test_http_content_length_body_whole_and_split(void)
{
	const char *resp = "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.ipld.raw\r\ncontent-length: 5\r\n\r\nhello";
	for (int split = 0; split < 2; split++) {
		net_http_response r;
		CHECK_EQ(parse_str(&r, resp, split, false), NET_HTTP_DONE);
		CHECK_EQ(r.status, 200);
		CHECK(!strcmp(r.reason, "OK"));
		CHECK(!strcmp(r.content_type, "application/vnd.ipld.raw"));
		CHECK(body_is(&r, "hello"));
		size_t len;
		uint8_t *b = net_http_response_take_body(&r, &len);
		CHECK(b && len == 5);
		free(b);
		net_http_response_free(&r);
	}
	return 0;
}

static int test_http_chunked_body_with_extensions_and_trailers(void)
{
	const char *resp = "HTTP/1.1 200 OK\nTransfer-Encoding: Chunked\n\n"
			   "5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\nX-Trailer: y\r\n\r\n";
	for (int split = 0; split < 2; split++) {
		net_http_response r;
		CHECK_EQ(parse_str(&r, resp, split, false), NET_HTTP_DONE);
		CHECK(body_is(&r, "hello, world"));
		net_http_response_free(&r);
	}
	return 0;
}

static int test_http_close_delimited_body_ends_at_eof(void)
{
	net_http_response r;
	CHECK_EQ(parse_str(&r, "HTTP/1.0 200 OK\r\n\r\nall of it", false, false), NET_HTTP_MORE);
	CHECK_EQ(net_http_response_eof(&r), NET_HTTP_DONE);
	CHECK(body_is(&r, "all of it"));
	net_http_response_free(&r);
	return 0;
}

static int test_http_404_and_interim_100(void)
{
	net_http_response r;
	CHECK_EQ(parse_str(&r, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found", true,
			   false),
		 NET_HTTP_DONE);
	CHECK_EQ(r.status, 404);
	CHECK(!strcmp(r.reason, "Not Found"));
	net_http_response_free(&r);
	return 0;
}

static int test_http_head_and_204_have_no_body(void)
{
	net_http_response r;
	net_http_response_init(&r, CAP, true);
	const char *s = "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n";
	CHECK_EQ(net_http_response_feed(&r, (const uint8_t *)s, strlen(s), NULL), NET_HTTP_DONE);
	CHECK_EQ(r.body_len, 0);
	net_http_response_free(&r);
	CHECK_EQ(parse_str(&r, "HTTP/1.1 204 No Content\r\n\r\n", false, false), NET_HTTP_DONE);
	net_http_response_free(&r);
	return 0;
}

static int test_http_truncated_responses_are_errors(void)
{
	static const char *const cut[] = {
		"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel",
		"HTTP/1.1 200 OK\r\nContent-Le",
		"",
	};
	for (size_t i = 0; i < sizeof cut / sizeof cut[0]; i++) {
		net_http_response r;
		int rc = parse_str(&r, cut[i], i & 1, true);
		net_http_response_free(&r);
		CHECK_EQ(rc, NET_HTTP_ERR_TRUNCATED);
	}
	return 0;
}

static int test_http_hostile_framing_is_rejected(void)
{
	static const struct {
		const char *resp;
		int code;
	} cases[] = {
		{ "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", NET_HTTP_ERR_FRAMING },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", NET_HTTP_ERR_FRAMING },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n", NET_HTTP_ERR_FRAMING },
		{ "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", NET_HTTP_ERR_FRAMING },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n", NET_HTTP_ERR_FRAMING },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 4097\r\n\r\n", NET_HTTP_ERR_TOO_BIG },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1001\r\n", NET_HTTP_ERR_TOO_BIG },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n", NET_HTTP_ERR_FRAMING },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", NET_HTTP_ERR_FRAMING },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n", NET_HTTP_ERR_FRAMING },
		{ "HTTP/1.1 200 OK\r\n folded: no\r\n\r\n", NET_HTTP_ERR_HEADER },
		{ "HTTP/1.1 200 OK\r\nno colon\r\n\r\n", NET_HTTP_ERR_HEADER },
		{ "HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n", NET_HTTP_ERR_HEADER },
		{ "HTTP/2 200 OK\r\n\r\n", NET_HTTP_ERR_STATUS },
		{ "HTTP/1.1 2x0 OK\r\n\r\n", NET_HTTP_ERR_STATUS },
		{ "HTTP/1.1 099 Low\r\n\r\n", NET_HTTP_ERR_STATUS },
		{ "HTTP/1.1 2000 OK\r\n\r\n", NET_HTTP_ERR_STATUS },
		{ "HTTP/1.1 101 Switching Protocols\r\n\r\n", NET_HTTP_ERR_STATUS },
		{ "SSH-2.0-OpenSSH\r\n", NET_HTTP_ERR_STATUS },
		{ "HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n", NET_HTTP_ERR_HEADER },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		for (int split = 0; split < 2; split++) {
			net_http_response r;
			int rc = parse_str(&r, cases[i].resp, split, true);
			net_http_response_free(&r);
			if (rc != cases[i].code) {
				fprintf(stderr, "  case %zu (split %d): got %d (%s), want %d\n", i, split, rc, r.why,
					cases[i].code);
				return 1;
			}
			CHECK(r.why[0]); /* it says what was wrong */
		}
	}
	return 0;
}

static int test_http_huge_head_and_line_are_capped(void)
{
	size_t n = NET_HTTP_MAX_HEAD + 100;
	char *s = malloc(n + 1);
	CHECK(s);
	/* a status line that never ends */
	memcpy(s, "HTTP/1.1 200 ", 13);
	memset(s + 13, 'a', n - 13);
	s[n] = 0;
	net_http_response r;
	int rc = parse(&r, s, n, false, true, CAP);
	net_http_response_free(&r);
	CHECK_EQ(rc, NET_HTTP_ERR_TOO_BIG);
	/* many short headers */
	size_t at = (size_t)sprintf(s, "HTTP/1.1 200 OK\r\n");
	while (at + 8 < n) at += (size_t)sprintf(s + at, "A: b\r\n");
	rc = parse(&r, s, at, true, true, CAP);
	net_http_response_free(&r);
	free(s);
	CHECK_EQ(rc, NET_HTTP_ERR_TOO_BIG);
	return 0;
}

static int test_http_bytes_after_the_end_are_not_taken(void)
{
	const char *s = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA";
	net_http_response r;
	net_http_response_init(&r, CAP, false);
	size_t used = 0;
	CHECK_EQ(net_http_response_feed(&r, (const uint8_t *)s, strlen(s), &used), NET_HTTP_DONE);
	CHECK_EQ(used, strlen(s) - 5);
	CHECK(body_is(&r, "ok"));
	CHECK(net_http_response_feed(&r, (const uint8_t *)"x", 1, NULL) < 0);
	net_http_response_free(&r);
	return 0;
}

/* Every single-byte change of a valid response parses to some result, without a
 * crash or a read outside the input (the sanitizers watch). */
static int test_http_mutated_responses_never_crash(void)
{
	const char *base = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: x\r\n\r\n"
			   "3\r\nabc\r\n0\r\n\r\n";
	size_t n = strlen(base);
	char buf[256];
	static const char subs[] = { 0, '\r', '\n', ':', ' ', '0', 'f', ';', 'x', (char)0xff };
	int done = 0;
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < sizeof subs; j++) {
			memcpy(buf, base, n);
			buf[i] = subs[j];
			net_http_response r;
			int rc = parse(&r, buf, n, (i + j) & 1, true, 64);
			CHECK(rc == NET_HTTP_DONE || rc < 0);
			done += rc == NET_HTTP_DONE;
			net_http_response_free(&r);
		}
	}
	CHECK(done > 0);
	return 0;
}

int main(void)
{
	static const test_case tests[] = {
		TEST(test_http_url_parses_host_port_and_path),
		TEST(test_http_url_rejects_https_and_malformed),
		TEST(test_http_request_text),
		TEST(test_http_content_length_body_whole_and_split),
		TEST(test_http_chunked_body_with_extensions_and_trailers),
		TEST(test_http_close_delimited_body_ends_at_eof),
		TEST(test_http_404_and_interim_100),
		TEST(test_http_head_and_204_have_no_body),
		TEST(test_http_truncated_responses_are_errors),
		TEST(test_http_hostile_framing_is_rejected),
		TEST(test_http_huge_head_and_line_are_capped),
		TEST(test_http_bytes_after_the_end_are_not_taken),
		TEST(test_http_mutated_responses_never_crash),
	};
	return check_run_all(tests, sizeof tests / sizeof tests[0]);
}
