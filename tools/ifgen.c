/* ifgen.c: the interface generator.  Reads interface definitions (interfaces/NAME.ifc)
 * and writes the C that names them and encodes and decodes their messages; the format,
 * the wire encoding and the generated API are in docs/interfaces.md.
 *
 *   ifgen OUTDIR FILE.ifc...     OUTDIR/ifc_NAME.h and .c per interface, ifc_wire.h
 *                                (the byte readers and writers) and ifc_all.h and .c
 *                                (a table of every interface: name, id, canonical text)
 *   ifgen --list FILE.ifc...     one line per interface: its name and its id in hex
 *   ifgen --canonical FILE.ifc...  the canonical text of each (what its id hashes)
 *
 * Every file is read and checked before anything is written, so a bad definition
 * (reported as "file:line: reason", exit status 1) leaves OUTDIR as it was.  The last
 * file written is ifc_all.h, which make uses as the stamp of the whole set.
 *
 * This is a hosted build tool: it uses libc and exits at the first error.  What it
 * writes is freestanding C (stdint.h, stddef.h, stdbool.h and nothing else), because
 * the kernel and the Wasm programs both compile it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sha256.h"

#define MAX_NAME 48        /* characters in an interface, message or field name */
#define MAX_MESSAGES 256   /* the tag is a u8 */
#define MAX_FIELDS 32      /* in one message or one answer */

/* ---- field types --------------------------------------------------------------------- */

enum { T_U8, T_U16, T_U32, T_U64, T_I32, T_I64, T_BOOL, T_BYTES, T_STRING, T_ID, T_COUNT };

/* size: bytes on the wire for the fixed-width types; 0 for bytes and string (a u32
 * length, then the bytes); the id's 32. */
static const struct {
	const char *name;
	unsigned size;
	const char *ctype;
} types[T_COUNT] = {
	[T_U8] = { "u8", 1, "uint8_t" },       [T_U16] = { "u16", 2, "uint16_t" },
	[T_U32] = { "u32", 4, "uint32_t" },    [T_U64] = { "u64", 8, "uint64_t" },
	[T_I32] = { "i32", 4, "int32_t" },     [T_I64] = { "i64", 8, "int64_t" },
	[T_BOOL] = { "bool", 1, "bool" },      [T_BYTES] = { "bytes", 0, NULL },
	[T_STRING] = { "string", 0, NULL },    [T_ID] = { "id", 32, NULL },
};

static bool is_integer(int t)
{
	return t <= T_I64;
}

/* Field names become struct members, so they may be neither C keywords nor names
 * that common headers define as macros. */
static const char *const reserved_fields[] = {
	"auto", "break", "case", "char", "const", "continue", "default", "do", "double",
	"else", "enum", "extern", "float", "for", "goto", "if", "inline", "int", "long",
	"register", "restrict", "return", "short", "signed", "sizeof", "static", "struct",
	"switch", "typedef", "union", "unsigned", "void", "volatile", "while", "bool",
	"true", "false", "errno", "stdin", "stdout", "stderr", "assert", "offsetof",
	"linux", "unix", "i386", NULL,
};

/* ---- the parsed definitions ---------------------------------------------------------- */

typedef struct field {
	char name[MAX_NAME + 1];
	int type;
	int line;
} field;

typedef struct message {
	char name[MAX_NAME + 1];
	int line;
	field in[MAX_FIELDS], out[MAX_FIELDS];
	int nin, nout;
} message;

typedef struct iface {
	const char *path;
	char name[MAX_NAME + 1];   /* as written: "system-time" */
	char cname[MAX_NAME + 1];  /* in C names: "system_time" */
	int line;
	message *msgs;
	int nmsgs;
	char *canon;               /* the canonical text, NUL-terminated */
	size_t canon_len;
	uint8_t id[WOS_SHA256_SIZE];
} iface;

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p) {
		fprintf(stderr, "ifgen: out of memory\n");
		exit(1);
	}
	return p;
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p) {
		fprintf(stderr, "ifgen: out of memory\n");
		exit(1);
	}
	return p;
}

