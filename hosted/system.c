/* system.c: the system-file parser (system.h, docs/system.md).
 *
 * A line is a keyword and its words.  Words are split at spaces and tabs; a word in
 * double quotes may hold spaces and the escapes \" \\ \n \t.  `#` starts a comment
 * where a word could start.  `program NAME SOURCE` opens a program; the lines up to
 * the next `program` describe it.  `native` may stand anywhere; `fuel-slice` and
 * `max-memory` before the first program set every program's default.
 *
 * Every word that becomes part of the result is copied (malloc), so the text may go
 * once this returns.  One exit on error: free what was built, then report.
 */
#define _GNU_SOURCE
#include "system.h"
#include "hosted.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cid.h"
#include "ifc_all.h"

/* Words on one line. */
#define MAX_WORDS 256

typedef struct parser {
	const char *file;
	char *dir;                   /* the file's folder, "" for the current one */
	int line;
	char *err;
	size_t errlen;
	bool failed;
	hosted_system *sys;
} parser;

static int fail(parser *p, const char *fmt, ...)
{
	if (p->failed) return -1;
	p->failed = true;
	int n = snprintf(p->err, p->errlen, "%s:%d: ", p->file, p->line);
	if (n < 0 || (size_t)n >= p->errlen) return -1;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

static int oom(parser *p) { return fail(p, "out of memory"); }

/* ---- sizes --------------------------------------------------------------------------- */

uint64_t hosted_parse_size_bytes(const char *s)
{
	char *end;
	if (*s < '0' || *s > '9') return 0;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s) return 0;
	unsigned long long bytes;
	switch (*end) {
	case 0: bytes = v; break;
	case 'k': case 'K': bytes = v << 10; end++; break;
	case 'm': case 'M': bytes = v << 20; end++; break;
	case 'g': case 'G': bytes = v << 30; end++; break;
	default: return 0;
	}
	/* no shift overflowed: v is below 2^34 whenever bytes can be within 4 GiB */
	if (v > (1ull << 34)) return 0;
	if ((*end == 'i' || *end == 'I') && (end[1] == 'B' || end[1] == 'b')) end += 2;
	else if (*end == 'B' || *end == 'b') end++;
	if (*end) return 0;
	return bytes;
}

uint32_t hosted_parse_size_pages(const char *s)
{
	size_t n = strlen(s);
	if (n > 1 && s[n - 1] == 'p') {
		char *end;
		if (*s < '0' || *s > '9') return 0;
		errno = 0;
		unsigned long long v = strtoull(s, &end, 10);
		return errno || end != s + n - 1 || v == 0 || v > 65536 ? 0 : (uint32_t)v;
	}
	unsigned long long pages = (hosted_parse_size_bytes(s) + 65535) >> 16;
	return pages == 0 || pages > 65536 ? 0 : (uint32_t)pages;
}

/* ---- words -------------------------------------------------------------------------- */

/* Splits one line (NUL-terminated, changed in place) into words.  Returns the count,
 * or -1 after fail(). */
static int split(parser *p, char *s, char **words)
{
	int n = 0;
	for (;;) {
		while (*s == ' ' || *s == '\t' || *s == '\r') s++;
		if (!*s || *s == '#') return n;
		if (n == MAX_WORDS) return fail(p, "more than %d words on one line", MAX_WORDS);
		if (*s != '"') {
			words[n++] = s;
			while (*s && *s != ' ' && *s != '\t' && *s != '\r') {
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
				default: return fail(p, "unknown escape \\%c in a quoted word (\\\" \\\\ \\n \\t)", *s ? *s : ' ');
				}
			}
			*out++ = *s++;
		}
		s++;
		if (*s && *s != ' ' && *s != '\t' && *s != '\r') return fail(p, "text right after a closing quote");
		*out = 0;
		if (*s) s++;
	}
}

/* ---- lists ------------------------------------------------------------------------------ */

static int push_str(parser *p, char ***v, uint32_t *n, const char *s)
{
	char **nv = realloc(*v, (*n + 1) * sizeof **v);
	if (!nv) return oom(p);
	*v = nv;
	if (!(nv[*n] = strdup(s))) return oom(p);
	(*n)++;
	return 0;
}

static void free_strs(char **v, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) free(v[i]);
	free(v);
}

