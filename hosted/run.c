/* run.c: `wasmos run --invoke NAME FILE.wasm|CID [ARGS...]`.
 *
 * Loads one module that has no imports, runs its start function, calls the export
 * NAME with ARGS read by the export's parameter types, and prints each result on a
 * line of its own, in a form that reads back exactly (floats with 9 or 17 digits,
 * NaN with its payload when it is not the canonical one).  A trap prints its reason
 * and the Wasm backtrace to stderr.  Exit statuses are in hosted.h.
 */
#include "hosted.h"
#include "fetch.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"

/* hosted/ may use libc's allocator; the engine is told sizes it does not need here. */
static void *libc_alloc(void *ud, void *ptr, size_t old_size, size_t new_size)
{
	(void)ud, (void)old_size;
	if (new_size == 0) {
		free(ptr);
		return NULL;
	}
	return realloc(ptr, new_size);
}

void hosted_run_usage(FILE *f, bool full)
{
	fprintf(f, "usage: wasmos run [OPTIONS] FILE.wasm|CID [ARGS...]\n"
		   "       wasmos run [--fuel N] --invoke NAME FILE.wasm|CID [ARGS...]\n");
	if (!full) {
		fprintf(f, "(wasmos run --help tells more)\n");
		return;
	}
	fprintf(f,
		"\n"
		"Runs a program (a WASI command, or a wasmos program) as a process of a hosted\n"
		"wasmos kernel, with ARGS as its arguments, and exits with its exit code.  Its\n"
		"output goes through the log interface to stdout and stderr; stdin is its input.\n"
		"In place of FILE.wasm, the CID of a program: from the local store (see wasmos\n"
		"add), else fetched from the network (--gateway) into the store; its bytes are\n"
		"checked against the CID before they are loaded.\n"
		"\n"
		"  --env K=V          an environment variable (repeatable)\n"
		"  --allow IFACE      also grant interface IFACE (repeatable; wasmos interfaces)\n"
		"  --deny IFACE       take interface IFACE away, defaults included (repeatable)\n"
		"  --listen ADDR      a listening TCP socket, 127.0.0.1:PORT or [::1]:PORT, as the\n"
		"                     WASI program's next fd after its preopens (3 without any);\n"
		"                     grants tcp; port 0 picks one and prints it (repeatable)\n"
		"  --listen MULTIADDR  the network node accepts peers on /ip4/ADDR/tcp/PORT\n"
		"  --peer MULTIADDR   the network node connects to /ip4/ADDR/tcp/PORT/p2p/ID\n"
		"                     (docs/network.md; --offline keeps the node off too)\n"
		"  --dir HOST[::GUEST] grant host directory HOST, seen by the program as GUEST\n"
		"                     (default HOST); grants files; nothing outside it can be\n"
		"                     reached, by .., absolute paths or symlinks (repeatable)\n"
		"  --fuel-slice N     fuel units per turn before another process runs\n"
		"  --max-memory SIZE  memory limit: 64M, 1G, or pages as 100p\n"
		"  --max-message SIZE  largest message body it may send (default 1M, at most 64M)\n"
		"  --max-queue N      messages queued for it as a handler (default 1024)\n"
		"  --max-outstanding N  messages it may await answers to (default 1024)\n"
		"  --prefix           prefix each output line with [pid name]\n"
		"  -v, --verbose      the kernel's own info lines on stderr\n"
		"%s"
		"\n"
		"The default grant: log, time, system-time, random, interface, stdin.\n"
		"A trap prints its reason and the Wasm backtrace on stderr; exit status 134.\n"
		"Exit status otherwise: the program's, 1 error (file, module, link), 64 bad usage.\n"
		"\n"
		"With --invoke NAME, no kernel: loads a module without imports, runs its start\n"
		"function, calls export NAME with ARGS read by the parameter types (i32/i64 in\n"
		"decimal or 0x hex; f32/f64 as C reads them, or nan:0xPAYLOAD; refs as null) and\n"
		"prints the results one per line (integers signed, floats so that they read back\n"
		"exactly).  --fuel N stops it after N units (one per call and loop back-edge).\n"
		"Exit status: 0 done, 1 error, 2 trap, 3 out of fuel, 64 bad usage.\n",
		hosted_fetch_options_help);
}

