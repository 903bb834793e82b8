/* runner.c: runs the WebAssembly spec tests (wast2json output) against our engine.
 *
 * Usage: spec-runner [-v] [--file NAME] [--no-fork] [--timeout SEC] [--any-trap] PATH...
 * PATH is a JSON file, or a folder holding NAME/NAME.json (as `make spec` lays out
 * build/spec).  Each file runs in a forked child, so an engine crash costs that file
 * only: "NAME: crashed (signal N)", its assertions counted as failed.
 *
 * Per file, all modules live in one eng_store, and one eng_thread (fuel disabled,
 * default limits) runs every call.  Only assert_* commands count; assertions on text
 * modules (module_type "text": .wat that must not parse) are skipped, never passed.
 * A module, register or action command that fails counts as one failure too, so a
 * broken setup cannot hide behind the assertions it makes impossible.  Files named
 * simd_* are not run yet: the engine has no SIMD.
 *
 * The engine's allocator here checks that every free and resize is told the size the
 * block really has (a metal allocator relies on it), and after each file the store
 * and modules are freed and no block may remain.
 */
#include "engine.h"
#include "json.h"
#include "spectest.h"
#include "values.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_VALUES 256 /* arguments or results of one call; the tests use far fewer */
#define DEFAULT_TIMEOUT 300

typedef struct counts {
	long passed, failed, skipped;
} counts;

typedef struct options {
	bool verbose, no_fork, any_trap;
	unsigned timeout;
	const char *only;
} options;

/* ---- the checking allocator -------------------------------------------------------- */

typedef struct alloc_stats {
	size_t bytes, blocks;
} alloc_stats;

/* Each block carries its size in a header, so a wrong old_size is caught at once. */
#define HDR 16

static void *check_alloc(void *ud, void *ptr, size_t old_size, size_t new_size)
{
	alloc_stats *st = ud;
	char *base = ptr ? (char *)ptr - HDR : NULL;
	if (base && *(size_t *)base != old_size) {
		fprintf(stderr, "allocator: block of %zu bytes freed or resized as %zu bytes\n",
			*(size_t *)base, old_size);
		abort();
	}
	if (!base && old_size != 0) {
		fprintf(stderr, "allocator: NULL block given old size %zu\n", old_size);
		abort();
	}
	if (new_size == 0) {
		if (base) {
			st->blocks--;
			st->bytes -= old_size;
			free(base);
		}
		return NULL;
	}
	char *p = realloc(base, new_size + HDR);
	if (!p)
		return NULL;
	if (!base)
		st->blocks++;
	st->bytes = st->bytes - old_size + new_size;
	*(size_t *)p = new_size;
	return p + HDR;
}

/* ---- one file's state -------------------------------------------------------------- */

typedef struct binding {
	char *name;
	eng_instance *inst;
} binding;

typedef struct session {
	const options *opt;
	const char *name; /* the file's NAME, for messages */
	char dir[4096];   /* where its .wasm files are */
	alloc_stats stats;
	eng_alloc alloc;
	eng_store *store;
	eng_thread *thread;
	spectest st;
	eng_module **modules;
	size_t nmodules;
	binding *names;      /* $name -> instance, from module commands */
	size_t nnames;
	binding *registered; /* "as" -> instance, for imports */
	size_t nregistered;
	eng_instance *current;
	counts c;
} session;