/* An interface by name (wasmos interfaces) or as 64 hex digits. */
static int parse_iface(parser *p, const char *w, uint8_t out[KERN_ID_SIZE])
{
	const ifc_all_info *info = ifc_all_by_name(w, strlen(w));
	if (info) {
		memcpy(out, info->id, KERN_ID_SIZE);
		return 0;
	}
	size_t len = strlen(w);
	if (len == 2 * KERN_ID_SIZE && strspn(w, "0123456789abcdef") == len) {
		for (int i = 0; i < KERN_ID_SIZE; i++) {
			unsigned v;
			sscanf(w + 2 * i, "%2x", &v);
			out[i] = (uint8_t)v;
		}
		return 0;
	}
	return fail(p, "unknown interface '%s' (wasmos interfaces lists them; or give 64 hex digits)", w);
}

static int find_id(const hosted_system_ids *s, const uint8_t *id)
{
	for (uint32_t i = 0; i < s->n; i++)
		if (!memcmp(s->ids[i], id, KERN_ID_SIZE)) return (int)i;
	return -1;
}

static int push_ids(parser *p, hosted_system_ids *s, char **words, int n)
{
	if (n == 0) return fail(p, "which interfaces? (a name, or several)");
	for (int i = 0; i < n; i++) {
		uint8_t id[KERN_ID_SIZE];
		if (parse_iface(p, words[i], id)) return -1;
		if (find_id(s, id) >= 0) continue;
		uint8_t (*ni)[KERN_ID_SIZE] = realloc(s->ids, (s->n + 1) * sizeof *s->ids);
		if (ni) s->ids = ni;
		int *nl = realloc(s->lines, (s->n + 1) * sizeof *s->lines);
		if (nl) s->lines = nl;
		if (!ni || !nl) return oom(p);
		memcpy(s->ids[s->n], id, KERN_ID_SIZE);
		s->lines[s->n] = p->line;
		s->n++;
	}
	return 0;
}

static void free_ids(hosted_system_ids *s)
{
	free(s->ids);
	free(s->lines);
	memset(s, 0, sizeof *s);
}

/* ---- paths -------------------------------------------------------------------------- */

/* path as written, resolved against the system file's folder. */
static char *resolve(parser *p, const char *path)
{
	char *out;
	if (path[0] == '/' || !p->dir[0]) out = strdup(path);
	else if (asprintf(&out, "%s/%s", p->dir, path) < 0) out = NULL;
	if (!out) oom(p);
	return out;
}

/* ---- keywords ------------------------------------------------------------------------ */

static bool valid_name(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > HOSTED_SYSTEM_NAME_MAX) return false;
	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= '0' && s[0] <= '9'))) return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-_.") == n;
}

static int program_line(parser *p, char **w, int n)
{
	hosted_system *sys = p->sys;
	if (n != 2) return fail(p, "program wants a NAME and a SOURCE (a CID or a path)");
	if (!valid_name(w[0]))
		return fail(p, "'%.40s' is not a program name (a-z 0-9 - _ ., at most %d characters)", w[0],
			    HOSTED_SYSTEM_NAME_MAX);
	for (uint32_t i = 0; i < sys->nprogs; i++)
		if (!strcmp(sys->progs[i].name, w[0]))
			return fail(p, "program %s is defined already, on line %d", w[0], sys->progs[i].line);
	hosted_system_program *np = realloc(sys->progs, (sys->nprogs + 1) * sizeof *np);
	if (!np) return oom(p);
	sys->progs = np;
	hosted_system_program *g = &np[sys->nprogs++];
	memset(g, 0, sizeof *g);
	g->line = p->line;
	if (!(g->name = strdup(w[0])) || !(g->source = strdup(w[1]))) return oom(p);
	uint8_t digest[WOS_SHA256_SIZE];
	int crc = wos_cid_parse(w[1], strlen(w[1]), digest);
	if (crc) {
		/* "bafy...", "Qm...": meant as CIDs we do not take; a path has a / or a . */
		if (!strchr(w[1], '/') && !strchr(w[1], '.') && (w[1][0] == 'b' || w[1][0] == 'Q'))
			return fail(p, "'%.64s' is not a CID we can load: %s", w[1], wos_cid_error_text(crc));
		if (!(g->path = resolve(p, w[1]))) return -1;
	}
	return push_str(p, &g->argv, &g->argc, w[0]);
}

static int number(parser *p, const char *key, const char *w, int64_t *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(w, &end, 10);
	if (errno || *end || end == w || v <= 0) return fail(p, "%s wants a positive number, not '%.40s'", key, w);
	*out = v;
	return 0;
}

