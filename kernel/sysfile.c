/* sysfile.c: the system-file parser (system.h, docs/system.md).
 *
 * A line is a keyword and its words.  Words are split at spaces and tabs; a word in
 * double quotes may hold spaces and the escapes \" \\ \n \t.  `#` starts a comment
 * where a word could start.  `program NAME SOURCE` opens a program; the lines up to
 * the next `program` describe it.  `native` may stand anywhere; limits before the
 * first program set every program's default.
 *
 * The text is untrusted.  Every word that becomes part of the result is copied
 * through the caller's allocator, so the text may go once this returns.  Arrays grow
 * by one element and are sized exactly by their counts, and strings by their length,
 * so freeing can tell the allocator every old size.  One exit on error: free what was
 * built, then report.
 */
#include "system.h"
#include "internal.h"

#include "cid.h"
#include "fmt.h"
#include "size.h"
#include "str.h"
#include "ifc_all.h"

/* Words on one line. */
#define MAX_WORDS 256

typedef struct parser {
	eng_alloc alloc;
	const char *file;
	char *dir;                   /* the file's folder, "" for the current one */
	int line;
	char *err;
	size_t errlen;
	bool failed;
	kern_sysfile *sys;
} parser;

static int fail(parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(parser *p, const char *fmt, ...)
{
	if (p->failed) return -1;
	p->failed = true;
	if (!p->errlen) return -1;
	int n = wos_snprintf(p->err, p->errlen, "%s:%d: ", p->file, p->line);
	if (n < 0 || (size_t)n >= p->errlen) return -1;
	va_list ap;
	va_start(ap, fmt);
	wos_vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

static int oom(parser *p) { return fail(p, "out of memory"); }

/* ---- memory ------------------------------------------------------------------------- */

static void *grow(const eng_alloc *a, void *ptr, size_t old, size_t n)
{
	return a->fn(a->ud, ptr, old, n);
}

static void release(const eng_alloc *a, void *ptr, size_t n)
{
	if (ptr) a->fn(a->ud, ptr, n, 0);
}

static char *copy_n(const eng_alloc *a, const char *s, size_t n)
{
	char *c = grow(a, NULL, 0, n + 1);
	if (!c) return NULL;
	__builtin_memcpy(c, s, n);
	c[n] = 0;
	return c;
}

static char *copy(const eng_alloc *a, const char *s) { return copy_n(a, s, wos_strlen(s)); }

static void free_str(const eng_alloc *a, char *s)
{
	if (s) release(a, s, wos_strlen(s) + 1);
}

/* Makes room for one more element of `size` bytes in *v, which holds n: 0 or -1. */
static int push(const eng_alloc *a, void *v, uint32_t n, size_t size)
{
	void **pv = v;
	void *nv = grow(a, *pv, n * size, (n + 1) * size);
	if (!nv) return -1;
	*pv = nv;
	return 0;
}

/* ---- words -------------------------------------------------------------------------- */

static bool space(char c) { return c == ' ' || c == '\t' || c == '\r'; }

/* Splits one line (NUL-terminated, changed in place) into words.  Returns the count,
 * or -1 after fail(). */
static int split(parser *p, char *s, char **words)
{
	int n = 0;
	for (;;) {
		while (space(*s)) s++;
		if (!*s || *s == '#') return n;
		if (n == MAX_WORDS) return fail(p, "more than %d words on one line", MAX_WORDS);
		if (*s != '"') {
			words[n++] = s;
			while (*s && !space(*s)) {
				if (*s == '"') return fail(p, "a quote inside a word (quote the whole word)");
				s++;
			}
			if (*s) *s++ = 0;
			continue;
		}
		/* a quoted word, unescaped in place */
		char *out = ++s;
		words[n++] = out;
		for (;;) {
			if (!*s) return fail(p, "a quoted word does not end on its line");
			if (*s == '"') break;
			if (*s == '\\') {
				s++;
				switch (*s) {
				case '"': case '\\': *out++ = *s++; continue;
				case 'n': *out++ = '\n'; s++; continue;
				case 't': *out++ = '\t'; s++; continue;
				default:
					return fail(p, "unknown escape \\%c in a quoted word (\\\" \\\\ \\n \\t)", *s ? *s : ' ');
				}
			}
			*out++ = *s++;
		}
		s++;
		if (*s && !space(*s)) return fail(p, "text right after a closing quote");
		*out = 0;
		if (*s) s++;
	}
}

/* ---- lists ------------------------------------------------------------------------------ */

static int push_str(parser *p, char ***v, uint32_t *n, const char *s)
{
	/* the copy first: a failed push then leaves *v exactly *n long */
	char *c = copy(&p->alloc, s);
	if (!c) return oom(p);
	if (push(&p->alloc, v, *n, sizeof **v)) {
		free_str(&p->alloc, c);
		return oom(p);
	}
	(*v)[(*n)++] = c;
	return 0;
}

static void free_strs(const eng_alloc *a, char **v, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) free_str(a, v[i]);
	release(a, v, n * sizeof *v);
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	return -1;
}

/* An interface by name (wasmos interfaces) or as 64 hex digits. */
static int parse_iface(parser *p, const char *w, uint8_t out[KERN_ID_SIZE])
{
	size_t len = wos_strlen(w);
	const ifc_all_info *info = ifc_all_by_name(w, len);
	if (info) {
		kern_id_copy(out, info->id);
		return 0;
	}
	bool hex = len == 2 * KERN_ID_SIZE;
	for (size_t i = 0; hex && i < len; i++) hex = hex_digit(w[i]) >= 0;
	if (hex) {
		for (int i = 0; i < KERN_ID_SIZE; i++)
			out[i] = (uint8_t)(hex_digit(w[2 * i]) << 4 | hex_digit(w[2 * i + 1]));
		return 0;
	}
	return fail(p, "unknown interface '%.64s' (wasmos interfaces lists them; or give 64 hex digits)", w);
}

static int find_id(const kern_sysfile_ids *s, const uint8_t *id)
{
	for (uint32_t i = 0; i < s->n; i++)
		if (kern_id_equal(s->ids[i], id)) return (int)i;
	return -1;
}

static int push_ids(parser *p, kern_sysfile_ids *s, char **words, int n)
{
	if (n == 0) return fail(p, "which interfaces? (a name, or several)");
	for (int i = 0; i < n; i++) {
		uint8_t id[KERN_ID_SIZE];
		if (parse_iface(p, words[i], id)) return -1;
		if (find_id(s, id) >= 0) continue;
		/* both arrays made anew before either is replaced, so they are always
		 * exactly s->n long (their sizes as free_ids tells them) */
		uint8_t (*ids)[KERN_ID_SIZE] = grow(&p->alloc, NULL, 0, (s->n + 1) * sizeof *ids);
		int *lines = grow(&p->alloc, NULL, 0, (s->n + 1) * sizeof *lines);
		if (!ids || !lines) {
			release(&p->alloc, ids, (s->n + 1) * sizeof *ids);
			release(&p->alloc, lines, (s->n + 1) * sizeof *lines);
			return oom(p);
		}
		if (s->n) {
			__builtin_memcpy(ids, s->ids, s->n * sizeof *ids);
			__builtin_memcpy(lines, s->lines, s->n * sizeof *lines);
		}
		release(&p->alloc, s->ids, s->n * sizeof *s->ids);
		release(&p->alloc, s->lines, s->n * sizeof *s->lines);
		s->ids = ids;
		s->lines = lines;
		kern_id_copy(s->ids[s->n], id);
		s->lines[s->n] = p->line;
		s->n++;
	}
	return 0;
}

/* ---- paths -------------------------------------------------------------------------- */

/* path as written, resolved against the system file's folder. */
static char *resolve(parser *p, const char *path)
{
	char *out;
	if (path[0] == '/' || !p->dir[0]) {
		out = copy(&p->alloc, path);
	} else {
		size_t d = wos_strlen(p->dir), n = wos_strlen(path);
		const char *sep = p->dir[d - 1] == '/' ? "" : "/";   /* the root's own slash */
		size_t size = d + wos_strlen(sep) + n + 1;   /* exactly: free_str tells this size */
		out = grow(&p->alloc, NULL, 0, size);
		if (out) wos_snprintf(out, size, "%s%s%s", p->dir, sep, path);
	}
	if (!out) oom(p);
	return out;
}

/* ---- keywords ------------------------------------------------------------------------ */

static bool valid_name(const char *s)
{
	size_t n = wos_strlen(s);
	if (n == 0 || n > KERN_SYSFILE_NAME_MAX) return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (i > 0 && (c == '-' || c == '_' || c == '.'));
		if (!ok) return false;
	}
	return true;
}