/* ---- reading the file ---------------------------------------------------------------- */

static int read_file(const char *path, uint8_t **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	size_t cap = 1 << 16, n = 0, r;
	uint8_t *buf = malloc(cap), *bigger;
	int err = buf ? 0 : ENOMEM;
	while (!err && (r = fread(buf + n, 1, cap - n, f)) > 0) {
		n += r;
		if (n == cap) {
			if (!(bigger = realloc(buf, cap * 2))) {
				err = ENOMEM;
				break;
			}
			buf = bigger;
			cap *= 2;
		}
	}
	if (!err && ferror(f))
		err = EIO;
	fclose(f);
	if (err) {
		free(buf);
		errno = err;
		return -1;
	}
	*out = buf;
	*len = n;
	return 0;
}

/* ---- arguments ------------------------------------------------------------------------- */

/* An integer in [min, max]: decimal or 0x hex, with an optional minus sign. */
static int parse_int(const char *s, int64_t min, uint64_t max, uint64_t *out)
{
	bool neg = false;
	int base = 10;
	char *end;
	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!((*s >= '0' && *s <= '9') || (base == 16 && ((*s >= 'a' && *s <= 'f') || (*s >= 'A' && *s <= 'F')))))
		return -1;
	errno = 0;
	uint64_t u = strtoull(s, &end, base);
	if (errno || *end)
		return -1;
	if (neg) {
		/* -u must be >= min, i.e. u <= -min (computed without overflow). */
		if (u > (uint64_t)(-(min + 1)) + 1)
			return -1;
		*out = (uint64_t)0 - u;
	} else {
		if (u > max)
			return -1;
		*out = u;
	}
	return 0;
}

/* [-]nan:0xPAYLOAD, the form results are printed in; returns 1 when s is one. */
static int parse_nan_payload(const char *s, int bits, uint64_t *out)
{
	bool neg = *s == '-';
	uint64_t payload, mant_mask = bits == 32 ? 0x7fffffull : 0xfffffffffffffull;
	char *end;
	if (neg || *s == '+')
		s++;
	if (strncmp(s, "nan:0x", 6) != 0)
		return 0;
	errno = 0;
	payload = strtoull(s + 6, &end, 16);
	if (errno || *end || payload == 0 || payload > mant_mask)
		return -1;
	if (bits == 32)
		*out = (neg ? 0x80000000ull : 0) | 0x7f800000ull | payload;
	else
		*out = (neg ? 0x8000000000000000ull : 0) | 0x7ff0000000000000ull | payload;
	return 1;
}

static int parse_arg(const char *s, uint8_t type, eng_val *v)
{
	uint64_t u;
	char *end;
	int r;
	memset(v, 0, sizeof *v);
	switch (type) {
	case ENG_I32:
		if (parse_int(s, INT32_MIN, UINT32_MAX, &u) < 0)
			return -1;
		v->u32 = (uint32_t)u;
		return 0;
	case ENG_I64:
		if (parse_int(s, INT64_MIN, UINT64_MAX, &u) < 0)
			return -1;
		v->u64 = u;
		return 0;
	case ENG_F32: {
		if ((r = parse_nan_payload(s, 32, &u)) != 0) {
			v->u32 = (uint32_t)u;
			return r < 0 ? -1 : 0;
		}
		errno = 0;
		float f = strtof(s, &end);
		if (*s == 0 || *end || (errno && !isinf(f) && f != 0))
			return -1;
		memcpy(&v->u32, &f, sizeof f);
		return 0;
	}
	case ENG_F64: {
		if ((r = parse_nan_payload(s, 64, &u)) != 0) {
			v->u64 = u;
			return r < 0 ? -1 : 0;
		}
		errno = 0;
		double d = strtod(s, &end);
		if (*s == 0 || *end || (errno && !isinf(d) && d != 0))
			return -1;
		memcpy(&v->u64, &d, sizeof d);
		return 0;
	}
	case ENG_FUNCREF:
		return strcmp(s, "null") == 0 ? 0 : -1;
	case ENG_EXTERNREF:
		if (strcmp(s, "null") == 0)
			return 0;
		/* Host value N travels as N+1, so that 0 stays null (as in the spec runner). */
		if (parse_int(s, 0, UINT64_MAX - 1, &u) < 0)
			return -1;
		v->ref = u + 1;
		return 0;
	default:
		return -1;
	}
}

