/* values.c: Wasm values as wast2json writes them: integers and float bit patterns as
 * unsigned decimal strings, NaN classes as "nan:canonical" / "nan:arithmetic",
 * references as "null" or a number, v128 as an array of lanes. */
#include "values.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int type_of(const char *t)
{
	static const struct {
		const char *name;
		uint8_t type;
	} types[] = { { "i32", ENG_I32 }, { "i64", ENG_I64 }, { "f32", ENG_F32 }, { "f64", ENG_F64 },
		      { "v128", ENG_V128 }, { "funcref", ENG_FUNCREF }, { "externref", ENG_EXTERNREF } };
	for (size_t i = 0; t && i < sizeof types / sizeof types[0]; i++)
		if (strcmp(t, types[i].name) == 0)
			return types[i].type;
	return -1;
}

const char *value_type_name(uint8_t t)
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

/* wast2json writes integers and float bits as unsigned decimal; a sign is accepted. */
static int parse_u64(const char *str, uint64_t *out)
{
	char *end;
	if (!str || !*str)
		return -1;
	errno = 0;
	*out = str[0] == '-' ? (uint64_t)strtoll(str, &end, 10) : strtoull(str, &end, 10);
	return errno || *end ? -1 : 0;
}

static int parse_nan(const char *str)
{
	if (strcmp(str, "nan:canonical") == 0)
		return NAN_CANONICAL;
	if (strcmp(str, "nan:arithmetic") == 0)
		return NAN_ARITHMETIC;
	return NAN_NONE;
}

static int parse_v128(const json *j, value *out, bool expect)
{
	static const struct {
		const char *name;
		uint8_t bytes;
		bool is_float;
	} lanes[] = { { "i8", 1, false }, { "i16", 2, false }, { "i32", 4, false },
		      { "i64", 8, false }, { "f32", 4, true },  { "f64", 8, true } };
	const char *lt = json_get_str(j, "lane_type");
	const json *vals = json_get(j, "value");
	size_t k;
	for (k = 0; lt && k < sizeof lanes / sizeof lanes[0]; k++)
		if (strcmp(lt, lanes[k].name) == 0)
			break;
	if (!lt || k == sizeof lanes / sizeof lanes[0] || !vals || vals->type != JSON_ARRAY ||
	    vals->len * lanes[k].bytes != 16)
		return -1;
	out->lane = lanes[k].bytes;
	out->lane_float = lanes[k].is_float;
	size_t i = 0;
	for (const json *e = vals->child; e; e = e->next, i++) {
		uint64_t u;
		if (e->type != JSON_STRING)
			return -1;
		if (expect && out->lane_float && (out->nan[i] = (uint8_t)parse_nan(e->str)))
			continue;
		if (parse_u64(e->str, &u) < 0)
			return -1;
		for (unsigned b = 0; b < out->lane; b++)
			out->v.v128[i * out->lane + b] = (uint8_t)(u >> (8 * b));
	}
	return 0;
}

int value_parse(const json *j, value *out, bool expect)
{
	memset(out, 0, sizeof *out);
	int t = type_of(json_get_str(j, "type"));
	if (t < 0)
		return -1;
	out->type = (uint8_t)t;
	if (t == ENG_V128)
		return parse_v128(j, out, expect);
	const char *str = json_get_str(j, "value");
	uint64_t u;
	if (t == ENG_FUNCREF || t == ENG_EXTERNREF) {
		if (!str) {
			out->any_ref = true;
			return expect ? 0 : -1;
		}
		if (strcmp(str, "null") == 0)
			return 0;
		if (parse_u64(str, &u) < 0 || u == UINT64_MAX)
			return -1;
		if (t == ENG_FUNCREF) {
			/* Only "any non-null funcref" can be expected; none can be passed. */
			out->any_ref = true;
			return expect ? 0 : -1;
		}
		out->v.ref = u + 1; /* host value N travels as N+1: 0 stays null */
		return 0;
	}
	if (!str)
		return -1;
	if ((t == ENG_F32 || t == ENG_F64) && (out->nan[0] = (uint8_t)parse_nan(str)))
		return expect ? 0 : -1;
	if (parse_u64(str, &u) < 0)
		return -1;
	if (t == ENG_I32 || t == ENG_F32)
		out->v.u32 = (uint32_t)u;
	else
		out->v.u64 = u;
	return 0;
}

