/* fetch.c: the fetcher (see fetch.h).
 *
 * One job per CID in flight, with the callers waiting for it.  A job asks its sources
 * one after the other, each through one request on the loop, and notes what each
 * did; it ends in complete(), which tells every waiter once.  Bytes reach the store
 * only after they hash to the CID, so a refused answer leaves no trace.  The first
 * request of a job goes out from a timer due at once, so a caller is never called
 * back from inside hosted_fetch_start.
 */
#define _GNU_SOURCE
#include "fetch.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "blockset.h"
#include "cid.h"
#include "http.h"
#include "http_get.h"
#include "store.h"
#include "unixfs.h"
#include "dagpb.h"
#include "swap.h"
#include "bitswap.h"
#include "dht.h"

#define PROGRESS_EVERY_NS 100000000ull /* progress lines at most ten times a second */

typedef struct waiter {
	hosted_fetch_fn done;
	void *ud;
	struct waiter *next;
} waiter;

typedef struct job {
	hosted_fetch *f;
	char cid[WOS_CID_MAX];
	uint64_t codec;           /* WOS_CODEC_RAW (one block) or _DAG_PB (a file's root) */
	uint8_t digest[WOS_SHA256_SIZE];
	uint8_t bin[WOS_CID_BIN_MAX]; /* the binary CID */
	size_t bin_len;
	uint32_t source;          /* the next gateway to ask */
	bool swapped;             /* the bitswap peers were asked */
	struct sblock *sblocks;   /* blocks bitswap brought for this job */
	struct swant_ctx *swants; /* its wants in flight */
	uint64_t swap_timer, swap_last_ns;
	bool dht_asked, dht_running;  /* providers looked for in the DHT */
	net_peerid providers[4];
	size_t nproviders;
	uint64_t dht_poll, dht_deadline_ns;
	hosted_http_get *get;     /* the request in flight, or NULL */
	uint64_t timer;           /* the first ask, due at once */
	waiter *waiters;
	char why[1024];           /* what each source did, "; "-separated */
	uint32_t notfound, timeouts, bad, failed; /* answers of each kind */
	uint64_t started_ns, shown_ns;
	bool shown;               /* a progress line is on the terminal */
	struct job *next;
} job;

struct hosted_fetch {
	hosted_loop *loop;
	net_http_url gateways[HOSTED_FETCH_MAX_SOURCES];
	char gateway_text[HOSTED_FETCH_MAX_SOURCES][NET_HTTP_MAX_HOST + NET_HTTP_MAX_PATH + 16];
	uint32_t ngateways;
	hosted_swap *swap;        /* bitswap peers, or NULL */
	hosted_dht *dht;          /* the DHT, to find providers bitswap peers lack, or NULL */
	bool offline, progress;
	uint64_t timeout_ns;
	char *store_home;
	hosted_store store;
	bool store_open;
	job *jobs;
};

const char *hosted_fetch_error_text(int code)
{
	switch (code) {
	case HOSTED_FETCH_OK: return "ok";
	case HOSTED_FETCH_ERR_NOTFOUND: return "not found";
	case HOSTED_FETCH_ERR_TIMEOUT: return "timeout";
	case HOSTED_FETCH_ERR_BADBYTES: return "a source sent wrong bytes";
	case HOSTED_FETCH_ERR_NOSOURCE: return "no network source";
	case HOSTED_FETCH_ERR_SOURCE: return "the sources failed";
	case HOSTED_FETCH_ERR_STORE: return "store error";
	case HOSTED_FETCH_ERR_CID: return "malformed CID";
	case HOSTED_FETCH_ERR_NOMEM: return "out of memory";
	default: return "unknown fetch error";
	}
}