static const char *type_name(uint8_t t)
{
	switch (t) {
	case ENG_I32: return "i32";
	case ENG_I64: return "i64";
	case ENG_F32: return "f32";
	case ENG_F64: return "f64";
	case ENG_V128: return "v128";
	case ENG_FUNCREF: return "funcref";
	case ENG_EXTERNREF: return "externref";
	default: return "?";
	}
}

static void print_params(FILE *f, const eng_functype *ft)
{
	fputc('(', f);
	for (uint32_t i = 0; i < ft->nparams; i++)
		fprintf(f, "%s%s", i ? " " : "", type_name(ft->params[i]));
	fputc(')', f);
}

/* ---- results --------------------------------------------------------------------------- */

static void print_nan(int neg, uint64_t payload, uint64_t canonical)
{
	if (payload == canonical)
		printf("%snan\n", neg ? "-" : "");
	else
		printf("%snan:0x%" PRIx64 "\n", neg ? "-" : "", payload);
}

static void print_value(uint8_t type, const eng_val *v)
{
	switch (type) {
	case ENG_I32: printf("%" PRId32 "\n", v->i32); break;
	case ENG_I64: printf("%" PRId64 "\n", v->i64); break;
	case ENG_F32: {
		float f;
		memcpy(&f, &v->u32, sizeof f);
		if (isnan(f))
			print_nan(v->u32 >> 31, v->u32 & 0x7fffff, 0x400000);
		else if (isinf(f))
			printf("%sinf\n", f < 0 ? "-" : "");
		else
			printf("%.9g\n", (double)f);
		break;
	}
	case ENG_F64: {
		double d;
		memcpy(&d, &v->u64, sizeof d);
		if (isnan(d))
			print_nan((int)(v->u64 >> 63), v->u64 & 0xfffffffffffffull, 0x8000000000000ull);
		else if (isinf(d))
			printf("%sinf\n", d < 0 ? "-" : "");
		else
			printf("%.17g\n", d);
		break;
	}
	case ENG_FUNCREF:
	case ENG_EXTERNREF: printf("%s\n", v->ref ? "ref" : "null"); break;
	case ENG_V128:
		printf("v128");
		for (int i = 0; i < 16; i++)
			printf(" %02x", v->v128[i]);
		printf("\n");
		break;
	default: printf("(value of type 0x%02x)\n", type); break;
	}
}

static void print_trap(const char *file, const char *what, const eng_thread *t)
{
	const eng_trap *tr = eng_thread_trap(t);
	fprintf(stderr, "%s: trap in %s: %s\n", file, what, tr->msg[0] ? tr->msg : eng_trap_text(tr->reason));
	uint32_t depth = tr->depth < ENG_BACKTRACE_MAX ? tr->depth : ENG_BACKTRACE_MAX;
	for (uint32_t i = 0; i < depth; i++) {
		const eng_frame_info *fr = &tr->frames[i];
		if (fr->func_index == UINT32_MAX)
			fprintf(stderr, "  #%" PRIu32 "  host", i);
		else
			fprintf(stderr, "  #%" PRIu32 "  func[%" PRIu32 "]", i, fr->func_index);
		if (fr->name)
			fprintf(stderr, " %.*s", (int)fr->name_len, fr->name);
		fputc('\n', stderr);
	}
	if (tr->depth > depth)
		fprintf(stderr, "  ... %" PRIu32 " more frames\n", tr->depth - depth);
}