static int program_line(parser *p, char **w, int n)
{
	kern_sysfile *sys = p->sys;
	if (n != 2) return fail(p, "program wants a NAME and a SOURCE (a CID or a path)");
	if (!valid_name(w[0]))
		return fail(p, "'%.40s' is not a program name (a-z 0-9 - _ ., at most %d characters)", w[0],
			    KERN_SYSFILE_NAME_MAX);
	for (uint32_t i = 0; i < sys->nprogs; i++)
		if (wos_streq(sys->progs[i].name, w[0]))
			return fail(p, "program %s is defined already, on line %d", w[0], sys->progs[i].line);
	if (push(&p->alloc, &sys->progs, sys->nprogs, sizeof *sys->progs)) return oom(p);
	kern_sysfile_program *g = &sys->progs[sys->nprogs++];
	__builtin_memset(g, 0, sizeof *g);
	g->line = p->line;
	if (!(g->name = copy(&p->alloc, w[0])) || !(g->source = copy(&p->alloc, w[1]))) return oom(p);
	uint8_t digest[WOS_SHA256_SIZE];
	uint64_t codec;
	int crc = wos_cid_parse_file(w[1], wos_strlen(w[1]), &codec, digest);
	if (crc) {
		/* "bafyrei...", "Qm...": meant as CIDs, of a kind we do not take; a path has a / or a . */
		if (!wos_strchr(w[1], '/') && !wos_strchr(w[1], '.') && (w[1][0] == 'b' || w[1][0] == 'Q'))
			return fail(p, "'%.64s' is not a CID we can load: %s", w[1], wos_cid_error_text(crc));
		if (!(g->path = resolve(p, w[1]))) return -1;
	}
	return push_str(p, &g->argv, &g->argc, w[0]);
}