hosted_fetch *hosted_fetch_new(hosted_loop *loop, const hosted_fetch_config *c, char *why, size_t cap)
{
	if (c->ngateways > HOSTED_FETCH_MAX_SOURCES) {
		snprintf(why, cap, "at most %u gateways", HOSTED_FETCH_MAX_SOURCES);
		return NULL;
	}
	hosted_fetch *f = calloc(1, sizeof *f);
	if (!f) {
		snprintf(why, cap, "out of memory");
		return NULL;
	}
	f->loop = loop;
	f->offline = c->offline;
	f->timeout_ns = c->timeout_ns ? c->timeout_ns : HOSTED_FETCH_TIMEOUT_NS;
	f->progress = c->progress > 0 || (c->progress < 0 && isatty(2));
	for (uint32_t i = 0; i < c->ngateways; i++) {
		char reason[160];
		if (net_http_url_parse(c->gateways[i], &f->gateways[i], reason, sizeof reason) != 0) {
			snprintf(why, cap, "gateway '%.200s': %s", c->gateways[i], reason);
			free(f);
			return NULL;
		}
		const net_http_url *u = &f->gateways[i];
		bool v6 = strchr(u->host, ':') != NULL;
		char text[sizeof f->gateway_text[i]];
		snprintf(text, sizeof text, "http://%s%s%s:%s%s", v6 ? "[" : "", u->host, v6 ? "]" : "", u->port, u->path);
		memcpy(f->gateway_text[i], text, sizeof text);
	}
	f->ngateways = c->ngateways;
	f->swap = c->swap;
	f->dht = c->swap ? c->dht : NULL;
	if (c->store_home && !(f->store_home = strdup(c->store_home))) {
		snprintf(why, cap, "out of memory");
		free(f);
		return NULL;
	}
	return f;
}

static void swap_stop(job *j);

static void job_free(job *j)
{
	swap_stop(j);
	while (j->waiters) {
		waiter *w = j->waiters;
		j->waiters = w->next;
		free(w);
	}
	if (j->get) hosted_http_get_cancel(j->get);
	if (j->timer) hosted_loop_cancel(j->f->loop, j->timer);
	free(j);
}

void hosted_fetch_free(hosted_fetch *f)
{
	if (!f) return;
	while (f->jobs) {
		job *j = f->jobs;
		f->jobs = j->next;
		hosted_loop_release(f->loop);
		job_free(j);
	}
	if (f->store_open) hosted_store_close(&f->store);
	free(f->store_home);
	free(f);
}

bool hosted_fetch_has_sources(const hosted_fetch *f)
{
	return !f->offline && (f->ngateways > 0 || f->swap);
}

/* ---- progress ------------------------------------------------------------------------ */

static void show(job *j, const char *source, uint32_t blocks, uint64_t bytes, bool last)
{
	if (!j->f->progress) return;
	uint64_t now = hosted_now_ns();
	if (!last && j->shown && now - j->shown_ns < PROGRESS_EVERY_NS) return;
	j->shown_ns = now;
	j->shown = !last;
	double kib = (double)bytes / 1024.0;
	fprintf(stderr, "\r\033[Kfetch %s: %u block%s, %.1f %s from %s", j->cid, blocks, blocks == 1 ? "" : "s",
		kib >= 1024.0 ? kib / 1024.0 : kib, kib >= 1024.0 ? "MiB" : "KiB", source);
	if (last) fprintf(stderr, " in %.0f ms\n", (double)(now - j->started_ns) / 1e6);
	fflush(stderr);
}

/* ---- a job ----------------------------------------------------------------------------- */

static void unlink_job(hosted_fetch *f, job *j)
{
	for (job **pp = &f->jobs; *pp; pp = &(*pp)->next) {
		if (*pp == j) {
			*pp = j->next;
			return;
		}
	}
}

/* Ends j: every waiter is told rc and why, then j is freed. */
static void complete(job *j, int rc, const char *why)
{
	hosted_fetch *f = j->f;
	unlink_job(f, j);
	hosted_loop_release(f->loop);
	if (j->shown) {
		fputs("\n", stderr);
		j->shown = false;
	}
	waiter *ws = j->waiters;
	j->waiters = NULL;
	while (ws) {
		waiter *w = ws;
		ws = w->next;
		w->done(w->ud, rc, why);
		free(w);
	}
	job_free(j);
}