static bool nan32_ok(uint32_t bits, int nan)
{
	if (nan == NAN_CANONICAL)
		return (bits & 0x7fffffffu) == 0x7fc00000u;
	return (bits & 0x7fc00000u) == 0x7fc00000u; /* arithmetic: quiet bit set */
}

static bool nan64_ok(uint64_t bits, int nan)
{
	if (nan == NAN_CANONICAL)
		return (bits & 0x7fffffffffffffffull) == 0x7ff8000000000000ull;
	return (bits & 0x7ff8000000000000ull) == 0x7ff8000000000000ull;
}

static uint64_t lane_bits(const uint8_t *b, unsigned width)
{
	uint64_t u = 0;
	for (unsigned i = 0; i < width; i++)
		u |= (uint64_t)b[i] << (8 * i);
	return u;
}

bool value_matches(const value *e, uint8_t got_type, const eng_val *got)
{
	if (e->type != got_type)
		return false;
	switch (e->type) {
	case ENG_I32: return got->u32 == e->v.u32;
	case ENG_I64: return got->u64 == e->v.u64;
	case ENG_F32: return e->nan[0] ? nan32_ok(got->u32, e->nan[0]) : got->u32 == e->v.u32;
	case ENG_F64: return e->nan[0] ? nan64_ok(got->u64, e->nan[0]) : got->u64 == e->v.u64;
	case ENG_FUNCREF:
	case ENG_EXTERNREF: return e->any_ref ? got->ref != 0 : got->ref == e->v.ref;
	case ENG_V128:
		for (unsigned i = 0; i < 16 / e->lane; i++) {
			uint64_t g = lane_bits(got->v128 + i * e->lane, e->lane);
			uint64_t x = lane_bits(e->v.v128 + i * e->lane, e->lane);
			bool ok = !e->nan[i]          ? g == x
				  : e->lane == 4 ? nan32_ok((uint32_t)g, e->nan[i])
						 : nan64_ok(g, e->nan[i]);
			if (!ok)
				return false;
		}
		return true;
	default: return false;
	}
}

void value_format(char *buf, size_t size, uint8_t type, const eng_val *v, const value *e)
{
	static const char *nan_names[] = { "", "nan:canonical", "nan:arithmetic" };
	float f;
	double d;
	switch (type) {
	case ENG_I32: snprintf(buf, size, "i32:%" PRIu32, v->u32); break;
	case ENG_I64: snprintf(buf, size, "i64:%" PRIu64, v->u64); break;
	case ENG_F32:
		if (e && e->nan[0]) {
			snprintf(buf, size, "f32:%s", nan_names[e->nan[0]]);
			break;
		}
		memcpy(&f, &v->u32, sizeof f);
		snprintf(buf, size, "f32:0x%08" PRIx32 " (%.9g)", v->u32, (double)f);
		break;
	case ENG_F64:
		if (e && e->nan[0]) {
			snprintf(buf, size, "f64:%s", nan_names[e->nan[0]]);
			break;
		}
		memcpy(&d, &v->u64, sizeof d);
		snprintf(buf, size, "f64:0x%016" PRIx64 " (%.17g)", v->u64, d);
		break;
	case ENG_FUNCREF:
	case ENG_EXTERNREF:
		if (e && e->any_ref)
			snprintf(buf, size, "%s:any", value_type_name(type));
		else if (v->ref == 0)
			snprintf(buf, size, "%s:null", value_type_name(type));
		else if (type == ENG_EXTERNREF)
			snprintf(buf, size, "externref:%" PRIu64, v->ref - 1);
		else
			snprintf(buf, size, "funcref:%#" PRIx64, v->ref);
		break;
	case ENG_V128: {
		int n = snprintf(buf, size, "v128:");
		for (int i = 0; i < 16 && n > 0 && (size_t)n < size; i++)
			n += snprintf(buf + n, size - (size_t)n, "%02x%s", v->v128[i], i < 15 ? " " : "");
		break;
	}
	default: snprintf(buf, size, "(type 0x%02x)", type); break;
	}
}

void value_format_name(char *buf, size_t size, const char *name, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i < len && n + 5 < size; i++) {
		unsigned char c = (unsigned char)name[i];
		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
			buf[n++] = (char)c;
		else
			n += (size_t)snprintf(buf + n, size - n, "\\%02x", c);
	}
	buf[n] = 0;
}