/* A positive decimal number of at most max. */
static int number(parser *p, const char *key, const char *w, uint64_t max, uint64_t *out)
{
	uint64_t v;
	const char *end;
	if (wos_str_u64(w, &v, &end) != 0 || *end || v == 0 || v > (uint64_t)INT64_MAX)
		return fail(p, "%s wants a positive number, not '%.40s'", key, w);
	if (v > max) return fail(p, "%s: at most %llu, not %llu", key, (unsigned long long)max, (unsigned long long)v);
	*out = v;
	return 0;
}

static int limit_line(parser *p, kern_limits *l, const char *key, char **w, int n)
{
	uint64_t v;
	if (n != 1) return fail(p, "%s wants one value", key);
	if (wos_streq(key, "fuel-slice")) {
		if (number(p, key, w[0], INT64_MAX, &v)) return -1;
		l->fuel_slice = (int64_t)v;
		return 0;
	}
	if (wos_streq(key, "max-queue") || wos_streq(key, "max-outstanding")) {
		if (number(p, key, w[0], 1000000, &v)) return -1;
		*(key[4] == 'q' ? &l->max_queue : &l->max_outstanding) = (uint32_t)v;
		return 0;
	}
	if (wos_streq(key, "max-message")) {
		uint64_t bytes = wos_size_bytes(w[0]);
		if (!bytes || bytes > (64u << 20))
			return fail(p, "max-message wants a size like 64K or 4M, at most 64M; not '%.40s'", w[0]);
		l->max_message = (uint32_t)bytes;
		return 0;
	}
	l->max_memory_pages = wos_size_pages(w[0]);
	if (!l->max_memory_pages)
		return fail(p, "max-memory wants a size like 64M, 1G or 100p (pages), at most 4G; not '%.40s'", w[0]);
	return 0;
}