/* Notes what one source did (for the error, if none has the block). */
static void note(job *j, const char *fmt, ...)
{
	size_t at = strlen(j->why);
	if (at && at + 2 < sizeof j->why) {
		memcpy(j->why + at, "; ", 3);
		at += 2;
	}
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(j->why + at, sizeof j->why - at, fmt, ap);
	va_end(ap);
}

static void ask(job *j);

/* Nobody had it: the summary code says the worst thing that happened. */
static void give_up(job *j)
{
	int rc = j->bad ? HOSTED_FETCH_ERR_BADBYTES
		 : j->timeouts ? HOSTED_FETCH_ERR_TIMEOUT
		 : j->failed ? HOSTED_FETCH_ERR_SOURCE
			     : HOSTED_FETCH_ERR_NOTFOUND;
	char why[1200];
	snprintf(why, sizeof why, "%s: %s: %s", j->cid, hosted_fetch_error_text(rc), j->why);
	complete(j, rc, why);
}

/* The block arrived and hashes to the CID: into the store, and the waiters are told. */
static void keep(job *j, const uint8_t *bytes, size_t len, const char *source)
{
	hosted_fetch *f = j->f;
	hosted_store_error err;
	char why[1200], cid[WOS_CID_MAX];
	if (!f->store_open) {
		if (hosted_store_open(&f->store, f->store_home, &err) != 0) {
			snprintf(why, sizeof why, "%s: %s", j->cid, err.msg);
			complete(j, HOSTED_FETCH_ERR_STORE, why);
			return;
		}
		f->store_open = true;
	}
	if (hosted_store_put(&f->store, bytes, len, cid, &err) != 0) {
		snprintf(why, sizeof why, "%s: %s", j->cid, err.msg);
		complete(j, HOSTED_FETCH_ERR_STORE, why);
		return;
	}
	show(j, source, 1, len, true);
	complete(j, HOSTED_FETCH_OK, NULL);
}

/* A block the UnixFS reader checked, kept to be stored once the whole file is. */
typedef struct checked {
	const uint8_t *cid, *data;
	size_t cid_len, len;
} checked;

typedef struct car_read {
	checked *blocks;
	size_t n, cap;
} car_read;

static int on_checked(void *ctx, const uint8_t *cid, size_t cid_len, const uint8_t *data, size_t len)
{
	car_read *cr = ctx;
	if (cr->n == cr->cap) {
		size_t cap = cr->cap ? cr->cap * 2 : 16;
		checked *b = realloc(cr->blocks, cap * sizeof *b);
		if (!b) return 1;
		cr->blocks = b;
		cr->cap = cap;
	}
	cr->blocks[cr->n++] = (checked){ cid, data, cid_len, len };
	return 0;
}

/* A CAR for a dag-pb root: every block of the file is read from it and checked
 * against its CID (lib/unixfs.h); only when the whole file is there and right do its
 * blocks go into the store.  Returns 0 when the job is complete (told), or -1 after
 * noting why the CAR was refused (the next source is asked then). */