/* Reports a definition error as "path:line: reason" and exits 1. */
static void __attribute__((noreturn, format(printf, 3, 4)))
fail(const char *path, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s:%d: ", path, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* ---- lexer --------------------------------------------------------------------------- */

enum { TK_EOF, TK_WORD, TK_LPAREN, TK_RPAREN, TK_COMMA, TK_COLON, TK_ARROW };

typedef struct token {
	int kind;
	const char *s;  /* TK_WORD: the word, n bytes, not NUL-terminated */
	size_t n;
	int line;
} token;

typedef struct lexer {
	const char *path;
	const char *p, *end;
	int line;
} lexer;

static bool word_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

static token lex(lexer *lx)
{
	token t = { TK_EOF, NULL, 0, 0 };

	for (;;) {
		if (lx->p == lx->end)
			break;
		if (*lx->p == '\n') {
			lx->line++;
			lx->p++;
		} else if (*lx->p == ' ' || *lx->p == '\t' || *lx->p == '\r') {
			lx->p++;
		} else if (*lx->p == '#') {
			while (lx->p < lx->end && *lx->p != '\n')
				lx->p++;
		} else {
			break;
		}
	}
	t.line = lx->line;
	if (lx->p == lx->end)
		return t;
	t.s = lx->p;
	switch (*lx->p) {
	case '(': t.kind = TK_LPAREN; lx->p++; return t;
	case ')': t.kind = TK_RPAREN; lx->p++; return t;
	case ',': t.kind = TK_COMMA; lx->p++; return t;
	case ':': t.kind = TK_COLON; lx->p++; return t;
	case '-':
		if (lx->end - lx->p >= 2 && lx->p[1] == '>') {
			t.kind = TK_ARROW;
			lx->p += 2;
			return t;
		}
		break;
	}
	if (!word_char(*lx->p)) {
		unsigned char c = (unsigned char)*lx->p;

		if (c > ' ' && c < 127)
			fail(lx->path, t.line, "unexpected character '%c'", c);
		fail(lx->path, t.line, "unexpected byte 0x%02x", c);
	}
	/* A '-' joins a word only between word characters, so "x->" is "x" then "->". */
	while (lx->p < lx->end &&
	       (word_char(*lx->p) ||
		(*lx->p == '-' && lx->end - lx->p >= 2 && word_char(lx->p[1]))))
		lx->p++;
	t.kind = TK_WORD;
	t.n = (size_t)(lx->p - t.s);
	return t;
}

static const char *token_text(const token *t)
{
	switch (t->kind) {
	case TK_EOF: return "the end of the file";
	case TK_LPAREN: return "'('";
	case TK_RPAREN: return "')'";
	case TK_COMMA: return "','";
	case TK_COLON: return "':'";
	case TK_ARROW: return "'->'";
	}
	return "a name";
}

static bool word_is(const token *t, const char *w)
{
	return t->kind == TK_WORD && t->n == strlen(w) && memcmp(t->s, w, t->n) == 0;
}

/* ---- parser -------------------------------------------------------------------------- */

/* Copies the word t into out after checking it against the name rule: a lower-case
 * letter, then lower-case letters, digits and `sep` ('-' for interfaces, '_' for
 * messages and fields), not ending in `sep` nor doubling it. */
static void take_name(lexer *lx, const token *t, char sep, const char *what, char *out)
{
	size_t i;
	bool ok = t->kind == TK_WORD && t->n > 0 && t->s[0] >= 'a' && t->s[0] <= 'z' &&
		  t->s[t->n - 1] != sep;

	for (i = 0; ok && i < t->n; i++) {
		char c = t->s[i];

		ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		     (c == sep && t->s[i + 1] != sep);
	}
	if (t->kind != TK_WORD)
		fail(lx->path, t->line, "expected a %s name, found %s", what, token_text(t));
	if (!ok)
		fail(lx->path, t->line,
		     "bad %s name '%.*s': use a-z, 0-9 and single '%c', starting with a letter",
		     what, (int)t->n, t->s, sep);
	if (t->n > MAX_NAME)
		fail(lx->path, t->line, "%s name '%.*s' is longer than %d characters", what,
		     (int)t->n, t->s, MAX_NAME);
	memcpy(out, t->s, t->n);
	out[t->n] = 0;
}

static void expect(lexer *lx, int kind, const char *context)
{
	token t = lex(lx);

	if (t.kind != kind) {
		token want = { kind, NULL, 0, 0 };

		fail(lx->path, t.line, "expected %s %s, found %s", token_text(&want), context,
		     token_text(&t));
	}
}

/* Parses "(f1: t1, f2: t2)" after its '(' into fields; `what` is "message" or "answer". */
static int parse_fields(lexer *lx, field *fields, const char *msg, const char *what)
{
	int n = 0;
	token t = lex(lx);

	if (t.kind == TK_RPAREN)
		return 0;
	for (;;) {
		field *f;
		int ty, i;

		if (n == MAX_FIELDS)
			fail(lx->path, t.line, "%s of '%s' has more than %d fields", what, msg,
			     MAX_FIELDS);
		f = &fields[n];
		take_name(lx, &t, '_', "field", f->name);
		f->line = t.line;
		for (i = 0; reserved_fields[i]; i++)
			if (strcmp(f->name, reserved_fields[i]) == 0)
				fail(lx->path, t.line,
				     "field name '%s' is reserved in C (a keyword or a libc macro)",
				     f->name);
		expect(lx, TK_COLON, "after a field name");
		t = lex(lx);
		for (ty = 0; ty < T_COUNT; ty++)
			if (word_is(&t, types[ty].name))
				break;
		if (ty == T_COUNT)
			fail(lx->path, t.line,
			     "unknown type '%.*s' (types: u8 u16 u32 u64 i32 i64 bool bytes string id)",
			     (int)(t.kind == TK_WORD ? t.n : 1), t.s ? t.s : "?");
		f->type = ty;
		/* A bytes field F also makes the member F_len: both must be unique. */
		for (i = 0; i < n; i++) {
			size_t len = strlen(fields[i].name);
			bool var_i = fields[i].type == T_BYTES || fields[i].type == T_STRING;
			bool var_f = ty == T_BYTES || ty == T_STRING;

			if (strcmp(fields[i].name, f->name) == 0)
				fail(lx->path, f->line, "duplicate field '%s' in the %s of '%s'",
				     f->name, what, msg);
			if (var_i && strncmp(f->name, fields[i].name, len) == 0 &&
			    strcmp(f->name + len, "_len") == 0)
				fail(lx->path, f->line,
				     "field '%s' clashes with the length member of '%s'", f->name,
				     fields[i].name);
			len = strlen(f->name);
			if (var_f && strncmp(fields[i].name, f->name, len) == 0 &&
			    strcmp(fields[i].name + len, "_len") == 0)
				fail(lx->path, f->line,
				     "the length member of '%s' clashes with field '%s'", f->name,
				     fields[i].name);
		}
		n++;
		t = lex(lx);
		if (t.kind == TK_RPAREN)
			return n;
		if (t.kind != TK_COMMA)
			fail(lx->path, t.line, "expected ',' or ')' after a field, found %s",
			     token_text(&t));
		t = lex(lx);
	}
}

static void append(char **buf, size_t *len, size_t *cap, const char *s)
{
	size_t n = strlen(s);

	if (*len + n + 1 > *cap) {
		*cap = (*len + n + 1) * 2;
		*buf = xrealloc(*buf, *cap);
	}
	memcpy(*buf + *len, s, n + 1);
	*len += n;
}

static void canon_fields(char **buf, size_t *len, size_t *cap, const field *f, int n)
{
	int i;

	append(buf, len, cap, "(");
	for (i = 0; i < n; i++) {
		if (i)
			append(buf, len, cap, ",");
		append(buf, len, cap, f[i].name);
		append(buf, len, cap, ":");
		append(buf, len, cap, types[f[i].type].name);
	}
	append(buf, len, cap, ")");
}

/* The canonical text: "interface NAME\n", then "message NAME(f:t,...)->(r:t,...)\n" for
 * each message in file order.  Its SHA-256 is the interface id. */
static void make_canonical(iface *ifc)
{
	size_t len = 0, cap = 0;
	char *buf = NULL;
	int i;

	append(&buf, &len, &cap, "interface ");
	append(&buf, &len, &cap, ifc->name);
	append(&buf, &len, &cap, "\n");
	for (i = 0; i < ifc->nmsgs; i++) {
		append(&buf, &len, &cap, "message ");
		append(&buf, &len, &cap, ifc->msgs[i].name);
		canon_fields(&buf, &len, &cap, ifc->msgs[i].in, ifc->msgs[i].nin);
		append(&buf, &len, &cap, "->");
		canon_fields(&buf, &len, &cap, ifc->msgs[i].out, ifc->msgs[i].nout);
		append(&buf, &len, &cap, "\n");
	}
	ifc->canon = buf;
	ifc->canon_len = len;
	wos_sha256(buf, len, ifc->id);
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0, cap = 0, got;

	if (!f) {
		fprintf(stderr, "%s: cannot read: %s\n", path, strerror(errno));
		exit(1);
	}
	do {
		if (cap - n < 4096) {
			cap = cap * 2 + 4096;
			buf = xrealloc(buf, cap);
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
	} while (got > 0);
	if (ferror(f)) {
		fprintf(stderr, "%s: cannot read: %s\n", path, strerror(errno));
		exit(1);
	}
	fclose(f);
	*len = n;
	return buf;
}

/* The file's name without its directories and its ".ifc". */
static void base_name(const char *path, char *out, size_t cap)
{
	const char *b = strrchr(path, '/');
	size_t n;

	b = b ? b + 1 : path;
	n = strlen(b);
	if (n >= 4 && strcmp(b + n - 4, ".ifc") == 0)
		n -= 4;
	if (n >= cap)
		n = cap - 1;
	memcpy(out, b, n);
	out[n] = 0;
}

static void parse_file(const char *path, iface *ifc)
{
	size_t len, i;
	char *text = read_file(path, &len);
	lexer lx = { path, text, text + len, 1 };
	token t = lex(&lx);
	char base[MAX_NAME + 8];

	memset(ifc, 0, sizeof *ifc);
	ifc->path = path;
	if (!word_is(&t, "interface"))
		fail(path, t.line, "expected 'interface NAME' first, found %s", token_text(&t));
	t = lex(&lx);
	take_name(&lx, &t, '-', "interface", ifc->name);
	ifc->line = t.line;
	if (strcmp(ifc->name, "all") == 0 || strcmp(ifc->name, "wire") == 0 ||
	    strncmp(ifc->name, "all-", 4) == 0 || strncmp(ifc->name, "wire-", 5) == 0)
		fail(path, t.line, "interface name '%s' is reserved (ifc_all and ifc_wire are generated)",
		     ifc->name);
	base_name(path, base, sizeof base);
	if (strcmp(base, ifc->name) != 0)
		fail(path, t.line, "interface '%s' must be defined in a file named %s.ifc",
		     ifc->name, ifc->name);
	for (i = 0; ifc->name[i]; i++)
		ifc->cname[i] = ifc->name[i] == '-' ? '_' : ifc->name[i];

	for (t = lex(&lx); t.kind != TK_EOF; t = lex(&lx)) {
		message *m;
		int j;

		if (word_is(&t, "interface"))
			fail(path, t.line, "a second 'interface' line: one interface per file");
		if (!word_is(&t, "message"))
			fail(path, t.line, "expected 'message', found %s%s%.*s%s", token_text(&t),
			     t.kind == TK_WORD ? " '" : "", (int)(t.kind == TK_WORD ? t.n : 0),
			     t.kind == TK_WORD ? t.s : "", t.kind == TK_WORD ? "'" : "");
		if (ifc->nmsgs == MAX_MESSAGES)
			fail(path, t.line, "more than %d messages (the tag is a u8)", MAX_MESSAGES);
		ifc->msgs = xrealloc(ifc->msgs, (size_t)(ifc->nmsgs + 1) * sizeof *ifc->msgs);
		m = &ifc->msgs[ifc->nmsgs];
		memset(m, 0, sizeof *m);
		t = lex(&lx);
		take_name(&lx, &t, '_', "message", m->name);
		m->line = t.line;
		for (j = 0; j < ifc->nmsgs; j++)
			if (strcmp(ifc->msgs[j].name, m->name) == 0)
				fail(path, t.line, "duplicate message '%s' (first at line %d)", m->name,
				     ifc->msgs[j].line);
		expect(&lx, TK_LPAREN, "after the message name");
		m->nin = parse_fields(&lx, m->in, m->name, "message");
		expect(&lx, TK_ARROW, "after the message's fields");
		expect(&lx, TK_LPAREN, "to open the answer's fields");
		m->nout = parse_fields(&lx, m->out, m->name, "answer");
		ifc->nmsgs++;
	}
	if (ifc->nmsgs == 0)
		fail(path, ifc->line, "interface '%s' has no messages", ifc->name);
	free(text);
	make_canonical(ifc);
}

/* ---- generated names must be unique across all interfaces ------------------------------ */

typedef struct gname {
	char *name;
	const char *path;
	int line;
} gname;

typedef struct names {
	gname *v;
	size_t n, cap;
} names;

static void claim(names *ns, const char *path, int line, const char *fmt, ...)
{
	char buf[3 * MAX_NAME + 32];
	va_list ap;
	size_t i;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	for (i = 0; i < ns->n; i++)
		if (strcmp(ns->v[i].name, buf) == 0)
			fail(path, line, "generated name '%s' is also made by %s:%d", buf,
			     ns->v[i].path, ns->v[i].line);
	if (ns->n == ns->cap) {
		ns->cap = ns->cap * 2 + 64;
		ns->v = xrealloc(ns->v, ns->cap * sizeof *ns->v);
	}
	ns->v[ns->n].name = strdup(buf);
	ns->v[ns->n].path = path;
	ns->v[ns->n].line = line;
	ns->n++;
}

/* "ifc_a" + message "b_c" and "ifc_a_b" + message "c" would both make ifc_a_b_c. */
static void check_names(iface *ifcs, int n)
{
	names ns = { NULL, 0, 0 };
	int i, j;

	for (i = 0; i < n; i++) {
		const char *c = ifcs[i].cname;

		claim(&ns, ifcs[i].path, ifcs[i].line, "ifc_%s", c);
		claim(&ns, ifcs[i].path, ifcs[i].line, "ifc_%s_id", c);
		claim(&ns, ifcs[i].path, ifcs[i].line, "ifc_%s_tag", c);
		for (j = 0; j < ifcs[i].nmsgs; j++) {
			const message *m = &ifcs[i].msgs[j];

			claim(&ns, ifcs[i].path, m->line, "ifc_%s_%s", c, m->name);
			claim(&ns, ifcs[i].path, m->line, "ifc_%s_%s_encode", c, m->name);
			claim(&ns, ifcs[i].path, m->line, "ifc_%s_%s_decode", c, m->name);
			claim(&ns, ifcs[i].path, m->line, "ifc_%s_%s_answer", c, m->name);
			claim(&ns, ifcs[i].path, m->line, "ifc_%s_%s_answer_encode", c, m->name);
			claim(&ns, ifcs[i].path, m->line, "ifc_%s_%s_answer_decode", c, m->name);
		}
	}
	for (i = 0; i < (int)ns.n; i++)
		free(ns.v[i].name);
	free(ns.v);
}

/* ---- writing ------------------------------------------------------------------------- */

static FILE *create(const char *dir, const char *name, char *path, size_t cap)
{
	FILE *f;

	snprintf(path, cap, "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "%s: cannot write: %s\n", path, strerror(errno));
		exit(1);
	}
	return f;
}

static void finish(FILE *f, const char *path)
{
	if (ferror(f) || fclose(f) != 0) {
		fprintf(stderr, "%s: cannot write: %s\n", path, strerror(errno));
		exit(1);
	}
}

static void upper(const char *s, char *out)
{
	for (; *s; s++)
		*out++ = (*s >= 'a' && *s <= 'z') ? (char)(*s - 'a' + 'A') : *s;
	*out = 0;
}

static void write_signature_comment(FILE *f, const message *m)
{
	int i;

	fprintf(f, "/* %s(", m->name);
	for (i = 0; i < m->nin; i++)
		fprintf(f, "%s%s: %s", i ? ", " : "", m->in[i].name, types[m->in[i].type].name);
	fprintf(f, ") -> (");
	for (i = 0; i < m->nout; i++)
		fprintf(f, "%s%s: %s", i ? ", " : "", m->out[i].name, types[m->out[i].type].name);
	fprintf(f, ") */\n");
}

static void write_struct(FILE *f, const char *sname, const field *fs, int n)
{
	int i;

	fprintf(f, "typedef struct %s {\n", sname);
	if (n == 0)
		fprintf(f, "\tuint8_t unused;  /* no fields; C has no empty structs */\n");
	for (i = 0; i < n; i++) {
		const field *fl = &fs[i];

		if (fl->type == T_BYTES || fl->type == T_STRING)
			fprintf(f, "\tconst uint8_t *%s;\n\tuint32_t %s_len;\n", fl->name, fl->name);
		else if (fl->type == T_ID)
			fprintf(f, "\tuint8_t %s[32];\n", fl->name);
		else
			fprintf(f, "\t%s %s;\n", types[fl->type].ctype, fl->name);
	}
	fprintf(f, "} %s;\n", sname);
}

static void write_header(const char *dir, const iface *ifc)
{
	char path[4096], file[MAX_NAME + 16], guard[MAX_NAME + 32], up[MAX_NAME + 1];
	const char *c = ifc->cname, *p;
	FILE *f;
	int i;

	snprintf(file, sizeof file, "ifc_%s.h", c);
	f = create(dir, file, path, sizeof path);
	upper(c, up);
	snprintf(guard, sizeof guard, "WASMOS_IFC_%s_H", up);
	fprintf(f, "/* ifc_%s.h: the %s interface, generated by tools/ifgen from %s.\n", c,
		ifc->name, ifc->path);
	fprintf(f, " * Do not edit; docs/interfaces.md describes the format and this API.\n *\n");
	fprintf(f, " * The canonical text, whose SHA-256 is ifc_%s_id:\n", c);
	for (p = ifc->canon; *p; p = strchr(p, '\n') + 1)
		fprintf(f, " *   %.*s\n", (int)(strchr(p, '\n') - p), p);
	fprintf(f, " *\n"
		   " * Each _encode returns the body's size and writes it to buf only when it fits\n"
		   " * in cap (UINT32_MAX: too large to encode, nothing written).  Each _decode\n"
		   " * returns 0, or -1 for a body that is not exactly one valid encoding (wrong\n"
		   " * tag, truncated, trailing bytes, a length past the end, a bool not 0 or 1,\n"
		   " * a NUL in a string); it never reads outside buf[0..len).  Decoded bytes and\n"
		   " * string fields point into buf, which must outlive them.  On -1, *out holds\n"
		   " * nothing useful.\n"
		   " */\n");
	fprintf(f, "#ifndef %s\n#define %s\n\n", guard, guard);
	fprintf(f, "#include <stdbool.h>\n#include <stddef.h>\n#include <stdint.h>\n\n");
	fprintf(f, "extern const uint8_t ifc_%s_id[32];\n\n", c);
	fprintf(f, "/* Tags: the first byte of a message body. */\n");
	for (i = 0; i < ifc->nmsgs; i++) {
		char mu[MAX_NAME + 1];

		upper(ifc->msgs[i].name, mu);
		fprintf(f, "#define IFC_%s_%s %d\n", up, mu, i);
	}
	fprintf(f, "\n/* The tag of the message in buf, or -1 when it is empty or the tag is unknown. */\n");
	fprintf(f, "int ifc_%s_tag(const uint8_t *buf, uint32_t len);\n", c);
	for (i = 0; i < ifc->nmsgs; i++) {
		const message *m = &ifc->msgs[i];
		char sname[2 * MAX_NAME + 16];

		fprintf(f, "\n");
		write_signature_comment(f, m);
		snprintf(sname, sizeof sname, "ifc_%s_%s", c, m->name);
		write_struct(f, sname, m->in, m->nin);
		fprintf(f, "uint32_t %s_encode(const %s *m, uint8_t *buf, uint32_t cap);\n", sname, sname);
		fprintf(f, "int %s_decode(const uint8_t *buf, uint32_t len, %s *out);\n", sname, sname);
		snprintf(sname, sizeof sname, "ifc_%s_%s_answer", c, m->name);
		write_struct(f, sname, m->out, m->nout);
		fprintf(f, "uint32_t %s_encode(const %s *m, uint8_t *buf, uint32_t cap);\n", sname, sname);
		fprintf(f, "int %s_decode(const uint8_t *buf, uint32_t len, %s *out);\n", sname, sname);
	}
	fprintf(f, "\n#endif\n");
	finish(f, path);
}

/* One encoder: the size first (in 64 bits, so lengths cannot wrap it), then the
 * fields.  tag NULL: an answer, which has no tag byte. */
static void write_encode(FILE *f, const char *sname, const char *tag, const field *fs, int n)
{
	unsigned fixed = tag ? 1 : 0;
	bool var = false;
	int i;

	for (i = 0; i < n; i++) {
		fixed += types[fs[i].type].size ? types[fs[i].type].size : 4;
		var |= fs[i].type == T_BYTES || fs[i].type == T_STRING;
	}
	fprintf(f, "\nuint32_t %s_encode(const %s *m, uint8_t *buf, uint32_t cap)\n{\n", sname, sname);
	if (fixed == 0) {
		fprintf(f, "\t(void)m;\n\t(void)buf;\n\t(void)cap;\n\treturn 0;\n}\n");
		return;
	}
	fprintf(f, "\tuint64_t size = %u", fixed);
	for (i = 0; i < n; i++)
		if (fs[i].type == T_BYTES || fs[i].type == T_STRING)
			fprintf(f, " + (uint64_t)m->%s_len", fs[i].name);
	fprintf(f, ";\n\tuint8_t *p = buf;\n\n");
	if (n == 0)
		fprintf(f, "\t(void)m;\n");
	if (var)
		fprintf(f, "\tif (size >= UINT32_MAX)\n\t\treturn UINT32_MAX;\n");
	fprintf(f, "\tif (size > cap)\n\t\treturn (uint32_t)size;\n");
	if (tag)
		fprintf(f, "\tp = ifc_wire_put_uint(p, 1, %s);\n", tag);
	for (i = 0; i < n; i++) {
		const field *fl = &fs[i];

		switch (fl->type) {
		case T_BYTES:
		case T_STRING:
			fprintf(f, "\tp = ifc_wire_put_bytes(p, m->%s, m->%s_len);\n", fl->name, fl->name);
			break;
		case T_ID:
			fprintf(f, "\tp = ifc_wire_put_raw(p, m->%s, 32);\n", fl->name);
			break;
		case T_BOOL:
			fprintf(f, "\tp = ifc_wire_put_uint(p, 1, m->%s ? 1 : 0);\n", fl->name);
			break;
		default:
			fprintf(f, "\tp = ifc_wire_put_uint(p, %u, (uint64_t)%sm->%s);\n",
				types[fl->type].size,
				fl->type == T_I32 ? "(uint32_t)" : fl->type == T_I64 ? "" : "",
				fl->name);
		}
	}
	fprintf(f, "\treturn (uint32_t)size;\n}\n");
}

static void write_decode(FILE *f, const char *sname, const char *tag, const field *fs, int n)
{
	bool need_v = tag != NULL;
	int i;

	for (i = 0; i < n; i++)
		need_v |= is_integer(fs[i].type);
	fprintf(f, "\nint %s_decode(const uint8_t *buf, uint32_t len, %s *out)\n{\n", sname, sname);
	fprintf(f, "\tifc_wire_rd r = { buf, len };\n");
	if (need_v)
		fprintf(f, "\tuint64_t v;\n");
	fprintf(f, "\n");
	if (n == 0)
		fprintf(f, "\t(void)out;\n");
	if (tag)
		fprintf(f, "\tif (ifc_wire_get_uint(&r, 1, &v) || v != %s)\n\t\treturn -1;\n", tag);
	for (i = 0; i < n; i++) {
		const field *fl = &fs[i];

		switch (fl->type) {
		case T_BYTES:
			fprintf(f, "\tif (ifc_wire_get_bytes(&r, &out->%s, &out->%s_len))\n", fl->name,
				fl->name);
			break;
		case T_STRING:
			fprintf(f, "\tif (ifc_wire_get_string(&r, &out->%s, &out->%s_len))\n", fl->name,
				fl->name);
			break;
		case T_ID:
			fprintf(f, "\tif (ifc_wire_get_raw(&r, out->%s, 32))\n", fl->name);
			break;
		case T_BOOL:
			fprintf(f, "\tif (ifc_wire_get_bool(&r, &out->%s))\n", fl->name);
			break;
		default:
			fprintf(f, "\tif (ifc_wire_get_uint(&r, %u, &v))\n\t\treturn -1;\n",
				types[fl->type].size);
			fprintf(f, "\tout->%s = (%s)v;\n", fl->name, types[fl->type].ctype);
			continue;
		}
		fprintf(f, "\t\treturn -1;\n");
	}
	fprintf(f, "\treturn r.left == 0 ? 0 : -1;\n}\n");
}

static void write_id(FILE *f, const uint8_t id[32])
{
	int i;

	for (i = 0; i < 32; i++)
		fprintf(f, "%s0x%02x,%s", i % 8 ? " " : "\t", id[i], i % 8 == 7 ? "\n" : "");
}

static void write_source(const char *dir, const iface *ifc)
{
	char path[4096], file[MAX_NAME + 16], up[MAX_NAME + 1];
	const char *c = ifc->cname;
	FILE *f;
	int i;

	snprintf(file, sizeof file, "ifc_%s.c", c);
	f = create(dir, file, path, sizeof path);
	upper(c, up);
	fprintf(f, "/* ifc_%s.c: the %s interface, generated by tools/ifgen from %s.  Do not edit. */\n",
		c, ifc->name, ifc->path);
	fprintf(f, "#include \"ifc_%s.h\"\n#include \"ifc_wire.h\"\n\n", c);
	fprintf(f, "const uint8_t ifc_%s_id[32] = {\n", c);
	write_id(f, ifc->id);
	fprintf(f, "};\n\n");
	fprintf(f, "int ifc_%s_tag(const uint8_t *buf, uint32_t len)\n{\n", c);
	if (ifc->nmsgs < 256)
		fprintf(f, "\treturn len >= 1 && buf[0] < %d ? buf[0] : -1;\n}\n", ifc->nmsgs);
	else
		fprintf(f, "\treturn len >= 1 ? buf[0] : -1;\n}\n");
	for (i = 0; i < ifc->nmsgs; i++) {
		const message *m = &ifc->msgs[i];
		char sname[2 * MAX_NAME + 16], tag[2 * MAX_NAME + 16], mu[MAX_NAME + 1];

		upper(m->name, mu);
		snprintf(tag, sizeof tag, "IFC_%s_%s", up, mu);
		snprintf(sname, sizeof sname, "ifc_%s_%s", c, m->name);
		write_encode(f, sname, tag, m->in, m->nin);
		write_decode(f, sname, tag, m->in, m->nin);
		snprintf(sname, sizeof sname, "ifc_%s_%s_answer", c, m->name);
		write_encode(f, sname, NULL, m->out, m->nout);
		write_decode(f, sname, NULL, m->out, m->nout);
	}
	finish(f, path);
}

static const char wire_h[] =
	"/* ifc_wire.h: the byte readers and writers behind the generated encoders and\n"
	" * decoders.  Generated by tools/ifgen; included only by the generated ifc_*.c.\n"
	" * Freestanding (byte loops, no libc); little-endian on the wire on any host.\n"
	" */\n"
	"#ifndef WASMOS_IFC_WIRE_H\n"
	"#define WASMOS_IFC_WIRE_H\n"
	"\n"
	"#include <stdbool.h>\n"
	"#include <stddef.h>\n"
	"#include <stdint.h>\n"
	"\n"
	"/* A reader over a borrowed body.  Every get first checks that the bytes it needs\n"
	" * remain (comparing with `left`, never adding to the position, which could wrap),\n"
	" * so a decoder reads only inside the body, whatever the body says. */\n"
	"typedef struct ifc_wire_rd {\n"
	"\tconst uint8_t *p;\n"
	"\tuint32_t left;\n"
	"} ifc_wire_rd;\n"
	"\n"
	"/* An unsigned little-endian integer of size (1..8) bytes. */\n"
	"static inline int ifc_wire_get_uint(ifc_wire_rd *r, uint32_t size, uint64_t *v)\n"
	"{\n"
	"\tuint64_t x = 0;\n"
	"\tuint32_t i;\n"
	"\n"
	"\tif (r->left < size)\n"
	"\t\treturn -1;\n"
	"\tfor (i = 0; i < size; i++)\n"
	"\t\tx |= (uint64_t)r->p[i] << (8 * i);\n"
	"\tr->p += size;\n"
	"\tr->left -= size;\n"
	"\t*v = x;\n"
	"\treturn 0;\n"
	"}\n"
	"\n"
	"static inline int ifc_wire_get_bool(ifc_wire_rd *r, bool *v)\n"
	"{\n"
	"\tuint64_t x;\n"
	"\n"
	"\tif (ifc_wire_get_uint(r, 1, &x) || x > 1)\n"
	"\t\treturn -1;\n"
	"\t*v = x == 1;\n"
	"\treturn 0;\n"
	"}\n"
	"\n"
	"/* n bytes copied out (an id). */\n"
	"static inline int ifc_wire_get_raw(ifc_wire_rd *r, uint8_t *dst, uint32_t n)\n"
	"{\n"
	"\tuint32_t i;\n"
	"\n"
	"\tif (r->left < n)\n"
	"\t\treturn -1;\n"
	"\tfor (i = 0; i < n; i++)\n"
	"\t\tdst[i] = r->p[i];\n"
	"\tr->p += n;\n"
	"\tr->left -= n;\n"
	"\treturn 0;\n"
	"}\n"
	"\n"
	"/* A u32 length, then that many bytes, borrowed in place. */\n"
	"static inline int ifc_wire_get_bytes(ifc_wire_rd *r, const uint8_t **v, uint32_t *n)\n"
	"{\n"
	"\tuint64_t len;\n"
	"\n"
	"\tif (ifc_wire_get_uint(r, 4, &len) || len > r->left)\n"
	"\t\treturn -1;\n"
	"\t*v = r->p;\n"
	"\t*n = (uint32_t)len;\n"
	"\tr->p += len;\n"
	"\tr->left -= (uint32_t)len;\n"
	"\treturn 0;\n"
	"}\n"
	"\n"
	"/* As bytes, and without a NUL, so a handler may turn it into a C string. */\n"
	"static inline int ifc_wire_get_string(ifc_wire_rd *r, const uint8_t **v, uint32_t *n)\n"
	"{\n"
	"\tuint32_t i;\n"
	"\n"
	"\tif (ifc_wire_get_bytes(r, v, n))\n"
	"\t\treturn -1;\n"
	"\tfor (i = 0; i < *n; i++)\n"
	"\t\tif ((*v)[i] == 0)\n"
	"\t\t\treturn -1;\n"
	"\treturn 0;\n"
	"}\n"
	"\n"
	"/* Writers: the encoder has checked the size, so they only store.  Each returns the\n"
	" * position after what it wrote. */\n"
	"static inline uint8_t *ifc_wire_put_uint(uint8_t *p, uint32_t size, uint64_t v)\n"
	"{\n"
	"\tuint32_t i;\n"
	"\n"
	"\tfor (i = 0; i < size; i++)\n"
	"\t\tp[i] = (uint8_t)(v >> (8 * i));\n"
	"\treturn p + size;\n"
	"}\n"
	"\n"
	"static inline uint8_t *ifc_wire_put_raw(uint8_t *p, const uint8_t *s, uint32_t n)\n"
	"{\n"
	"\tuint32_t i;\n"
	"\n"
	"\tfor (i = 0; i < n; i++)\n"
	"\t\tp[i] = s[i];\n"
	"\treturn p + n;\n"
	"}\n"
	"\n"
	"static inline uint8_t *ifc_wire_put_bytes(uint8_t *p, const uint8_t *s, uint32_t n)\n"
	"{\n"
	"\treturn ifc_wire_put_raw(ifc_wire_put_uint(p, 4, n), s, n);\n"
	"}\n"
	"\n"
	"#endif\n";

static void write_wire(const char *dir)
{
	char path[4096];
	FILE *f = create(dir, "ifc_wire.h", path, sizeof path);

	fputs(wire_h, f);
	finish(f, path);
}

static void write_c_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '\n')
			fputs(*(s + 1) ? "\\n\"\n\t\t\"" : "\\n", f);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void write_all(const char *dir, const iface *ifcs, int n)
{
	char path[4096];
	FILE *f;
	int i, j;

	f = create(dir, "ifc_all.c", path, sizeof path);
	fprintf(f, "/* ifc_all.c: the table of every interface, generated by tools/ifgen.  Do not edit. */\n");
	fprintf(f, "#include \"ifc_all.h\"\n\n");
	for (i = 0; i < n; i++) {
		fprintf(f, "static const char *const messages_%s[] = {", ifcs[i].cname);
		for (j = 0; j < ifcs[i].nmsgs; j++)
			fprintf(f, "%s\"%s\"", j ? ", " : " ", ifcs[i].msgs[j].name);
		fprintf(f, " };\n");
	}
	fprintf(f, "\nconst ifc_all_info ifc_all[IFC_ALL_COUNT] = {\n");
	for (i = 0; i < n; i++) {
		fprintf(f, "\t{ \"%s\", ifc_%s_id,\n\t\t", ifcs[i].name, ifcs[i].cname);
		write_c_string(f, ifcs[i].canon);
		fprintf(f, ",\n\t\t%zu, messages_%s, %d },\n", ifcs[i].canon_len, ifcs[i].cname,
			ifcs[i].nmsgs);
	}
	fprintf(f, "};\n\n");
	fprintf(f, "const ifc_all_info *ifc_all_by_id(const uint8_t *id)\n{\n"
		   "\tuint32_t i, j;\n\n"
		   "\tfor (i = 0; i < IFC_ALL_COUNT; i++) {\n"
		   "\t\tfor (j = 0; j < 32 && ifc_all[i].id[j] == id[j]; j++)\n"
		   "\t\t\t;\n"
		   "\t\tif (j == 32)\n"
		   "\t\t\treturn &ifc_all[i];\n"
		   "\t}\n"
		   "\treturn NULL;\n}\n\n");
	fprintf(f, "const ifc_all_info *ifc_all_by_name(const char *name, size_t len)\n{\n"
		   "\tuint32_t i;\n\tsize_t j;\n\n"
		   "\tfor (i = 0; i < IFC_ALL_COUNT; i++) {\n"
		   "\t\tconst char *s = ifc_all[i].name;\n\n"
		   "\t\tfor (j = 0; j < len && s[j] && s[j] == name[j]; j++)\n"
		   "\t\t\t;\n"
		   "\t\tif (j == len && !s[j])\n"
		   "\t\t\treturn &ifc_all[i];\n"
		   "\t}\n"
		   "\treturn NULL;\n}\n");
	finish(f, path);

	/* Last: make treats ifc_all.h as the stamp of everything ifgen writes. */
	f = create(dir, "ifc_all.h", path, sizeof path);
	fprintf(f, "/* ifc_all.h: every interface, generated by tools/ifgen.  Do not edit.\n"
		   " *\n"
		   " * Includes every ifc_NAME.h and declares a table of the interfaces, sorted by\n"
		   " * name, for whoever needs to go from a name or an id to the other (the\n"
		   " * command line, the system file, logs).  The table is constant.\n"
		   " */\n"
		   "#ifndef WASMOS_IFC_ALL_H\n#define WASMOS_IFC_ALL_H\n\n"
		   "#include <stddef.h>\n#include <stdint.h>\n\n");
	for (i = 0; i < n; i++)
		fprintf(f, "#include \"ifc_%s.h\"\n", ifcs[i].cname);
	fprintf(f, "\ntypedef struct ifc_all_info {\n"
		   "\tconst char *name;             /* as defined: \"system-time\" */\n"
		   "\tconst uint8_t *id;            /* 32 bytes: the SHA-256 of canonical */\n"
		   "\tconst char *canonical;        /* the canonical text, NUL-terminated */\n"
		   "\tuint32_t canonical_len;\n"
		   "\tconst char *const *messages;  /* message names, indexed by tag */\n"
		   "\tuint32_t nmessages;\n"
		   "} ifc_all_info;\n\n");
	fprintf(f, "#define IFC_ALL_COUNT %d\n", n);
	fprintf(f, "extern const ifc_all_info ifc_all[IFC_ALL_COUNT];\n\n");
	fprintf(f, "/* The interface whose id is the 32 bytes at id, or NULL. */\n"
		   "const ifc_all_info *ifc_all_by_id(const uint8_t *id);\n"
		   "/* The interface named by the len bytes at name (no NUL needed), or NULL. */\n"
		   "const ifc_all_info *ifc_all_by_name(const char *name, size_t len);\n\n"
		   "#endif\n");
	finish(f, path);
}

/* mkdir -p */
static void make_dir(const char *dir)
{
	char buf[4096];
	size_t i, n = strlen(dir);

	if (n >= sizeof buf) {
		fprintf(stderr, "%s: path too long\n", dir);
		exit(1);
	}
	memcpy(buf, dir, n + 1);
	for (i = 1; i <= n; i++) {
		if (buf[i] != '/' && buf[i] != 0)
			continue;
		buf[i] = 0;
		if (mkdir(buf, 0777) != 0 && errno != EEXIST) {
			fprintf(stderr, "%s: cannot create: %s\n", buf, strerror(errno));
			exit(1);
		}
		buf[i] = dir[i];
	}
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const iface *)a)->name, ((const iface *)b)->name);
}

