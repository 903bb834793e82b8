/* numeric.h: Wasm numeric semantics that C does not give directly.
 *
 * Freestanding: rounding is done on the bits (no libm), NaN results are made quiet
 * (an arithmetic NaN, as the spec requires), and every case C leaves undefined
 * (shift by the width, clz of zero, out-of-range conversion) is defined here.
 * Included by exec.c only.
 */
#ifndef WASMOS_ENGINE_NUMERIC_H
#define WASMOS_ENGINE_NUMERIC_H

#include <stdint.h>

static inline uint32_t num_f32_bits(float f) { union { float f; uint32_t u; } x = { .f = f }; return x.u; }
static inline float num_bits_f32(uint32_t u) { union { uint32_t u; float f; } x = { .u = u }; return x.f; }
static inline uint64_t num_f64_bits(double f) { union { double f; uint64_t u; } x = { .f = f }; return x.u; }
static inline double num_bits_f64(uint64_t u) { union { uint64_t u; double f; } x = { .u = u }; return x.f; }

static inline uint32_t num_rotl32(uint32_t a, uint32_t b) { b &= 31; return b ? (a << b) | (a >> (32 - b)) : a; }
static inline uint32_t num_rotr32(uint32_t a, uint32_t b) { b &= 31; return b ? (a >> b) | (a << (32 - b)) : a; }
static inline uint64_t num_rotl64(uint64_t a, uint64_t b) { b &= 63; return b ? (a << b) | (a >> (64 - b)) : a; }
static inline uint64_t num_rotr64(uint64_t a, uint64_t b) { b &= 63; return b ? (a >> b) | (a << (64 - b)) : a; }
static inline uint32_t num_clz32(uint32_t a) { return a ? (uint32_t)__builtin_clz(a) : 32; }
static inline uint32_t num_ctz32(uint32_t a) { return a ? (uint32_t)__builtin_ctz(a) : 32; }
static inline uint64_t num_clz64(uint64_t a) { return a ? (uint64_t)__builtin_clzll(a) : 64; }
static inline uint64_t num_ctz64(uint64_t a) { return a ? (uint64_t)__builtin_ctzll(a) : 64; }

/* min/max: NaN in, NaN out (a + b quiets it); -0 is less than +0. */
static inline float num_fminf(float a, float b)
{
	if (a != a || b != b) return a + b;
	if (a == b) return num_bits_f32(num_f32_bits(a) | num_f32_bits(b));
	return a < b ? a : b;
}
static inline float num_fmaxf(float a, float b)
{
	if (a != a || b != b) return a + b;
	if (a == b) return num_bits_f32(num_f32_bits(a) & num_f32_bits(b));
	return a > b ? a : b;
}
static inline double num_fmin(double a, double b)
{
	if (a != a || b != b) return a + b;
	if (a == b) return num_bits_f64(num_f64_bits(a) | num_f64_bits(b));
	return a < b ? a : b;
}
static inline double num_fmax(double a, double b)
{
	if (a != a || b != b) return a + b;
	if (a == b) return num_bits_f64(num_f64_bits(a) & num_f64_bits(b));
	return a > b ? a : b;
}

/* trunc by clearing fraction bits: exact, keeps the sign of zero. */
static inline double num_trunc(double x)
{
	uint64_t u = num_f64_bits(x);
	int e = (int)((u >> 52) & 0x7ff) - 1023;
	if (e >= 52) return x != x ? x + x : x; /* integral, inf, or NaN (quieted) */
	if (e < 0) return num_bits_f64(u & 0x8000000000000000ull);
	return num_bits_f64(u & ~((1ull << (52 - e)) - 1));
}
static inline float num_truncf(float x)
{
	uint32_t u = num_f32_bits(x);
	int e = (int)((u >> 23) & 0xff) - 127;
	if (e >= 23) return x != x ? x + x : x;
	if (e < 0) return num_bits_f32(u & 0x80000000u);
	return num_bits_f32(u & ~((1u << (23 - e)) - 1));
}
static inline double num_floor(double x)
{
	double t = num_trunc(x);
	return (x < 0 && t != x) ? t - 1.0 : t;
}
static inline float num_floorf(float x)
{
	float t = num_truncf(x);
	return (x < 0 && t != x) ? t - 1.0f : t;
}
static inline double num_ceil(double x)
{
	double t = num_trunc(x);
	if (x > 0 && t != x) return t + 1.0;
	return t;
}
static inline float num_ceilf(float x)
{
	float t = num_truncf(x);
	if (x > 0 && t != x) return t + 1.0f;
	return t;
}
/* Round half to even: adding and removing 2^52 rounds in the default mode. */
static inline double num_nearest(double x)
{
	uint64_t u = num_f64_bits(x);
	uint64_t sign = u & 0x8000000000000000ull;
	double ax = num_bits_f64(u & ~0x8000000000000000ull);
	if (x != x) return x + x;
	if (ax >= 4503599627370496.0) return x;
	volatile double big = 4503599627370496.0; /* keep the compiler from folding */
	double r = (ax + big) - big;
	return num_bits_f64(num_f64_bits(r) | sign);
}
static inline float num_nearestf(float x)
{
	uint32_t u = num_f32_bits(x);
	uint32_t sign = u & 0x80000000u;
	float ax = num_bits_f32(u & 0x7fffffffu);
	if (x != x) return x + x;
	if (ax >= 8388608.0f) return x;
	volatile float big = 8388608.0f;
	float r = (ax + big) - big;
	return num_bits_f32(num_f32_bits(r) | sign);
}

/* Saturating float-to-int; the f32 forms are passed as double (exact). */
static inline int32_t num_sat_i32_f64(double x)
{
	if (x != x) return 0;
	if (x < -2147483648.0) return INT32_MIN;
	if (x >= 2147483648.0) return INT32_MAX;
	return (int32_t)x;
}
static inline uint32_t num_sat_u32_f64(double x)
{
	if (!(x > -1.0)) return 0;
	if (x >= 4294967296.0) return UINT32_MAX;
	return (uint32_t)x;
}
static inline int64_t num_sat_i64_f64(double x)
{
	if (x != x) return 0;
	if (x < -9223372036854775808.0) return INT64_MIN;
	if (x >= 9223372036854775808.0) return INT64_MAX;
	return (int64_t)x;
}
static inline uint64_t num_sat_u64_f64(double x)
{
	if (!(x > -1.0)) return 0;
	if (x >= 18446744073709551616.0) return UINT64_MAX;
	return (uint64_t)x;
}

#endif