static int keep_car(job *j, const uint8_t *car, size_t len, const char *source)
{
	hosted_fetch *f = j->f;
	hosted_store_error err;
	wos_car_reader cr;
	size_t nblocks;
	int rc = wos_blockset_count(&cr, car, len, &nblocks);
	if (rc) {
		j->failed++;
		note(j, "%s sent a CAR that does not parse: %s (refused)", source, wos_car_error_text(rc));
		return -1;
	}
	wos_blockset_entry *e = calloc(nblocks ? nblocks : 1, sizeof *e);
	car_read got = { 0 };
	if (!e) {
		j->failed++;
		note(j, "%s: out of memory for a CAR of %zu blocks", source, nblocks);
		return -1;
	}
	wos_blockset set;
	wos_blockset_fill(&set, car, len, e, nblocks);
	wos_unixfs_reader r;
	memset(&r, 0, sizeof r);
	r.get = wos_blockset_get;
	r.get_ctx = &set;
	r.on_block = on_checked;
	r.block_ctx = &got;
	r.limit = HOSTED_FETCH_MAX_FILE;
	rc = wos_unixfs_read(&r, j->bin, j->bin_len);
	if (rc) {
		if (rc == WOS_UNIXFS_ERR_MISMATCH || rc == WOS_UNIXFS_ERR_MISSING) j->bad++;
		else j->failed++;
		note(j, "%s sent a CAR whose block %s is %s (refused)", source, r.cid[0] ? r.cid : j->cid,
		     rc == WOS_UNIXFS_ERR_MISMATCH ? "not the bytes its CID names" : wos_unixfs_error_text(rc));
		free(got.blocks);
		free(e);
		return -1;
	}
	char why[1200], cid[WOS_CID_MAX];
	int out = HOSTED_FETCH_OK;
	if (!f->store_open && hosted_store_open(&f->store, f->store_home, &err) == 0) f->store_open = true;
	if (!f->store_open) out = HOSTED_FETCH_ERR_STORE;
	uint64_t bytes = 0;
	for (size_t i = 0; i < got.n && out == HOSTED_FETCH_OK; i++) {
		wos_cid_info ci;
		if (wos_cid_read(got.blocks[i].cid, got.blocks[i].cid_len, &ci) != 0 ||
		    hosted_store_put_block(&f->store, ci.codec, got.blocks[i].data, got.blocks[i].len, cid, &err) != 0)
			out = HOSTED_FETCH_ERR_STORE;
		bytes += got.blocks[i].len;
	}
	if (out == HOSTED_FETCH_OK) show(j, source, (uint32_t)got.n, bytes, true);
	free(got.blocks);
	free(e);
	if (out != HOSTED_FETCH_OK) snprintf(why, sizeof why, "%s: %s", j->cid, f->store_open ? err.msg : "cannot open the store");
	complete(j, out, out == HOSTED_FETCH_OK ? NULL : why);
	return 0;
}

static void on_progress(void *ud, uint64_t bytes)
{
	job *j = ud;
	show(j, j->f->gateway_text[j->source], 0, bytes, false);
}

static void on_answer(void *ud, int rc, net_http_response *r, const char *why)
{
	job *j = ud;
	const char *gw = j->f->gateway_text[j->source];
	j->get = NULL;
	if (rc == HOSTED_HTTP_ERR_TIMEOUT) {
		j->timeouts++;
		note(j, "%s: %s", gw, why);
	} else if (rc < 0) {
		j->failed++;
		note(j, "%s: %s", gw, why);
	} else if (r->status == 200 && j->codec == WOS_CODEC_DAG_PB) {
		size_t len;
		uint8_t *body = net_http_response_take_body(r, &len);
		int done = keep_car(j, body, len, gw);
		free(body);
		if (done == 0) return;
	} else if (r->status == 200) {
		size_t len;
		uint8_t *body = net_http_response_take_body(r, &len);
		if (wos_cid_verify(body, len, j->digest) == WOS_CID_OK) {
			keep(j, body, len, gw);
			free(body);
			return;
		}
		char got[WOS_CID_MAX];
		wos_cid_of(body, len, got);
		free(body);
		j->bad++;
		note(j, "%s sent %zu bytes whose CID is %s (refused)", gw, len, got);
	} else if (r->status == 404 || r->status == 410) {
		j->notfound++;
		note(j, "%s: %d %s", gw, r->status, r->reason);
	} else {
		j->failed++;
		note(j, "%s answered %d %s", gw, r->status, r->reason);
	}
	j->source++;
	ask(j);
}

/* ---- bitswap peers as a source --------------------------------------------------------- */