/* Reports how a call ended (status from eng_call); returns an exit status. */
static int finish_call(const char *file, const char *what, eng_thread *t, int status, int64_t fuel)
{
	switch (status) {
	case ENG_DONE: return HOSTED_EXIT_OK;
	case ENG_TRAPPED: print_trap(file, what, t); return HOSTED_EXIT_TRAP;
	case ENG_OUT_OF_FUEL:
		fprintf(stderr, "%s: out of fuel in %s (limit %" PRId64 ")\n", file, what, fuel);
		return HOSTED_EXIT_FUEL;
	case ENG_SUSPENDED:
		/* Nothing can suspend: the module has no imports, so no host function. */
		fprintf(stderr, "%s: %s suspended, which cannot happen without imports\n", file, what);
		return HOSTED_EXIT_ERROR;
	default:
		fprintf(stderr, "%s: cannot call %s: %s\n", file, what, eng_error_text(status));
		return HOSTED_EXIT_ERROR;
	}
}

/* ---- the command ---------------------------------------------------------------------- */

static int refuse_import(void *ud, const eng_import_desc *imp, eng_extern *out)
{
	(void)ud, (void)imp, (void)out;
	return -1;
}

static const char *extern_kind(uint8_t kind)
{
	switch (kind) {
	case ENG_EXTERN_FUNC: return "a function";
	case ENG_EXTERN_TABLE: return "a table";
	case ENG_EXTERN_MEMORY: return "a memory";
	case ENG_EXTERN_GLOBAL: return "a global";
	default: return "an unknown kind of export";
	}
}