static void failure(session *s, int line, const char *fmt, ...)
{
	va_list ap;
	printf("  %s:%d: ", s->name, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	s->c.failed++;
}

static void passed(session *s, int line, const char *what)
{
	s->c.passed++;
	if (s->opt->verbose)
		printf("  %s:%d: %s ok\n", s->name, line, what);
}

static void bind(binding **list, size_t *n, const char *name, eng_instance *inst)
{
	binding *b = realloc(*list, (*n + 1) * sizeof **list);
	if (!b) {
		perror("realloc");
		exit(2);
	}
	*list = b;
	b[*n].name = strdup(name);
	b[*n].inst = inst;
	(*n)++;
}

/* The newest binding wins, as a later `register` shadows an earlier one. */
static eng_instance *lookup(binding *list, size_t n, const char *name, size_t len)
{
	for (size_t i = n; i-- > 0;)
		if (strlen(list[i].name) == len && memcmp(list[i].name, name, len) == 0)
			return list[i].inst;
	return NULL;
}

static int resolve(void *ud, const eng_import_desc *imp, eng_extern *out)
{
	session *s = ud;
	eng_instance *inst = lookup(s->registered, s->nregistered, imp->module, imp->module_len);
	if (inst)
		return eng_instance_export(inst, imp->name, imp->name_len, out) == 0 ? 0 : -1;
	if (imp->module_len == 8 && memcmp(imp->module, "spectest", 8) == 0)
		return spectest_lookup(&s->st, imp->name, imp->name_len, out);
	return -1;
}

/* ---- modules and calls ------------------------------------------------------------- */

enum { OUT_DONE, OUT_TRAP, OUT_ERROR };

typedef struct outcome {
	int kind;                 /* OUT_* */
	int trap;                 /* OUT_TRAP: ENG_TRAP_* */
	char msg[512];            /* OUT_TRAP: trap message; OUT_ERROR: what went wrong */
	uint32_t n;
	uint8_t types[MAX_VALUES];
	eng_val results[MAX_VALUES];
} outcome;

static int new_thread(session *s)
{
	if (s->thread)
		eng_thread_free(s->thread);
	s->thread = eng_thread_new(s->store, NULL);
	if (!s->thread)
		return -1;
	eng_thread_set_fuel(s->thread, -1);
	return 0;
}

static void call(session *s, eng_func *f, const eng_val *args, uint32_t nargs, outcome *o)
{
	const eng_functype *ft = eng_func_type(f);
	o->n = 0;
	if (!s->thread && new_thread(s) < 0) {
		o->kind = OUT_ERROR;
		snprintf(o->msg, sizeof o->msg, "eng_thread_new failed");
		return;
	}
	int st = eng_call(s->thread, f, args, nargs);
	if (st == ENG_DONE) {
		uint32_t n = 0;
		const eng_val *r = eng_thread_results(s->thread, &n);
		if (n != ft->nresults || n > MAX_VALUES) {
			o->kind = OUT_ERROR;
			snprintf(o->msg, sizeof o->msg, "engine returned %" PRIu32 " results for a type with %" PRIu32,
				 n, ft->nresults);
			return;
		}
		o->kind = OUT_DONE;
		o->n = n;
		for (uint32_t i = 0; i < n; i++) {
			o->types[i] = ft->results[i];
			o->results[i] = r[i];
		}
		return;
	}
	if (st == ENG_TRAPPED) {
		const eng_trap *tr = eng_thread_trap(s->thread);
		o->kind = OUT_TRAP;
		o->trap = tr->reason;
		snprintf(o->msg, sizeof o->msg, "%s", tr->msg[0] ? tr->msg : eng_trap_text(tr->reason));
		return;
	}
	o->kind = OUT_ERROR;
	if (st == ENG_OUT_OF_FUEL || st == ENG_SUSPENDED) {
		/* Neither can happen with fuel off and host functions that never suspend; the
		 * thread is left resumable, so start over with a fresh one. */
		snprintf(o->msg, sizeof o->msg, "engine returned %s",
			 st == ENG_OUT_OF_FUEL ? "out of fuel with fuel disabled" : "suspended");
		if (new_thread(s) < 0)
			s->thread = NULL;
	} else {
		snprintf(o->msg, sizeof o->msg, "call did not start: %s (%d)", eng_error_text(st), st);
	}
}

static int read_all(const char *path, uint8_t **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	size_t cap = 1 << 16, n = 0, r;
	uint8_t *buf = malloc(cap), *bigger;
	bool bad = !buf;
	while (!bad && (r = fread(buf + n, 1, cap - n, f)) > 0) {
		n += r;
		if (n == cap) {
			if (!(bigger = realloc(buf, cap * 2))) {
				bad = true;
				break;
			}
			buf = bigger;
			cap *= 2;
		}
	}
	bad = bad || ferror(f);
	fclose(f);
	if (bad) {
		free(buf);
		return -1;
	}
	*out = buf;
	*len = n;
	return 0;
}

/* Loads the command's binary module.  Returns an ENG_ code; a file that cannot be
 * read is ENG_ERR_ARG with a message.  A loaded module stays until the file ends:
 * instances (even failed ones, whose segments may have been applied) refer to it. */
static int load(session *s, const json *cmd, eng_module **out, eng_error *err)
{
	const char *file = json_get_str(cmd, "filename");
	char path[8192];
	uint8_t *bytes;
	size_t len;

	*out = NULL;
	memset(err, 0, sizeof *err);
	if (!file) {
		err->code = ENG_ERR_ARG;
		snprintf(err->msg, sizeof err->msg, "command has no filename");
		return ENG_ERR_ARG;
	}
	snprintf(path, sizeof path, "%s/%s", s->dir, file);
	if (read_all(path, &bytes, &len) < 0) {
		err->code = ENG_ERR_ARG;
		snprintf(err->msg, sizeof err->msg, "cannot read %.140s", path);
		return ENG_ERR_ARG;
	}
	int rc = eng_module_load(&s->alloc, bytes, len, out, err);
	free(bytes);
	if (rc == ENG_OK) {
		eng_module **m = realloc(s->modules, (s->nmodules + 1) * sizeof *m);
		if (!m) {
			perror("realloc");
			exit(2);
		}
		s->modules = m;
		m[s->nmodules++] = *out;
	}
	return rc;
}

/* Instantiates m and runs its start function.  Returns ENG_OK (start->kind tells how
 * the start function ended), or the eng_instantiate error. */
static int instantiate(session *s, eng_module *m, eng_instance **inst, eng_error *err, outcome *start)
{
	memset(err, 0, sizeof *err);
	start->kind = OUT_DONE;
	start->n = 0;
	int rc = eng_instantiate(s->store, m, resolve, s, inst, err);
	if (rc != ENG_OK)
		return rc;
	eng_func *f = eng_instance_start(*inst);
	if (f)
		call(s, f, NULL, 0, start);
	return ENG_OK;
}

static const char *error_name(int code)
{
	switch (code) {
	case ENG_OK: return "ok";
	case ENG_ERR_MALFORMED: return "MALFORMED";
	case ENG_ERR_INVALID: return "INVALID";
	case ENG_ERR_LINK: return "LINK";
	case ENG_ERR_TRAP: return "TRAP";
	case ENG_ERR_NOMEM: return "NOMEM";
	case ENG_ERR_LIMIT: return "LIMIT";
	case ENG_ERR_NOTFOUND: return "NOTFOUND";
	case ENG_ERR_ARG: return "ARG";
	default: return "?";
	}
}

static void describe_error(char *buf, size_t size, int code, const eng_error *err)
{
	snprintf(buf, size, "%s (%s: %s, at byte offset 0x%" PRIx32 ")", error_name(code),
		 eng_error_text(code), err->msg, err->offset);
}

/* Runs an invoke or get action. */
static void perform(session *s, const json *action, outcome *o)
{
	const char *type = json_get_str(action, "type");
	const char *mod = json_get_str(action, "module");
	const json *field = json_get(action, "field");
	eng_instance *inst = mod ? lookup(s->names, s->nnames, mod, strlen(mod)) : s->current;
	eng_extern ext;
	char fname[200];

	o->kind = OUT_ERROR;
	o->n = 0;
	if (!inst) {
		if (mod)
			snprintf(o->msg, sizeof o->msg, "no module named %s", mod);
		else
			snprintf(o->msg, sizeof o->msg, "no current module");
		return;
	}
	if (!type || !field || field->type != JSON_STRING) {
		snprintf(o->msg, sizeof o->msg, "action without type or field");
		return;
	}
	value_format_name(fname, sizeof fname, field->str, field->len);
	if (eng_instance_export(inst, field->str, (uint32_t)field->len, &ext) != 0) {
		snprintf(o->msg, sizeof o->msg, "no export \"%s\"", fname);
		return;
	}
	if (strcmp(type, "get") == 0) {
		bool mut;
		if (ext.kind != ENG_EXTERN_GLOBAL) {
			snprintf(o->msg, sizeof o->msg, "export \"%s\" is not a global", fname);
			return;
		}
		o->kind = OUT_DONE;
		o->n = 1;
		o->types[0] = eng_global_type(ext.u.global, &mut);
		o->results[0] = eng_global_get(ext.u.global);
		return;
	}
	if (strcmp(type, "invoke") != 0) {
		snprintf(o->msg, sizeof o->msg, "unknown action type %s", type);
		return;
	}
	if (ext.kind != ENG_EXTERN_FUNC) {
		snprintf(o->msg, sizeof o->msg, "export \"%s\" is not a function", fname);
		return;
	}
	const json *args = json_get(action, "args");
	static eng_val vals[MAX_VALUES];
	uint32_t n = 0;
	for (const json *a = args ? args->child : NULL; a; a = a->next) {
		value v;
		if (n == MAX_VALUES || value_parse(a, &v, false) < 0) {
			snprintf(o->msg, sizeof o->msg, "cannot use argument %" PRIu32, n);
			return;
		}
		vals[n++] = v.v;
	}
	call(s, ext.u.func, vals, n, o);
}

/* A trap's text matches the expected one when one is a prefix of the other: the
 * tests say "uninitialized element 2" where the reason is "uninitialized element". */
static bool trap_text_ok(const session *s, const char *expected, const outcome *o)
{
	if (s->opt->any_trap || !expected)
		return true;
	const char *texts[2] = { eng_trap_text(o->trap), o->msg };
	for (int i = 0; i < 2; i++) {
		size_t ng = strlen(texts[i]), ne = strlen(expected);
		if (ng && strncmp(expected, texts[i], ng < ne ? ng : ne) == 0)
			return true;
	}
	return false;
}

/* ---- commands ---------------------------------------------------------------------- */

static void cmd_module(session *s, const json *c, int line)
{
	eng_module *m;
	eng_instance *inst = NULL;
	eng_error err;
	outcome o;
	char why[512];
	const char *name = json_get_str(c, "name");

	s->current = NULL; /* if this one fails, later commands must not use the previous */
	int rc = load(s, c, &m, &err);
	if (rc == ENG_OK)
		rc = instantiate(s, m, &inst, &err, &o);
	if (rc != ENG_OK) {
		describe_error(why, sizeof why, rc, &err);
		failure(s, line, "module %s: %s", json_get_str(c, "filename"), why);
		return;
	}
	if (o.kind != OUT_DONE) {
		failure(s, line, "module %s: start function %s: %s", json_get_str(c, "filename"),
			o.kind == OUT_TRAP ? "trapped" : "failed", o.msg);
		return;
	}
	s->current = inst;
	if (name)
		bind(&s->names, &s->nnames, name, inst);
	if (s->opt->verbose)
		printf("  %s:%d: module %s ok\n", s->name, line, json_get_str(c, "filename"));
}

static void cmd_register(session *s, const json *c, int line)
{
	const char *name = json_get_str(c, "name"), *as = json_get_str(c, "as");
	eng_instance *inst = name ? lookup(s->names, s->nnames, name, strlen(name)) : s->current;
	if (!inst || !as) {
		failure(s, line, "register: %s", !as ? "no \"as\"" : name ? "unknown module" : "no current module");
		return;
	}
	bind(&s->registered, &s->nregistered, as, inst);
}

static void cmd_action(session *s, const json *c, int line)
{
	static outcome o;
	perform(s, json_get(c, "action"), &o);
	if (o.kind == OUT_TRAP)
		failure(s, line, "action trapped: %s", o.msg);
	else if (o.kind == OUT_ERROR)
		failure(s, line, "action: %s", o.msg);
}

static void describe_action(char *buf, size_t size, const json *action)
{
	const json *field = json_get(action, "field");
	char fname[200];
	value_format_name(fname, sizeof fname, field && field->type == JSON_STRING ? field->str : "",
		    field && field->type == JSON_STRING ? field->len : 0);
	int n = snprintf(buf, size, "%s \"%s\"", json_get_str(action, "type") ? json_get_str(action, "type") : "?",
			 fname);
	const json *args = json_get(action, "args");
	if (!args || n < 0 || (size_t)n >= size)
		return;
	n += snprintf(buf + n, size - (size_t)n, "(");
	for (const json *a = args->child; a && (size_t)n < size; a = a->next) {
		value v;
		char one[128];
		if (value_parse(a, &v, true) < 0)
			snprintf(one, sizeof one, "?");
		else
			value_format(one, sizeof one, v.type, &v.v, &v);
		n += snprintf(buf + n, size - (size_t)n, "%s%s", one, a->next ? ", " : "");
	}
	if ((size_t)n < size)
		snprintf(buf + n, size - (size_t)n, ")");
}

static void cmd_assert_return(session *s, const json *c, int line)
{
	static outcome o;
	char act[1024], exp[256], got[256];
	const json *action = json_get(c, "action"), *expected = json_get(c, "expected");

	perform(s, action, &o);
	describe_action(act, sizeof act, action);
	if (o.kind != OUT_DONE) {
		failure(s, line, "assert_return %s: %s %s", act, o.kind == OUT_TRAP ? "trapped:" : "error:", o.msg);
		return;
	}
	size_t ne = expected && expected->type == JSON_ARRAY ? expected->len : 0;
	if (ne != o.n) {
		failure(s, line, "assert_return %s: expected %zu results, got %" PRIu32, act, ne, o.n);
		return;
	}
	uint32_t i = 0;
	for (const json *e = ne ? expected->child : NULL; e; e = e->next, i++) {
		value v;
		if (value_parse(e, &v, true) < 0) {
			failure(s, line, "assert_return %s: cannot read expected result %" PRIu32, act, i);
			return;
		}
		if (!value_matches(&v, o.types[i], &o.results[i])) {
			value_format(exp, sizeof exp, v.type, &v.v, &v);
			value_format(got, sizeof got, o.types[i], &o.results[i], NULL);
			failure(s, line, "assert_return %s: result %" PRIu32 ": expected %s, got %s", act, i, exp, got);
			return;
		}
	}
	passed(s, line, "assert_return");
}

/* assert_uninstantiable, and assert_trap on a module: instantiation must trap, in a
 * segment (ENG_ERR_TRAP) or in the start function. */
static void cmd_uninstantiable(session *s, const json *c, int line, const char *what)
{
	eng_module *m;
	eng_instance *inst;
	eng_error err;
	static outcome o;
	char why[512];

	int rc = load(s, c, &m, &err);
	if (rc == ENG_OK)
		rc = instantiate(s, m, &inst, &err, &o);
	if (rc == ENG_ERR_TRAP) {
		passed(s, line, what);
		return;
	}
	if (rc != ENG_OK) {
		describe_error(why, sizeof why, rc, &err);
		failure(s, line, "%s: expected a trap, got %s", what, why);
		return;
	}
	if (o.kind == OUT_TRAP && trap_text_ok(s, json_get_str(c, "text"), &o)) {
		passed(s, line, what);
		return;
	}
	if (o.kind == OUT_TRAP)
		failure(s, line, "%s: expected trap \"%s\", got \"%s\"", what, json_get_str(c, "text"), o.msg);
	else
		failure(s, line, "%s: expected a trap, %s", what,
			o.kind == OUT_DONE ? "instantiation succeeded" : o.msg);
}

static void cmd_assert_trap(session *s, const json *c, int line, bool exhaustion)
{
	static outcome o;
	char act[1024];
	const char *what = exhaustion ? "assert_exhaustion" : "assert_trap";
	const char *text = json_get_str(c, "text");
	const json *action = json_get(c, "action");

	if (!action) {
		cmd_uninstantiable(s, c, line, what);
		return;
	}
	perform(s, action, &o);
	describe_action(act, sizeof act, action);
	if (o.kind == OUT_DONE)
		failure(s, line, "%s %s: expected trap \"%s\", returned normally", what, act, text ? text : "");
	else if (o.kind == OUT_ERROR)
		failure(s, line, "%s %s: error: %s", what, act, o.msg);
	else if (exhaustion && o.trap != ENG_TRAP_STACK_EXHAUSTED)
		failure(s, line, "%s %s: expected stack exhaustion, got trap \"%s\"", what, act, o.msg);
	else if (!trap_text_ok(s, text, &o))
		failure(s, line, "%s %s: expected trap \"%s\", got \"%s\"", what, act, text ? text : "", o.msg);
	else
		passed(s, line, what);
}

/* assert_malformed / assert_invalid / assert_unlinkable on a binary module. */
static void cmd_assert_module(session *s, const json *c, int line, const char *what, int want)
{
	eng_module *m;
	eng_instance *inst;
	eng_error err;
	static outcome o;
	char why[512];

	int rc = load(s, c, &m, &err);
	if (rc == ENG_OK && want == ENG_ERR_LINK)
		rc = instantiate(s, m, &inst, &err, &o);
	if (rc == want) {
		if (s->opt->verbose)
			printf("  %s:%d: %s ok (expected \"%s\", engine says \"%s\")\n", s->name, line, what,
			       json_get_str(c, "text") ? json_get_str(c, "text") : "", err.msg);
		s->c.passed++;
		return;
	}
	if (rc == ENG_OK)
		snprintf(why, sizeof why, "ok");
	else
		describe_error(why, sizeof why, rc, &err);
	failure(s, line, "%s %s: expected %s (\"%s\"), got %s", what, json_get_str(c, "filename"),
		error_name(want), json_get_str(c, "text") ? json_get_str(c, "text") : "", why);
}

static bool is_assertion(const char *type)
{
	return type && strncmp(type, "assert_", 7) == 0;
}

static bool is_text_module(const json *c)
{
	const char *mt = json_get_str(c, "module_type");
	return mt && strcmp(mt, "text") == 0;
}

static void run_command(session *s, const json *c)
{
	const char *type = json_get_str(c, "type");
	int line = (int)json_get_num(c, "line", 0);

	if (!type) {
		failure(s, line, "command without a type");
		return;
	}
	if (is_assertion(type) && is_text_module(c)) {
		s->c.skipped++;
		return;
	}
	if (strcmp(type, "module") == 0)
		cmd_module(s, c, line);
	else if (strcmp(type, "register") == 0)
		cmd_register(s, c, line);
	else if (strcmp(type, "action") == 0)
		cmd_action(s, c, line);
	else if (strcmp(type, "assert_return") == 0)
		cmd_assert_return(s, c, line);
	else if (strcmp(type, "assert_trap") == 0)
		cmd_assert_trap(s, c, line, false);
	else if (strcmp(type, "assert_exhaustion") == 0)
		cmd_assert_trap(s, c, line, true);
	else if (strcmp(type, "assert_invalid") == 0)
		cmd_assert_module(s, c, line, type, ENG_ERR_INVALID);
	else if (strcmp(type, "assert_malformed") == 0)
		cmd_assert_module(s, c, line, type, ENG_ERR_MALFORMED);
	else if (strcmp(type, "assert_unlinkable") == 0)
		cmd_assert_module(s, c, line, type, ENG_ERR_LINK);
	else if (strcmp(type, "assert_uninstantiable") == 0)
		cmd_uninstantiable(s, c, line, type);
	else
		failure(s, line, "unknown command %s", type);
}

/* ---- files ------------------------------------------------------------------------- */

typedef struct file_info {
	char name[256];
	json *root;
	const json *commands;
	long assertions, text_skips;
} file_info;

static counts run_commands(const options *opt, const char *path, const file_info *fi)
{
	session s;
	memset(&s, 0, sizeof s);
	s.opt = opt;
	s.name = fi->name;
	snprintf(s.dir, sizeof s.dir, "%s", path);
	char *slash = strrchr(s.dir, '/');
	if (slash)
		*slash = 0;
	else
		snprintf(s.dir, sizeof s.dir, ".");
	s.alloc.fn = check_alloc;
	s.alloc.ud = &s.stats;

	s.store = eng_store_new(&s.alloc, NULL);
	if (!s.store || spectest_init(&s.st, s.store) < 0 || new_thread(&s) < 0) {
		printf("  %s: cannot set up the store, the spectest module or a thread\n", s.name);
		s.c.failed = fi->assertions - fi->text_skips;
		s.c.skipped = fi->text_skips;
		goto out_free;
	}
	for (const json *c = fi->commands->child; c; c = c->next)
		run_command(&s, c);
out_free:
	if (s.thread)
		eng_thread_free(s.thread);
	if (s.store)
		eng_store_free(s.store);
	for (size_t i = 0; i < s.nmodules; i++)
		eng_module_free(s.modules[i]);
	free(s.modules);
	for (size_t i = 0; i < s.nnames; i++)
		free(s.names[i].name);
	free(s.names);
	for (size_t i = 0; i < s.nregistered; i++)
		free(s.registered[i].name);
	free(s.registered);
	if (s.stats.blocks || s.stats.bytes) {
		printf("  %s: leak: %zu blocks, %zu bytes still allocated after freeing store and modules\n",
		       s.name, s.stats.blocks, s.stats.bytes);
		s.c.failed++;
	}
	return s.c;
}

/* Runs one file in a child process; returns its counts, or on a crash all its
 * assertions as failed. */
static counts run_forked(const options *opt, const char *path, const file_info *fi)
{
	counts c = { 0, fi->assertions - fi->text_skips, fi->text_skips };
	int fd[2];
	if (pipe(fd) < 0) {
		perror("pipe");
		exit(2);
	}
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0) {
		perror("fork");
		exit(2);
	}
	if (pid == 0) {
		close(fd[0]);
		alarm(opt->timeout);
		counts r = run_commands(opt, path, fi);
		fflush(stdout);
		if (write(fd[1], &r, sizeof r) != (ssize_t)sizeof r)
			_exit(3);
		close(fd[1]);
		exit(0); /* exit, not _exit: LeakSanitizer checks the child too */
	}
	close(fd[1]);
	counts r;
	size_t got = 0;
	while (got < sizeof r) {
		ssize_t n = read(fd[0], (char *)&r + got, sizeof r - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd[0]);
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFSIGNALED(status)) {
		int sig = WTERMSIG(status);
		if (sig == SIGALRM)
			printf("%s: timed out after %u s\n", fi->name, opt->timeout);
		else
			printf("%s: crashed (signal %d, %s)\n", fi->name, sig, strsignal(sig));
		return c;
	}
	if (got != sizeof r) {
		printf("%s: crashed (exit status %d before reporting; see any report above)\n", fi->name,
		       WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		return c;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
		printf("  %s: the child exited with status %d (sanitizer report above?)\n", fi->name,
		       WEXITSTATUS(status));
		r.failed++;
	}
	return r;
}

static int load_file(const char *path, file_info *fi)
{
	uint8_t *text;
	size_t len;
	char err[256];
	const char *base = strrchr(path, '/');

	memset(fi, 0, sizeof *fi);
	snprintf(fi->name, sizeof fi->name, "%s", base ? base + 1 : path);
	char *dot = strrchr(fi->name, '.');
	if (dot && strcmp(dot, ".json") == 0)
		*dot = 0;
	if (read_all(path, &text, &len) < 0) {
		printf("%s: cannot read %s\n", fi->name, path);
		return -1;
	}
	fi->root = json_parse((const char *)text, len, err, sizeof err);
	free(text);
	if (!fi->root) {
		printf("%s: bad JSON: %s\n", fi->name, err);
		return -1;
	}
	fi->commands = json_get(fi->root, "commands");
	if (!fi->commands || fi->commands->type != JSON_ARRAY) {
		printf("%s: no commands array\n", fi->name);
		json_free(fi->root);
		return -1;
	}
	for (const json *c = fi->commands->child; c; c = c->next) {
		if (!is_assertion(json_get_str(c, "type")))
			continue;
		fi->assertions++;
		if (is_text_module(c))
			fi->text_skips++;
	}
	return 0;
}

/* ---- main -------------------------------------------------------------------------- */

typedef struct path_list {
	char **v;
	size_t n;
} path_list;

static void add_path(path_list *l, const char *p)
{
	char **v = realloc(l->v, (l->n + 1) * sizeof *v);
	if (!v || !(v[l->n] = strdup(p))) {
		perror("out of memory");
		exit(2);
	}
	l->v = v;
	l->n++;
}

static bool exists(const char *path)
{
	return access(path, R_OK) == 0;
}

/* A folder holds NAME/NAME.json (make spec's layout) or *.json directly. */
static void add_folder(path_list *l, const char *dir)
{
	struct dirent **ents;
	int n = scandir(dir, &ents, NULL, alphasort);
	if (n < 0) {
		perror(dir);
		exit(2);
	}
	for (int i = 0; i < n; i++) {
		const char *e = ents[i]->d_name;
		char p[8192];
		size_t len = strlen(e);
		if (e[0] != '.') {
			snprintf(p, sizeof p, "%s/%s/%s.json", dir, e, e);
			if (exists(p))
				add_path(l, p);
			else if (len > 5 && strcmp(e + len - 5, ".json") == 0) {
				snprintf(p, sizeof p, "%s/%s", dir, e);
				add_path(l, p);
			}
		}
		free(ents[i]);
	}
	free(ents);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: spec-runner [options] PATH...\n"
		"Runs WebAssembly spec tests converted by wast2json.  PATH is a .json file or a\n"
		"folder of NAME/NAME.json (or *.json).\n"
		"  -v            print every command, not only failures\n"
		"  --file NAME   run only the file NAME (NAME.json)\n"
		"  --no-fork     run files in this process (for a debugger)\n"
		"  --timeout S   seconds one file may take (default %d)\n"
		"  --any-trap    accept any trap for assert_trap, whatever its text\n",
		DEFAULT_TIMEOUT);
}