static int limit_line(parser *p, kern_limits *l, const char *key, char **w, int n)
{
	int64_t v;
	if (n != 1) return fail(p, "%s wants one value", key);
	if (!strcmp(key, "fuel-slice")) return number(p, key, w[0], &l->fuel_slice);
	if (!strcmp(key, "max-queue") || !strcmp(key, "max-outstanding")) {
		if (number(p, key, w[0], &v)) return -1;
		if (v > 1000000) return fail(p, "%s: at most 1000000, not %lld", key, (long long)v);
		*(key[4] == 'q' ? &l->max_queue : &l->max_outstanding) = (uint32_t)v;
		return 0;
	}
	if (!strcmp(key, "max-message")) {
		uint64_t bytes = hosted_parse_size_bytes(w[0]);
		if (!bytes || bytes > (64u << 20))
			return fail(p, "max-message wants a size like 64K or 4M, at most 64M; not '%.40s'", w[0]);
		l->max_message = (uint32_t)bytes;
		return 0;
	}
	l->max_memory_pages = hosted_parse_size_pages(w[0]);
	if (!l->max_memory_pages)
		return fail(p, "max-memory wants a size like 64M, 1G or 100p (pages), at most 4G; not '%.40s'", w[0]);
	return 0;
}

static int dir_line(parser *p, hosted_system_program *g, char **w, int n)
{
	if (n == 0) return fail(p, "dir wants HOST or HOST::GUEST folders");
	for (int i = 0; i < n; i++) {
		/* as `wasmos run --dir`: the program sees HOST as written unless GUEST is given */
		char *sep = strstr(w[i], "::");
		const char *host = w[i], *guest = sep ? sep + 2 : w[i];
		if (sep) *sep = 0;
		if (!*host || !*guest) return fail(p, "dir wants HOST or HOST::GUEST, not an empty side");
		hosted_system_dir *nd = realloc(g->dirs, (g->ndirs + 1) * sizeof *nd);
		if (!nd) return oom(p);
		g->dirs = nd;
		hosted_system_dir *d = &nd[g->ndirs++];
		d->guest = strdup(guest);
		d->host = resolve(p, host);
		if (!d->guest || !d->host) return oom(p);
	}
	g->dirs_line = p->line;
	return 0;
}

static int flag_line(parser *p, const char *key, bool *flag, int n)
{
	if (n) return fail(p, "%s takes nothing after it", key);
	*flag = true;
	return 0;
}

/* One line of words: w[0] is the keyword. */
static int line_words(parser *p, char **w, int n)
{
	hosted_system *sys = p->sys;
	const char *key = w[0];
	hosted_system_program *g = sys->nprogs ? &sys->progs[sys->nprogs - 1] : NULL;
	w++;
	n--;
	if (!strcmp(key, "program")) return program_line(p, w, n);
	if (!strcmp(key, "native")) return push_ids(p, &sys->natives, w, n);
	bool is_limit = !strcmp(key, "fuel-slice") || !strcmp(key, "max-memory") ||
			!strcmp(key, "max-message") || !strcmp(key, "max-queue") ||
			!strcmp(key, "max-outstanding");
	if (!g && is_limit) return limit_line(p, &sys->limits, key, w, n);
	static const char *const per_program[] = { "args", "env", "allow", "deny", "handles", "dir",
						   "listen", "fuel-slice", "max-memory", "max-message",
						   "max-queue", "max-outstanding", "essential", "restart",
						   NULL };
	bool known = false;
	for (int i = 0; per_program[i]; i++) known |= !strcmp(key, per_program[i]);
	if (!known)
		return fail(p, "unknown keyword '%.40s' (program, native, args, env, allow, deny, handles, dir, "
			       "listen, fuel-slice, max-memory, max-message, max-queue, max-outstanding, "
			       "essential, restart)", key);
	if (!g) return fail(p, "%s belongs to a program: put it after a 'program NAME SOURCE' line", key);
	if (!strcmp(key, "args")) {
		for (int i = 0; i < n; i++)
			if (push_str(p, &g->argv, &g->argc, w[i])) return -1;
		return 0;
	}
	if (!strcmp(key, "env")) {
		for (int i = 0; i < n; i++) {
			if (w[i][0] == '=' || !strchr(w[i], '=')) return fail(p, "env wants KEY=VALUE, not '%.40s'", w[i]);
			if (push_str(p, &g->env, &g->nenv, w[i])) return -1;
		}
		return n ? 0 : fail(p, "env wants KEY=VALUE words");
	}
	if (!strcmp(key, "allow")) return push_ids(p, &g->allow, w, n);
	if (!strcmp(key, "deny")) return push_ids(p, &g->deny, w, n);
	if (!strcmp(key, "handles")) return push_ids(p, &g->handles, w, n);
	if (!strcmp(key, "dir")) return dir_line(p, g, w, n);
	if (!strcmp(key, "listen")) {
		if (!n) return fail(p, "listen wants addresses like 127.0.0.1:7000");
		for (int i = 0; i < n; i++)
			if (push_str(p, &g->listens, &g->nlistens, w[i])) return -1;
		g->listens_line = p->line;
		return 0;
	}
	if (!strcmp(key, "essential")) return flag_line(p, key, &g->essential, n);
	if (!strcmp(key, "restart")) return flag_line(p, key, &g->restart, n);
	return limit_line(p, &g->limits, key, w, n);
}