int hosted_run_main(int argc, char **argv)
{
	const char *invoke = NULL, *file = NULL;
	int64_t fuel = -1;
	int i, rc = HOSTED_EXIT_ERROR;
	eng_alloc alloc = { libc_alloc, NULL };
	uint8_t *bytes = NULL;
	size_t len;
	eng_module *m = NULL;
	eng_store *s = NULL;
	eng_thread *t = NULL;
	eng_instance *inst;
	eng_error err;
	eng_extern ext;
	eng_val *args = NULL;

	/* Without --invoke (before FILE), the program runs in a kernel. */
	bool invoke_form = false;
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--invoke") || !strncmp(argv[i], "--invoke=", 9)) invoke_form = true;
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) break;
		if (argv[i][0] != '-') break;
		if (!strcmp(argv[i], "--fuel") || !strcmp(argv[i], "--invoke")) i++;
	}
	if (!invoke_form) return hosted_cmd_run_kernel(argc, argv);

	/* Options come before FILE; everything after FILE is an argument (even "-1"). */
	for (i = 1; i < argc && !file; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			hosted_run_usage(stdout, true);
			return HOSTED_EXIT_OK;
		} else if (strcmp(argv[i], "--invoke") == 0 && i + 1 < argc) {
			invoke = argv[++i];
		} else if (strncmp(argv[i], "--invoke=", 9) == 0) {
			invoke = argv[i] + 9;
		} else if (strcmp(argv[i], "--fuel") == 0 && i + 1 < argc) {
			uint64_t u;
			if (parse_int(argv[++i], 0, INT64_MAX, &u) < 0) {
				fprintf(stderr, "wasmos run: --fuel wants a number, not '%s'\n", argv[i]);
				return HOSTED_EXIT_USAGE;
			}
			fuel = (int64_t)u;
		} else if (argv[i][0] == '-' && argv[i][1] != 0) {
			fprintf(stderr, "wasmos run: unknown option '%s'\n", argv[i]);
			hosted_run_usage(stderr, false);
			return HOSTED_EXIT_USAGE;
		} else {
			file = argv[i];
		}
	}
	if (!file || !invoke) {
		fprintf(stderr, "wasmos run: %s\n", !file ? "no FILE.wasm given" : "--invoke NAME is required");
		hosted_run_usage(stderr, false);
		return HOSTED_EXIT_USAGE;
	}
	int nargs = argc - i;
	char **argstr = argv + i;

	int fetched = hosted_cmd_store_fetch("run", file, &bytes, &len);
	if (fetched < 0)
		return HOSTED_EXIT_ERROR;
	if (!fetched && read_file(file, &bytes, &len) < 0) {
		fprintf(stderr, "%s: cannot read: %s\n", file, strerror(errno));
		return HOSTED_EXIT_ERROR;
	}
	int code = eng_module_load(&alloc, bytes, len, &m, &err);
	if (code != ENG_OK) {
		fprintf(stderr, "%s: %s: %s (at byte offset 0x%" PRIx32 ")\n", file, eng_error_text(code), err.msg,
			err.offset);
		goto out_free_bytes;
	}
	for (uint32_t k = 0; k < eng_module_num_imports(m); k++) {
		eng_import_desc imp;
		eng_module_import(m, k, &imp);
		fprintf(stderr,
			"%s: import %.*s.%.*s: not provided (run --invoke supports only modules without imports)\n",
			file, (int)imp.module_len, imp.module, (int)imp.name_len, imp.name);
		goto out_free_module;
	}
	if (!(s = eng_store_new(&alloc, NULL)) || !(t = eng_thread_new(s, NULL))) {
		fprintf(stderr, "%s: out of memory\n", file);
		goto out_free_store;
	}
	eng_thread_set_fuel(t, fuel);
	code = eng_instantiate(s, m, refuse_import, NULL, &inst, &err);
	if (code != ENG_OK) {
		fprintf(stderr, "%s: cannot instantiate: %s: %s\n", file, eng_error_text(code), err.msg);
		rc = code == ENG_ERR_TRAP ? HOSTED_EXIT_TRAP : HOSTED_EXIT_ERROR;
		goto out_free_store;
	}
	eng_func *start = eng_instance_start(inst);
	if (start) {
		rc = finish_call(file, "the start function", t, eng_call(t, start, NULL, 0), fuel);
		if (rc != HOSTED_EXIT_OK)
			goto out_free_store;
		rc = HOSTED_EXIT_ERROR;
	}
	if (eng_instance_export(inst, invoke, (uint32_t)strlen(invoke), &ext) != 0) {
		fprintf(stderr, "%s: no export named '%s'\n", file, invoke);
		goto out_free_store;
	}
	if (ext.kind != ENG_EXTERN_FUNC) {
		fprintf(stderr, "%s: export '%s' is %s, not a function\n", file, invoke, extern_kind(ext.kind));
		goto out_free_store;
	}
	const eng_functype *ft = eng_func_type(ext.u.func);
	if ((uint32_t)nargs != ft->nparams) {
		fprintf(stderr, "%s: '%s' takes %" PRIu32 " argument%s ", file, invoke, ft->nparams,
			ft->nparams == 1 ? "" : "s");
		print_params(stderr, ft);
		fprintf(stderr, ", got %d\n", nargs);
		rc = HOSTED_EXIT_USAGE;
		goto out_free_store;
	}
	if (!(args = calloc((size_t)nargs + 1, sizeof *args))) {
		fprintf(stderr, "%s: out of memory\n", file);
		goto out_free_store;
	}
	for (int k = 0; k < nargs; k++) {
		if (parse_arg(argstr[k], ft->params[k], &args[k]) < 0) {
			fprintf(stderr, "%s: argument %d of '%s': '%s' is not a valid %s\n", file, k + 1, invoke,
				argstr[k], type_name(ft->params[k]));
			rc = HOSTED_EXIT_USAGE;
			goto out_free_args;
		}
	}
	rc = finish_call(file, invoke, t, eng_call(t, ext.u.func, args, (uint32_t)nargs), fuel);
	if (rc == HOSTED_EXIT_OK) {
		uint32_t n;
		const eng_val *res = eng_thread_results(t, &n);
		for (uint32_t k = 0; k < n && k < ft->nresults; k++)
			print_value(ft->results[k], &res[k]);
	}
out_free_args:
	free(args);
out_free_store:
	if (t)
		eng_thread_free(t);
	if (s)
		eng_store_free(s);
out_free_module:
	eng_module_free(m);
out_free_bytes:
	free(bytes);
	return rc;
}