/* A block bitswap brought (checked against its CID by the client). */
typedef struct sblock {
	uint8_t cid[WOS_CID_BIN_MAX];
	size_t cid_len;
	uint8_t *data;
	size_t len;
	struct sblock *next;
} sblock;

/* One want of a job in flight. */
typedef struct swant_ctx {
	job *j;
	uint8_t cid[WOS_CID_BIN_MAX];
	size_t cid_len;
	struct swant_ctx *next;
} swant_ctx;

static void swap_stop(job *j)
{
	if (j->dht_running) hosted_dht_cancel(j->f->dht, j);
	j->dht_running = false;
	if (j->dht_poll) hosted_loop_cancel(j->f->loop, j->dht_poll);
	j->dht_poll = 0;
	while (j->swants) {
		swant_ctx *w = j->swants;
		j->swants = w->next;
		hosted_swap_cancel(j->f->swap, w);
		free(w);
	}
	while (j->sblocks) {
		sblock *b = j->sblocks;
		j->sblocks = b->next;
		free(b->data);
		free(b);
	}
	if (j->swap_timer) hosted_loop_cancel(j->f->loop, j->swap_timer);
	j->swap_timer = 0;
}

static int sblock_get(void *ctx, const uint8_t *cid, size_t cid_len, const uint8_t **data, size_t *len)
{
	for (sblock *b = ((job *)ctx)->sblocks; b; b = b->next) {
		if (b->cid_len == cid_len && !memcmp(b->cid, cid, cid_len)) {
			*data = b->data;
			*len = b->len;
			return 0;
		}
	}
	return 1;
}

static int swap_want(job *j, const uint8_t *cid, size_t cid_len);

/* Every block is here: the file is read from them (each checked again), then stored. */
static void swap_finish(job *j)
{
	hosted_fetch *f = j->f;
	car_read got = { 0 };
	wos_unixfs_reader r;
	memset(&r, 0, sizeof r);
	r.get = sblock_get;
	r.get_ctx = j;
	r.on_block = on_checked;
	r.block_ctx = &got;
	r.limit = HOSTED_FETCH_MAX_FILE;
	int rc = wos_unixfs_read(&r, j->bin, j->bin_len);
	hosted_store_error err;
	char why[1200], cid[WOS_CID_MAX];
	if (rc) {
		free(got.blocks);
		j->failed++;
		note(j, "bitswap peers: block %s is %s", r.cid[0] ? r.cid : j->cid, wos_unixfs_error_text(rc));
		swap_stop(j);
		ask(j);
		return;
	}
	int out = HOSTED_FETCH_OK;
	if (!f->store_open && hosted_store_open(&f->store, f->store_home, &err) == 0) f->store_open = true;
	if (!f->store_open) out = HOSTED_FETCH_ERR_STORE;
	uint64_t bytes = 0;
	for (size_t i = 0; i < got.n && out == HOSTED_FETCH_OK; i++) {
		wos_cid_info ci;
		if (wos_cid_read(got.blocks[i].cid, got.blocks[i].cid_len, &ci) != 0 ||
		    hosted_store_put_block(&f->store, ci.codec, got.blocks[i].data, got.blocks[i].len, cid, &err) != 0)
			out = HOSTED_FETCH_ERR_STORE;
		bytes += got.blocks[i].len;
	}
	if (out == HOSTED_FETCH_OK) show(j, "bitswap peers", (uint32_t)got.n, bytes, true);
	free(got.blocks);
	if (out != HOSTED_FETCH_OK) snprintf(why, sizeof why, "%s: %s", j->cid, f->store_open ? err.msg : "cannot open the store");
	complete(j, out, out == HOSTED_FETCH_OK ? NULL : why);
}

static int swap_start(job *j);