static int dir_line(parser *p, kern_sysfile_program *g, char **w, int n)
{
	if (n == 0) return fail(p, "dir wants HOST or HOST::GUEST folders");
	for (int i = 0; i < n; i++) {
		/* as `wasmos run --dir`: the program sees HOST as written unless GUEST is given */
		char *sep = (char *)wos_strstr(w[i], "::");
		const char *host = w[i], *guest = sep ? sep + 2 : w[i];
		if (sep) *sep = 0;
		if (!*host || !*guest) return fail(p, "dir wants HOST or HOST::GUEST, not an empty side");
		if (push(&p->alloc, &g->dirs, g->ndirs, sizeof *g->dirs)) return oom(p);
		kern_sysfile_dir *d = &g->dirs[g->ndirs++];
		d->guest = copy(&p->alloc, guest);
		d->host = d->guest ? resolve(p, host) : NULL;
		if (!d->guest || !d->host) return oom(p);
	}
	g->dirs_line = p->line;
	return 0;
}

/* peer, gateway, p2p-listen: words kept as written, each with its line. */
static int net_line(parser *p, kern_sysfile_words *v, const char *key, const char *what, char **w, int n)
{
	if (!n) return fail(p, "%s wants %s", key, what);
	for (int i = 0; i < n; i++) {
		/* as push_ids: both arrays made anew before either is replaced, so they are
		 * always exactly v->n long */
		char *c = copy(&p->alloc, w[i]);
		char **words = grow(&p->alloc, NULL, 0, (v->n + 1) * sizeof *words);
		int *lines = grow(&p->alloc, NULL, 0, (v->n + 1) * sizeof *lines);
		if (!c || !words || !lines) {
			free_str(&p->alloc, c);
			release(&p->alloc, words, (v->n + 1) * sizeof *words);
			release(&p->alloc, lines, (v->n + 1) * sizeof *lines);
			return oom(p);
		}
		if (v->n) {
			__builtin_memcpy(words, v->words, v->n * sizeof *words);
			__builtin_memcpy(lines, v->lines, v->n * sizeof *lines);
		}
		release(&p->alloc, v->words, v->n * sizeof *v->words);
		release(&p->alloc, v->lines, v->n * sizeof *v->lines);
		v->words = words;
		v->lines = lines;
		v->words[v->n] = c;
		v->lines[v->n++] = p->line;
	}
	return 0;
}

static int flag_line(parser *p, const char *key, bool *flag, int n)
{
	if (n) return fail(p, "%s takes nothing after it", key);
	*flag = true;
	return 0;
}

static bool is_limit(const char *key)
{
	return wos_streq(key, "fuel-slice") || wos_streq(key, "max-memory") || wos_streq(key, "max-message") ||
	       wos_streq(key, "max-queue") || wos_streq(key, "max-outstanding");
}