int main(int argc, char **argv)
{
	options opt = { .timeout = DEFAULT_TIMEOUT };
	path_list paths = { 0 };
	counts total = { 0, 0, 0 };
	long simd_files = 0, simd_assertions = 0;

	/* Line-buffered, so what a child printed before a crash is not lost. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-v") == 0)
			opt.verbose = true;
		else if (strcmp(argv[i], "--no-fork") == 0)
			opt.no_fork = true;
		else if (strcmp(argv[i], "--any-trap") == 0)
			opt.any_trap = true;
		else if (strcmp(argv[i], "--file") == 0 && i + 1 < argc)
			opt.only = argv[++i];
		else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc)
			opt.timeout = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		} else if (argv[i][0] == '-') {
			usage(stderr);
			return 64;
		} else {
			DIR *d = opendir(argv[i]);
			if (d) {
				closedir(d);
				add_folder(&paths, argv[i]);
			} else {
				add_path(&paths, argv[i]);
			}
		}
	}
	if (paths.n == 0) {
		usage(stderr);
		return 64;
	}

	size_t ran = 0;
	for (size_t i = 0; i < paths.n; i++) {
		file_info fi;
		const char *base = strrchr(paths.v[i], '/');
		base = base ? base + 1 : paths.v[i];
		if (opt.only && strcmp(opt.only, paths.v[i]) != 0 &&
		    !(strncmp(base, opt.only, strlen(opt.only)) == 0 && strcmp(base + strlen(opt.only), ".json") == 0))
			continue;
		ran++;
		if (load_file(paths.v[i], &fi) < 0) {
			total.failed++;
			continue;
		}
		if (strncmp(fi.name, "simd_", 5) == 0) {
			printf("%s: not supported (SIMD), %ld assertions\n", fi.name, fi.assertions);
			simd_files++;
			simd_assertions += fi.assertions;
			json_free(fi.root);
			continue;
		}
		counts c = opt.no_fork ? run_commands(&opt, paths.v[i], &fi) : run_forked(&opt, paths.v[i], &fi);
		printf("%s: %ld passed, %ld failed, %ld skipped\n", fi.name, c.passed, c.failed, c.skipped);
		total.passed += c.passed;
		total.failed += c.failed;
		total.skipped += c.skipped;
		json_free(fi.root);
	}
	for (size_t i = 0; i < paths.n; i++)
		free(paths.v[i]);
	free(paths.v);
	if (ran == 0) {
		printf("no spec test file matched%s%s\n", opt.only ? " " : "", opt.only ? opt.only : "");
		total.failed++;
	}
	if (simd_files)
		printf("not run: %ld SIMD files, %ld assertions\n", simd_files, simd_assertions);
	printf("%ld passed, %ld failed, %ld skipped\n", total.passed, total.failed, total.skipped);
	return total.failed ? 1 : 0;
}