/* Waits for a provider the DHT named to connect, then asks the peers again. */
static void dht_poll(void *ud, uint64_t id)
{
	(void)id;
	job *j = ud;
	hosted_fetch *f = j->f;
	j->dht_poll = 0;
	bool up = false;
	for (size_t i = 0; i < j->nproviders; i++) up |= net_node_is_connected(hosted_swap_node(f->swap), &j->providers[i]);
	if (up) {
		if (swap_start(j) != 0) ask(j);
		return;
	}
	if (hosted_now_ns() >= j->dht_deadline_ns) {
		j->timeouts++;
		note(j, "dht: the providers found did not connect");
		ask(j);
		return;
	}
	j->dht_poll = hosted_loop_timer(f->loop, hosted_now_ns() + 50000000ull, dht_poll, j);
	if (!j->dht_poll) ask(j);
}

static void on_provider(void *ud, const net_peerid *peer, const uint8_t *const *addrs, const size_t *addr_lens,
			size_t naddrs)
{
	job *j = ud;
	hosted_fetch *f = j->f;
	net_node *n = hosted_swap_node(f->swap);
	if (peer) {
		if (j->nproviders == sizeof j->providers / sizeof j->providers[0]) return;
		for (size_t a = 0; a < naddrs; a++) net_node_add_addr(n, peer, addrs[a], addr_lens[a]);
		j->providers[j->nproviders++] = *peer;
		net_node_connect(n, peer);
		return;
	}
	j->dht_running = false;
	if (!j->nproviders) {
		j->notfound++;
		size_t n = hosted_dht_table_size(f->dht);
		note(j, "dht: no provider found (%zu peer%s in the routing table)", n, n == 1 ? "" : "s");
		ask(j);
		return;
	}
	char id[NET_PEERID_TEXT_MAX];
	net_peerid_format(&j->providers[0], id);
	note(j, "dht: provider %s%s", id, j->nproviders > 1 ? " and others" : "");
	j->dht_deadline_ns = hosted_now_ns() + f->timeout_ns;
	dht_poll(j, 0);
}

static void on_swapped(void *ud, int err, const uint8_t *data, size_t len, const char *why)
{
	swant_ctx *w = ud;
	job *j = w->j;
	for (swant_ctx **pp = &j->swants; *pp; pp = &(*pp)->next) {
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	}
	if (err) {
		if (err == NET_BITSWAP_ERR_NOTFOUND) j->notfound++;
		else j->failed++;
		/* the client's line repeats the CID and the summary: keep what the peers did */
		const char *what = why;
		size_t cl = strlen(j->cid);
		if (!strncmp(what, j->cid, cl) && what[cl] == ':' && strchr(what + cl + 1, ':'))
			what = strchr(what + cl + 1, ':') + 1;
		while (*what == ' ') what++;
		note(j, "bitswap: %s", what);
		free(w);
		swap_stop(j);
		/* the peers we know lack it: the DHT may know who has it (once) */
		if (err == NET_BITSWAP_ERR_NOTFOUND && j->f->dht && !j->dht_asked) {
			j->dht_asked = true;
			if (hosted_dht_find_providers(j->f->dht, j->bin, j->bin_len, on_provider, j) == 0) {
				j->dht_running = true;
				return;
			}
		}
		ask(j);
		return;
	}
	j->swap_last_ns = hosted_now_ns();
	sblock *b = calloc(1, sizeof *b);
	if (b && (b->data = malloc(len ? len : 1))) {
		memcpy(b->cid, w->cid, w->cid_len);
		b->cid_len = w->cid_len;
		memcpy(b->data, data, len);
		b->len = len;
		b->next = j->sblocks;
		j->sblocks = b;
	} else {
		free(b);
		b = NULL;
	}
	uint8_t codec = w->cid_len > 1 ? w->cid[1] : 0;
	free(w);
	if (!b) {
		j->failed++;
		note(j, "bitswap: out of memory");
		swap_stop(j);
		ask(j);
		return;
	}
	uint64_t total = 0, n = 0;
	for (sblock *s = j->sblocks; s; s = s->next) total += s->len, n++;
	show(j, "bitswap peers", (uint32_t)n, total, false);
	/* a dag-pb node: its children are wanted too (a malformed one fails the read later) */
	wos_dagpb_node node;
	if (codec == WOS_CODEC_DAG_PB && wos_dagpb_decode(b->data, b->len, &node) == 0) {
		wos_dagpb_links it;
		wos_dagpb_link l;
		wos_dagpb_links_init(&it, &node);
		hosted_swap_hold(j->f->swap, true); /* the links go out in one message */
		bool failed = false;
		while (!failed && wos_dagpb_next_link(&it, &l) == 1) {
			const uint8_t *unused;
			size_t ul;
			bool have = sblock_get(j, l.cid_bytes, l.cid.len, &unused, &ul) == 0;
			for (swant_ctx *o = j->swants; o && !have; o = o->next)
				have = o->cid_len == l.cid.len && !memcmp(o->cid, l.cid_bytes, l.cid.len);
			if (!have && swap_want(j, l.cid_bytes, l.cid.len) != 0) failed = true;
		}
		hosted_swap_hold(j->f->swap, false);
		if (failed) {
			j->failed++;
			note(j, "bitswap: cannot want a linked block");
			swap_stop(j);
			ask(j);
			return;
		}
	}
	if (!j->swants) swap_finish(j);
}