/* One line of words: w[0] is the keyword. */
static int line_words(parser *p, char **w, int n)
{
	kern_sysfile *sys = p->sys;
	const char *key = w[0];
	kern_sysfile_program *g = sys->nprogs ? &sys->progs[sys->nprogs - 1] : NULL;
	w++;
	n--;
	if (wos_streq(key, "program")) return program_line(p, w, n);
	if (wos_streq(key, "native")) return push_ids(p, &sys->natives, w, n);
	if (!g && is_limit(key)) return limit_line(p, &sys->limits, key, w, n);
	bool peer = wos_streq(key, "peer"), gateway = wos_streq(key, "gateway");
	bool p2p_listen = wos_streq(key, "p2p-listen"), offline = wos_streq(key, "offline");
	if (peer || gateway || p2p_listen || offline) {
		/* the whole system's: after a program it would read as the program's */
		if (g) return fail(p, "%s belongs to the whole system: put it before the first program", key);
		if (peer) return net_line(p, &sys->peers, key, "multiaddrs like /ip4/1.2.3.4/tcp/4001/p2p/12D3Koo...", w, n);
		if (gateway) return net_line(p, &sys->gateways, key, "URLs like http://127.0.0.1:8080", w, n);
		if (p2p_listen) return net_line(p, &sys->p2p_listens, key, "multiaddrs like /ip4/0.0.0.0/tcp/4001", w, n);
		bool on = false;
		if (flag_line(p, key, &on, n)) return -1;
		sys->offline_line = p->line;
		return 0;
	}
	static const char *const per_program[] = { "args", "env", "allow", "deny", "handles", "dir", "listen",
						   "essential", "restart", "manual", NULL };
	bool known = is_limit(key);
	for (int i = 0; per_program[i]; i++) known |= wos_streq(key, per_program[i]);
	if (!known)
		return fail(p, "unknown keyword '%.40s' (program, native, peer, gateway, p2p-listen, offline, "
			       "args, env, allow, deny, handles, dir, listen, fuel-slice, max-memory, max-message, "
			       "max-queue, max-outstanding, essential, restart, manual)", key);
	if (!g) return fail(p, "%s belongs to a program: put it after a 'program NAME SOURCE' line", key);
	if (wos_streq(key, "args")) {
		for (int i = 0; i < n; i++)
			if (push_str(p, &g->argv, &g->argc, w[i])) return -1;
		return 0;
	}
	if (wos_streq(key, "env")) {
		for (int i = 0; i < n; i++) {
			if (w[i][0] == '=' || !wos_strchr(w[i], '='))
				return fail(p, "env wants KEY=VALUE, not '%.40s'", w[i]);
			if (push_str(p, &g->env, &g->nenv, w[i])) return -1;
		}
		return n ? 0 : fail(p, "env wants KEY=VALUE words");
	}
	if (wos_streq(key, "allow")) return push_ids(p, &g->allow, w, n);
	if (wos_streq(key, "deny")) return push_ids(p, &g->deny, w, n);
	if (wos_streq(key, "handles")) return push_ids(p, &g->handles, w, n);
	if (wos_streq(key, "dir")) return dir_line(p, g, w, n);
	if (wos_streq(key, "listen")) {
		if (!n) return fail(p, "listen wants addresses like 127.0.0.1:7000");
		for (int i = 0; i < n; i++)
			if (push_str(p, &g->listens, &g->nlistens, w[i])) return -1;
		g->listens_line = p->line;
		return 0;
	}
	if (wos_streq(key, "essential")) return flag_line(p, key, &g->essential, n);
	if (wos_streq(key, "restart")) return flag_line(p, key, &g->restart, n);
	if (wos_streq(key, "manual")) return flag_line(p, key, &g->manual, n);
	return limit_line(p, &g->limits, key, w, n);
}

/* What needs the whole file: an interface is native or programs', never both.  (Two
 * programs may hold the right to handle one interface: the first to register handles
 * it, the other may take over, or pass the right on.) */
static int check_whole(parser *p)
{
	kern_sysfile *sys = p->sys;
	if (!sys->nprogs) {
		p->line = 1;
		return fail(p, "no programs (a system file needs a 'program NAME SOURCE' line)");
	}
	for (uint32_t i = 0; i < sys->nprogs; i++) {
		kern_sysfile_program *g = &sys->progs[i];
		if (g->essential && g->restart) {
			p->line = g->line;
			return fail(p, "program %s is essential and restart at once: choose one", g->name);
		}
		if (g->manual && (g->essential || g->restart)) {
			p->line = g->line;
			return fail(p, "program %s is manual (never started by the system) and %s: choose one",
				    g->name, g->essential ? "essential" : "restart");
		}
		for (uint32_t j = 0; j < g->handles.n; j++) {
			p->line = g->handles.lines[j];
			const uint8_t *id = g->handles.ids[j];
			const ifc_all_info *info = ifc_all_by_id(id);
			const char *name = info ? info->name : "that interface";
			int at = find_id(&sys->natives, id);
			if (at >= 0) {
				if (sys->natives.lines[at] > p->line) p->line = sys->natives.lines[at];
				return fail(p, "%s is native (line %d) and handled by program %s (line %d): choose one",
					    name, sys->natives.lines[at], g->name, g->handles.lines[j]);
			}
		}
	}
	return 0;
}

