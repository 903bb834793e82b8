/* values.h: Wasm values as wast2json writes them, for the spec runner: parsing
 * arguments and expected results, comparing results (NaN classes, lanes), and
 * printing both for failure messages.  Included by runner.c. */
#ifndef WASMOS_TESTS_VALUES_H
#define WASMOS_TESTS_VALUES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine.h"
#include "json.h"

enum { NAN_NONE, NAN_CANONICAL, NAN_ARITHMETIC };

/* A parsed argument or expected result. */
typedef struct value {
	uint8_t type;
	uint8_t lane;    /* v128: lane width in bytes; lane_float: lanes are floats */
	bool lane_float;
	bool any_ref;    /* expected reference with no value: any non-null one */
	uint8_t nan[16]; /* per lane (a scalar uses nan[0]) */
	eng_val v;
} value;

/* Parses {"type": T, "value": V} (v128: "lane_type" and an array of lanes).  expect
 * allows nan:canonical, nan:arithmetic and a reference without a value (any non-null
 * one).  An externref N becomes N+1, so that 0 stays null.  Returns 0, or -1. */
int value_parse(const json *j, value *out, bool expect);
/* Whether a result of type got_type matches the expected value e. */
bool value_matches(const value *e, uint8_t got_type, const eng_val *got);
/* "i32:5", "f32:0x3f800000 (1)", "externref:null"...; e (may be NULL) adds NaN classes. */
void value_format(char *buf, size_t size, uint8_t type, const eng_val *v, const value *e);
/* A Wasm name for a message: printable ASCII as is, other bytes as \xx. */
void value_format_name(char *buf, size_t size, const char *name, size_t len);
const char *value_type_name(uint8_t type);

#endif