static int swap_want(job *j, const uint8_t *cid, size_t cid_len)
{
	swant_ctx *w = calloc(1, sizeof *w);
	if (!w || cid_len > sizeof w->cid) {
		free(w);
		return -1;
	}
	w->j = j;
	memcpy(w->cid, cid, cid_len);
	w->cid_len = cid_len;
	w->next = j->swants;
	j->swants = w;
	if (hosted_swap_want(j->f->swap, cid, cid_len, on_swapped, w) != 0) {
		j->swants = w->next;
		free(w);
		return -1;
	}
	return 0;
}

/* No block for the whole idle timeout: the peers are given up. */
static void swap_idle(void *ud, uint64_t id)
{
	(void)id;
	job *j = ud;
	j->swap_timer = 0;
	uint64_t now = hosted_now_ns();
	if (now - j->swap_last_ns < j->f->timeout_ns) {
		j->swap_timer = hosted_loop_timer(j->f->loop, j->swap_last_ns + j->f->timeout_ns, swap_idle, j);
		if (j->swap_timer) return;
	}
	j->timeouts++;
	/* what the peers did about a block still wanted (a peer that lied, one that said
	 * DontHave) tells more than the timeout */
	const char *did = NULL;
	for (swant_ctx *w = j->swants; w && !did; w = w->next) did = hosted_swap_notes(j->f->swap, w);
	note(j, "bitswap: timeout: no block from %zu peer%s for %.1f s%s%s", hosted_swap_peers(j->f->swap),
	     hosted_swap_peers(j->f->swap) == 1 ? "" : "s", (double)j->f->timeout_ns / 1e9, did ? "; " : "",
	     did ? did : "");
	swap_stop(j);
	ask(j);
}

/* Asks the bitswap peers for the job's CID (and, for a dag-pb root, every block under
 * it).  Returns 0 when under way. */
static int swap_start(job *j)
{
	j->swapped = true;
	j->swap_last_ns = hosted_now_ns();
	j->swap_timer = hosted_loop_timer(j->f->loop, j->swap_last_ns + j->f->timeout_ns, swap_idle, j);
	if (!j->swap_timer || swap_want(j, j->bin, j->bin_len) != 0) {
		j->failed++;
		note(j, "bitswap: cannot want the block");
		swap_stop(j);
		return -1;
	}
	return 0;
}

/* Asks the next source, or gives up when none is left: the bitswap peers first, then
 * each gateway. */