int kern_sysfile_parse(const eng_alloc *alloc, const char *file, const char *text, size_t len,
		       kern_sysfile **out, char *err, size_t errlen)
{
	parser p = { .alloc = *alloc, .file = file, .err = err, .errlen = errlen };
	*out = NULL;
	if (errlen) err[0] = 0;
	const char *slash = wos_strrchr(file, '/');
	p.sys = grow(alloc, NULL, 0, sizeof *p.sys);
	char *text_copy = len < SIZE_MAX ? grow(alloc, NULL, 0, len + 1) : NULL;
	char **words = grow(alloc, NULL, 0, MAX_WORDS * sizeof *words);
	/* the folder keeps its slash when it is the root: "/a.sys" resolves "b" as "/b" */
	p.dir = copy_n(alloc, file, slash ? (size_t)(slash - file) + (slash == file) : 0);
	if (p.sys) {
		__builtin_memset(p.sys, 0, sizeof *p.sys);
		p.sys->alloc = *alloc;
		p.sys->file = copy(alloc, file);
	}
	if (!p.sys || !p.sys->file || !text_copy || !words || !p.dir) {
		p.line = 0;
		oom(&p);
		goto out;
	}
	if (len) __builtin_memcpy(text_copy, text, len);
	text_copy[len] = 0;
	char *s = text_copy;
	for (p.line = 1; !p.failed; p.line++) {
		char *end = s;
		while (end < text_copy + len && *end != '\n') end++;
		bool last = end == text_copy + len;
		for (char *c = s; c < end; c++)
			if (!*c) {
				fail(&p, "a NUL byte: this is not a text file");
				break;
			}
		if (p.failed) break;
		*end = 0;
		int n = split(&p, s, words);
		if (n > 0) line_words(&p, words, n);
		if (last) break;
		s = end + 1;
	}
	if (!p.failed) check_whole(&p);
out:
	release(alloc, words, MAX_WORDS * sizeof *words);
	if (text_copy) release(alloc, text_copy, len + 1);
	free_str(alloc, p.dir);
	if (p.failed) {
		kern_sysfile_free(p.sys);
		return -1;
	}
	*out = p.sys;
	return 0;
}

static void free_ids(const eng_alloc *a, kern_sysfile_ids *s)
{
	release(a, s->ids, s->n * sizeof *s->ids);
	release(a, s->lines, s->n * sizeof *s->lines);
}

static void free_words(const eng_alloc *a, kern_sysfile_words *v)
{
	free_strs(a, v->words, v->n);
	release(a, v->lines, v->n * sizeof *v->lines);
}

void kern_sysfile_free(kern_sysfile *f)
{
	if (!f) return;
	const eng_alloc *a = &f->alloc;
	for (uint32_t i = 0; i < f->nprogs; i++) {
		kern_sysfile_program *g = &f->progs[i];
		free_str(a, g->name);
		free_str(a, g->source);
		free_str(a, g->path);
		free_strs(a, g->argv, g->argc);
		free_strs(a, g->env, g->nenv);
		free_ids(a, &g->allow);
		free_ids(a, &g->deny);
		free_ids(a, &g->handles);
		for (uint32_t j = 0; j < g->ndirs; j++) {
			free_str(a, g->dirs[j].guest);
			free_str(a, g->dirs[j].host);
		}
		release(a, g->dirs, g->ndirs * sizeof *g->dirs);
		free_strs(a, g->listens, g->nlistens);
	}
	release(a, f->progs, f->nprogs * sizeof *f->progs);
	free_ids(a, &f->natives);
	free_words(a, &f->peers);
	free_words(a, &f->gateways);
	free_words(a, &f->p2p_listens);
	free_str(a, f->file);
	eng_alloc copy_of = *a;
	release(&copy_of, f, sizeof *f);
}