/* What needs the whole file: an interface is native or programs', never both.  (Two
 * programs may hold the right to handle one interface: the first to register handles
 * it, the other may take over, or pass the right on.) */
static int check_whole(parser *p)
{
	hosted_system *sys = p->sys;
	if (!sys->nprogs) {
		p->line = 1;
		return fail(p, "no programs (a system file needs a 'program NAME SOURCE' line)");
	}
	for (uint32_t i = 0; i < sys->nprogs; i++) {
		hosted_system_program *g = &sys->progs[i];
		if (g->essential && g->restart) {
			p->line = g->line;
			return fail(p, "program %s is essential and restart at once: choose one", g->name);
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

int hosted_system_parse(const char *file, const char *text, size_t len, hosted_system *sys, char *err,
			size_t errlen)
{
	parser p = { .file = file, .err = err, .errlen = errlen, .sys = sys };
	memset(sys, 0, sizeof *sys);
	if (errlen) err[0] = 0;
	char *copy = malloc(len + 1);
	const char *slash = strrchr(file, '/');
	p.dir = slash ? strndup(file, (size_t)(slash - file) + (slash == file)) : strdup("");
	sys->file = strdup(file);
	char **words = malloc(MAX_WORDS * sizeof *words);
	if (!copy || !p.dir || !sys->file || !words) {
		oom(&p);
		goto out;
	}
	memcpy(copy, text, len);
	copy[len] = 0;
	char *s = copy;
	for (p.line = 1; s <= copy + len && !p.failed; p.line++) {
		char *nl = memchr(s, '\n', (size_t)(copy + len - s));
		char *end = nl ? nl : copy + len;
		if (memchr(s, 0, (size_t)(end - s))) {
			fail(&p, "a NUL byte: this is not a text file");
			break;
		}
		*end = 0;
		int n = split(&p, s, words);
		if (n > 0) line_words(&p, words, n);
		if (!nl) break;
		s = nl + 1;
	}
	if (!p.failed) check_whole(&p);
out:
	free(words);
	free(copy);
	free(p.dir);
	if (p.failed) {
		hosted_system_free(sys);
		return -1;
	}
	return 0;
}

int hosted_system_load(const char *path, hosted_system *sys, char *err, size_t errlen)
{
	uint8_t *text;
	size_t len;
	memset(sys, 0, sizeof *sys);
	if (hosted_file_read(path, &text, &len) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	int rc = hosted_system_parse(path, (const char *)text, len, sys, err, errlen);
	free(text);
	return rc;
}

void hosted_system_free(hosted_system *sys)
{
	for (uint32_t i = 0; i < sys->nprogs; i++) {
		hosted_system_program *g = &sys->progs[i];
		free(g->name);
		free(g->source);
		free(g->path);
		free_strs(g->argv, g->argc);
		free_strs(g->env, g->nenv);
		free_ids(&g->allow);
		free_ids(&g->deny);
		free_ids(&g->handles);
		for (uint32_t j = 0; j < g->ndirs; j++) {
			free(g->dirs[j].guest);
			free(g->dirs[j].host);
		}
		free(g->dirs);
		free_strs(g->listens, g->nlistens);
	}
	free(sys->progs);
	free_ids(&sys->natives);
	free(sys->file);
	memset(sys, 0, sizeof *sys);
}