static void ask(job *j)
{
	hosted_fetch *f = j->f;
	if (f->swap && !j->swapped) {
		j->swapped = true;
		if (swap_start(j) == 0) return;
	}
	while (j->source < f->ngateways) {
		char path[32 + WOS_CID_MAX], why[320];
		bool car = j->codec == WOS_CODEC_DAG_PB;
		/* a file's root: the whole DAG in one CAR, depth first (dag-scope=all) */
		snprintf(path, sizeof path, "/ipfs/%s?format=%s", j->cid, car ? "car" : "raw");
		hosted_http_request req = {
			.url = &f->gateways[j->source],
			.method = "GET",
			.path = path,
			.accept = car ? "application/vnd.ipld.car" : "application/vnd.ipld.raw",
			.max_body = car ? HOSTED_FETCH_MAX_CAR : HOSTED_FETCH_MAX_BLOCK,
			.idle_timeout_ns = f->timeout_ns,
			.done = on_answer,
			.progress = on_progress,
			.ud = j,
		};
		j->get = hosted_http_get_start(f->loop, &req, why, sizeof why);
		if (j->get) return;
		j->failed++;
		note(j, "%s: %s", f->gateway_text[j->source], why);
		j->source++;
	}
	give_up(j);
}

static void first_ask(void *ud, uint64_t id)
{
	(void)id;
	job *j = ud;
	j->timer = 0;
	ask(j);
}

int hosted_fetch_start(hosted_fetch *f, const char *cid, size_t cid_len, hosted_fetch_fn done, void *ud, char *why,
		       size_t cap)
{
	uint8_t digest[WOS_SHA256_SIZE];
	uint64_t codec;
	int code = wos_cid_parse_file(cid, cid_len, &codec, digest);
	if (code != WOS_CID_OK) {
		snprintf(why, cap, "'%.*s' is not a CID: %s", (int)(cid_len > 64 ? 64 : cid_len), cid, wos_cid_error_text(code));
		return HOSTED_FETCH_ERR_CID;
	}
	if (!hosted_fetch_has_sources(f)) {
		snprintf(why, cap, "%.*s: not in the store, and %s", (int)cid_len, cid,
			 f->offline ? "offline (--offline): no network source is asked"
				    : "no network source to ask (--gateway URL)");
		return HOSTED_FETCH_ERR_NOSOURCE;
	}
	waiter *w = calloc(1, sizeof *w);
	if (!w) {
		snprintf(why, cap, "out of memory");
		return HOSTED_FETCH_ERR_NOMEM;
	}
	w->done = done;
	w->ud = ud;
	for (job *j = f->jobs; j; j = j->next) {
		if (j->codec == codec && !memcmp(j->digest, digest, sizeof digest)) {
			w->next = j->waiters;
			j->waiters = w;
			return 0;
		}
	}
	job *j = calloc(1, sizeof *j);
	if (!j) {
		free(w);
		snprintf(why, cap, "out of memory");
		return HOSTED_FETCH_ERR_NOMEM;
	}
	j->f = f;
	memcpy(j->digest, digest, sizeof digest);
	j->codec = codec;
	wos_cid_format_file(codec, digest, j->cid);
	j->bin_len = 0;
	j->bin[j->bin_len++] = 1;
	j->bin[j->bin_len++] = (uint8_t)codec; /* 0x55 and 0x70: one varint byte each */
	j->bin[j->bin_len++] = WOS_MH_SHA2_256;
	j->bin[j->bin_len++] = WOS_SHA256_SIZE;
	memcpy(j->bin + j->bin_len, digest, WOS_SHA256_SIZE);
	j->bin_len += WOS_SHA256_SIZE;
	j->waiters = w;
	j->started_ns = hosted_now_ns();
	j->timer = hosted_loop_timer(f->loop, 0, first_ask, j);
	if (!j->timer) {
		job_free(j);
		snprintf(why, cap, "out of memory");
		return HOSTED_FETCH_ERR_NOMEM;
	}
	j->next = f->jobs;
	f->jobs = j;
	hosted_loop_hold(f->loop);
	return 0;
}