static void usage(void)
{
	fprintf(stderr, "usage: ifgen OUTDIR FILE.ifc...\n"
			"       ifgen --list FILE.ifc...\n"
			"       ifgen --canonical FILE.ifc...\n");
	exit(2);
}

int main(int argc, char **argv)
{
	bool list = argc > 1 && strcmp(argv[1], "--list") == 0;
	bool canonical = argc > 1 && strcmp(argv[1], "--canonical") == 0;
	int n = argc - 2, i, j;
	iface *ifcs;

	if (argc < 3 || (argv[1][0] == '-' && !list && !canonical))
		usage();
	ifcs = xmalloc((size_t)n * sizeof *ifcs);
	for (i = 0; i < n; i++)
		parse_file(argv[i + 2], &ifcs[i]);
	check_names(ifcs, n);
	qsort(ifcs, (size_t)n, sizeof *ifcs, by_name);

	if (list) {
		for (i = 0; i < n; i++) {
			printf("%-14s ", ifcs[i].name);
			for (j = 0; j < 32; j++)
				printf("%02x", ifcs[i].id[j]);
			printf("\n");
		}
	} else if (canonical) {
		for (i = 0; i < n; i++)
			fputs(ifcs[i].canon, stdout);
	} else {
		make_dir(argv[1]);
		write_wire(argv[1]);
		for (i = 0; i < n; i++) {
			write_header(argv[1], &ifcs[i]);
			write_source(argv[1], &ifcs[i]);
		}
		write_all(argv[1], ifcs, n);
	}
	for (i = 0; i < n; i++) {
		free(ifcs[i].msgs);
		free(ifcs[i].canon);
	}
	free(ifcs);
	return fflush(stdout) == 0 ? 0 : 1;
}
