/* ops.h: the internal instruction set, as one readable list.
 *
 * Everything about an op is written once here; compile.c (validation and emission)
 * and exec.c (semantics) both expand these lists, so the enum, the validator's type
 * rules and the dispatch table cannot drift apart.
 *
 * Legend for the numeric lists: X(wasm opcode, OP name, operand type, result type,
 * C expression over a (and b)).  Types are i32 i64 f32 f64 (slot fields; u32/u64 for
 * unsigned views).  Expressions may call the helpers of engine/numeric.h.  Ops that
 * can trap or need more than one expression are written by hand in exec.c and listed
 * in ENG_SPECIAL_OPS with their operand words.
 */
#ifndef WASMOS_ENGINE_OPS_H
#define WASMOS_ENGINE_OPS_H

/* dst = a OP b: words op, dst, a, b */
#define ENG_BINARY_OPS(X)                                                         \
	X(0x6a, I32_ADD, u32, u32, a + b)                                         \
	X(0x6b, I32_SUB, u32, u32, a - b)                                         \
	X(0x6c, I32_MUL, u32, u32, a * b)                                         \
	X(0x71, I32_AND, u32, u32, a & b)                                         \
	X(0x72, I32_OR, u32, u32, a | b)                                          \
	X(0x73, I32_XOR, u32, u32, a ^ b)                                         \
	X(0x74, I32_SHL, u32, u32, a << (b & 31))                                 \
	X(0x75, I32_SHR_S, i32, i32, a >> (b & 31))                               \
	X(0x76, I32_SHR_U, u32, u32, a >> (b & 31))                               \
	X(0x77, I32_ROTL, u32, u32, num_rotl32(a, b))                             \
	X(0x78, I32_ROTR, u32, u32, num_rotr32(a, b))                             \
	X(0x46, I32_EQ, u32, u32, a == b)                                         \
	X(0x47, I32_NE, u32, u32, a != b)                                         \
	X(0x48, I32_LT_S, i32, u32, a < b)                                        \
	X(0x49, I32_LT_U, u32, u32, a < b)                                        \
	X(0x4a, I32_GT_S, i32, u32, a > b)                                        \
	X(0x4b, I32_GT_U, u32, u32, a > b)                                        \
	X(0x4c, I32_LE_S, i32, u32, a <= b)                                       \
	X(0x4d, I32_LE_U, u32, u32, a <= b)                                       \
	X(0x4e, I32_GE_S, i32, u32, a >= b)                                       \
	X(0x4f, I32_GE_U, u32, u32, a >= b)                                       \
	X(0x7c, I64_ADD, u64, u64, a + b)                                         \
	X(0x7d, I64_SUB, u64, u64, a - b)                                         \
	X(0x7e, I64_MUL, u64, u64, a * b)                                         \
	X(0x83, I64_AND, u64, u64, a & b)                                         \
	X(0x84, I64_OR, u64, u64, a | b)                                          \
	X(0x85, I64_XOR, u64, u64, a ^ b)                                         \
	X(0x86, I64_SHL, u64, u64, a << (b & 63))                                 \
	X(0x87, I64_SHR_S, i64, i64, a >> (b & 63))                               \
	X(0x88, I64_SHR_U, u64, u64, a >> (b & 63))                               \
	X(0x89, I64_ROTL, u64, u64, num_rotl64(a, b))                             \
	X(0x8a, I64_ROTR, u64, u64, num_rotr64(a, b))                             \
	X(0x51, I64_EQ, u64, u32, a == b)                                         \
	X(0x52, I64_NE, u64, u32, a != b)                                         \
	X(0x53, I64_LT_S, i64, u32, a < b)                                        \
	X(0x54, I64_LT_U, u64, u32, a < b)                                        \
	X(0x55, I64_GT_S, i64, u32, a > b)                                        \
	X(0x56, I64_GT_U, u64, u32, a > b)                                        \
	X(0x57, I64_LE_S, i64, u32, a <= b)                                       \
	X(0x58, I64_LE_U, u64, u32, a <= b)                                       \
	X(0x59, I64_GE_S, i64, u32, a >= b)                                       \
	X(0x5a, I64_GE_U, u64, u32, a >= b)                                       \
	X(0x92, F32_ADD, f32, f32, a + b)                                         \
	X(0x93, F32_SUB, f32, f32, a - b)                                         \
	X(0x94, F32_MUL, f32, f32, a * b)                                         \
	X(0x95, F32_DIV, f32, f32, a / b)                                         \
	X(0x96, F32_MIN, f32, f32, num_fminf(a, b))                               \
	X(0x97, F32_MAX, f32, f32, num_fmaxf(a, b))                               \
	X(0x98, F32_COPYSIGN, u32, u32, (a & 0x7fffffffu) | (b & 0x80000000u))   \
	X(0x5b, F32_EQ, f32, u32, a == b)                                         \
	X(0x5c, F32_NE, f32, u32, a != b)                                         \
	X(0x5d, F32_LT, f32, u32, a < b)                                          \
	X(0x5e, F32_GT, f32, u32, a > b)                                          \
	X(0x5f, F32_LE, f32, u32, a <= b)                                         \
	X(0x60, F32_GE, f32, u32, a >= b)                                         \
	X(0xa0, F64_ADD, f64, f64, a + b)                                         \
	X(0xa1, F64_SUB, f64, f64, a - b)                                         \
	X(0xa2, F64_MUL, f64, f64, a * b)                                         \
	X(0xa3, F64_DIV, f64, f64, a / b)                                         \
	X(0xa4, F64_MIN, f64, f64, num_fmin(a, b))                                \
	X(0xa5, F64_MAX, f64, f64, num_fmax(a, b))                                \
	X(0xa6, F64_COPYSIGN, u64, u64,                                           \
	  (a & 0x7fffffffffffffffull) | (b & 0x8000000000000000ull))             \
	X(0x61, F64_EQ, f64, u32, a == b)                                         \
	X(0x62, F64_NE, f64, u32, a != b)                                         \
	X(0x63, F64_LT, f64, u32, a < b)                                          \
	X(0x64, F64_GT, f64, u32, a > b)                                          \
	X(0x65, F64_LE, f64, u32, a <= b)                                         \
	X(0x66, F64_GE, f64, u32, a >= b)

/* Compare-and-branch fusions: a compare whose only use is br_if or if.
 * X(compare OP, operand type, C operator, the inverse compare) */
#define ENG_CMP_BRANCH_OPS(X)                                                     \
	X(I32_EQ, u32, ==, I32_NE)                                                \
	X(I32_NE, u32, !=, I32_EQ)                                                \
	X(I32_LT_S, i32, <, I32_GE_S)                                             \
	X(I32_LT_U, u32, <, I32_GE_U)                                             \
	X(I32_GT_S, i32, >, I32_LE_S)                                             \
	X(I32_GT_U, u32, >, I32_LE_U)                                             \
	X(I32_LE_S, i32, <=, I32_GT_S)                                            \
	X(I32_LE_U, u32, <=, I32_GT_U)                                            \
	X(I32_GE_S, i32, >=, I32_LT_S)                                            \
	X(I32_GE_U, u32, >=, I32_LT_U)                                            \
	X(I64_EQ, u64, ==, I64_NE)                                                \
	X(I64_NE, u64, !=, I64_EQ)                                                \
	X(I64_LT_S, i64, <, I64_GE_S)                                             \
	X(I64_LT_U, u64, <, I64_GE_U)                                             \
	X(I64_GT_S, i64, >, I64_LE_S)                                             \
	X(I64_GT_U, u64, >, I64_LE_U)                                             \
	X(I64_LE_S, i64, <=, I64_GT_S)                                            \
	X(I64_LE_U, u64, <=, I64_GT_U)                                            \
	X(I64_GE_S, i64, >=, I64_LT_S)                                            \
	X(I64_GE_U, u64, >=, I64_LT_U)

/* A binary op whose second operand is the value a load just produced: one op, dst =
 * a OP mem[addr + offset] (words op, dst, a, addr, offset).  Float arithmetic and
 * integer ops that array code pairs with loads.
 * X(binary OP, fused name, the load it absorbs, operand field, value type in memory,
 *   bytes, C expression) */
#define ENG_LOAD_BINARY_OPS(X)                                                    \
	X(F64_ADD, F64_ADD_LOAD, F64_LOAD, f64, double, 8, a + b)                           \
	X(F64_SUB, F64_SUB_LOAD, F64_LOAD, f64, double, 8, a - b)                           \
	X(F64_MUL, F64_MUL_LOAD, F64_LOAD, f64, double, 8, a * b)                           \
	X(F32_ADD, F32_ADD_LOAD, F32_LOAD, f32, float, 4, a + b)                            \
	X(F32_SUB, F32_SUB_LOAD, F32_LOAD, f32, float, 4, a - b)                            \
	X(F32_MUL, F32_MUL_LOAD, F32_LOAD, f32, float, 4, a * b)                            \
	X(I32_ADD, I32_ADD_LOAD, I32_LOAD, u32, uint32_t, 4, a + b)                         \
	X(I32_SUB, I32_SUB_LOAD, I32_LOAD, u32, uint32_t, 4, a - b)                         \
	X(I32_MUL, I32_MUL_LOAD, I32_LOAD, u32, uint32_t, 4, a * b)                         \
	X(I32_AND, I32_AND_LOAD, I32_LOAD, u32, uint32_t, 4, a & b)                         \
	X(I32_XOR, I32_XOR_LOAD, I32_LOAD, u32, uint32_t, 4, a ^ b)                         \
	X(I64_ADD, I64_ADD_LOAD, I64_LOAD, u64, uint64_t, 8, a + b)                         \
	X(I64_SUB, I64_SUB_LOAD, I64_LOAD, u64, uint64_t, 8, a - b)                         \
	X(I64_MUL, I64_MUL_LOAD, I64_LOAD, u64, uint64_t, 8, a * b)                         \
	X(I64_XOR, I64_XOR_LOAD, I64_LOAD, u64, uint64_t, 8, a ^ b)

/* dst = OP a: words op, dst, a */
#define ENG_UNARY_OPS(X)                                                          \
	X(0x45, I32_EQZ, u32, u32, a == 0)                                        \
	X(0x67, I32_CLZ, u32, u32, num_clz32(a))                                  \
	X(0x68, I32_CTZ, u32, u32, num_ctz32(a))                                  \
	X(0x69, I32_POPCNT, u32, u32, (uint32_t)__builtin_popcount(a))            \
	X(0x50, I64_EQZ, u64, u32, a == 0)                                        \
	X(0x79, I64_CLZ, u64, u64, num_clz64(a))                                  \
	X(0x7a, I64_CTZ, u64, u64, num_ctz64(a))                                  \
	X(0x7b, I64_POPCNT, u64, u64, (uint64_t)__builtin_popcountll(a))          \
	X(0x8b, F32_ABS, u32, u32, a & 0x7fffffffu)                               \
	X(0x8c, F32_NEG, u32, u32, a ^ 0x80000000u)                               \
	X(0x8d, F32_CEIL, f32, f32, num_ceilf(a))                                 \
	X(0x8e, F32_FLOOR, f32, f32, num_floorf(a))                               \
	X(0x8f, F32_TRUNC, f32, f32, num_truncf(a))                               \
	X(0x90, F32_NEAREST, f32, f32, num_nearestf(a))                           \
	X(0x91, F32_SQRT, f32, f32, __builtin_sqrtf(a))                           \
	X(0x99, F64_ABS, u64, u64, a & 0x7fffffffffffffffull)                     \
	X(0x9a, F64_NEG, u64, u64, a ^ 0x8000000000000000ull)                     \
	X(0x9b, F64_CEIL, f64, f64, num_ceil(a))                                  \
	X(0x9c, F64_FLOOR, f64, f64, num_floor(a))                                \
	X(0x9d, F64_TRUNC, f64, f64, num_trunc(a))                                \
	X(0x9e, F64_NEAREST, f64, f64, num_nearest(a))                            \
	X(0x9f, F64_SQRT, f64, f64, __builtin_sqrt(a))                            \
	X(0xa7, I32_WRAP_I64, u64, u32, (uint32_t)a)                              \
	X(0xac, I64_EXTEND_I32_S, i32, i64, (int64_t)a)                           \
	X(0xad, I64_EXTEND_I32_U, u32, u64, (uint64_t)a)                          \
	X(0xb2, F32_CONVERT_I32_S, i32, f32, (float)a)                            \
	X(0xb3, F32_CONVERT_I32_U, u32, f32, (float)a)                            \
	X(0xb4, F32_CONVERT_I64_S, i64, f32, (float)a)                            \
	X(0xb5, F32_CONVERT_I64_U, u64, f32, (float)a)                            \
	X(0xb6, F32_DEMOTE_F64, f64, f32, (float)a)                               \
	X(0xb7, F64_CONVERT_I32_S, i32, f64, (double)a)                           \
	X(0xb8, F64_CONVERT_I32_U, u32, f64, (double)a)                           \
	X(0xb9, F64_CONVERT_I64_S, i64, f64, (double)a)                           \
	X(0xba, F64_CONVERT_I64_U, u64, f64, (double)a)                           \
	X(0xbb, F64_PROMOTE_F32, f32, f64, (double)a)                             \
	X(0xc0, I32_EXTEND8_S, u32, u32, (uint32_t)(int32_t)(int8_t)a)            \
	X(0xc1, I32_EXTEND16_S, u32, u32, (uint32_t)(int32_t)(int16_t)a)          \
	X(0xc2, I64_EXTEND8_S, u64, u64, (uint64_t)(int64_t)(int8_t)a)            \
	X(0xc3, I64_EXTEND16_S, u64, u64, (uint64_t)(int64_t)(int16_t)a)          \
	X(0xc4, I64_EXTEND32_S, u64, u64, (uint64_t)(int64_t)(int32_t)a)

/* Non-trapping float-to-int (0xfc prefix, sub-opcodes 0..7): dst = OP a. */
#define ENG_SAT_OPS(X)                                                            \
	X(0, I32_TRUNC_SAT_F32_S, f32, u32, (uint32_t)num_sat_i32_f64(a))         \
	X(1, I32_TRUNC_SAT_F32_U, f32, u32, num_sat_u32_f64(a))                   \
	X(2, I32_TRUNC_SAT_F64_S, f64, u32, (uint32_t)num_sat_i32_f64(a))         \
	X(3, I32_TRUNC_SAT_F64_U, f64, u32, num_sat_u32_f64(a))                   \
	X(4, I64_TRUNC_SAT_F32_S, f32, u64, (uint64_t)num_sat_i64_f64(a))         \
	X(5, I64_TRUNC_SAT_F32_U, f32, u64, num_sat_u64_f64(a))                   \
	X(6, I64_TRUNC_SAT_F64_S, f64, u64, (uint64_t)num_sat_i64_f64(a))         \
	X(7, I64_TRUNC_SAT_F64_U, f64, u64, num_sat_u64_f64(a))

/* Trapping conversions: dst = OP a, or trap.  X(wasm opcode, OP, in, out,
 * lower bound (exclusive), upper bound (exclusive), C type). */
#define ENG_TRUNC_OPS(X)                                                          \
	X(0xa8, I32_TRUNC_F32_S, f32, u32, -2147483904.0, 2147483648.0, int32_t)  \
	X(0xa9, I32_TRUNC_F32_U, f32, u32, -1.0, 4294967296.0, uint32_t)          \
	X(0xaa, I32_TRUNC_F64_S, f64, u32, -2147483649.0, 2147483648.0, int32_t)  \
	X(0xab, I32_TRUNC_F64_U, f64, u32, -1.0, 4294967296.0, uint32_t)          \
	X(0xae, I64_TRUNC_F32_S, f32, u64, -9223373136366403584.0,                \
	  9223372036854775808.0, int64_t)                                         \
	X(0xaf, I64_TRUNC_F32_U, f32, u64, -1.0, 18446744073709551616.0, uint64_t) \
	X(0xb0, I64_TRUNC_F64_S, f64, u64, -9223372036854777856.0,                \
	  9223372036854775808.0, int64_t)                                         \
	X(0xb1, I64_TRUNC_F64_U, f64, u64, -1.0, 18446744073709551616.0, uint64_t)

/* Integer division and remainder (trap on zero; div_s traps on overflow).
 * X(wasm opcode, OP, unsigned type, signed type, kind) */
#define ENG_DIV_OPS(X)                                                            \
	X(0x6d, I32_DIV_S, u32, i32, DIV_S)                                       \
	X(0x6e, I32_DIV_U, u32, i32, DIV_U)                                       \
	X(0x6f, I32_REM_S, u32, i32, REM_S)                                       \
	X(0x70, I32_REM_U, u32, i32, REM_U)                                       \
	X(0x7f, I64_DIV_S, u64, i64, DIV_S)                                       \
	X(0x80, I64_DIV_U, u64, i64, DIV_U)                                       \
	X(0x81, I64_REM_S, u64, i64, REM_S)                                       \
	X(0x82, I64_REM_U, u64, i64, REM_U)

/* Loads: dst = mem[a + offset]: words op, dst, addr, offset.
 * X(wasm opcode, OP, result type, value type in memory, bytes) */
#define ENG_LOAD_OPS(X)                                                           \
	X(0x28, I32_LOAD, u32, uint32_t, 4)                                       \
	X(0x29, I64_LOAD, u64, uint64_t, 8)                                       \
	X(0x2a, F32_LOAD, u32, uint32_t, 4)                                       \
	X(0x2b, F64_LOAD, u64, uint64_t, 8)                                       \
	X(0x2c, I32_LOAD8_S, i32, int8_t, 1)                                      \
	X(0x2d, I32_LOAD8_U, u32, uint8_t, 1)                                     \
	X(0x2e, I32_LOAD16_S, i32, int16_t, 2)                                    \
	X(0x2f, I32_LOAD16_U, u32, uint16_t, 2)                                   \
	X(0x30, I64_LOAD8_S, i64, int8_t, 1)                                      \
	X(0x31, I64_LOAD8_U, u64, uint8_t, 1)                                     \
	X(0x32, I64_LOAD16_S, i64, int16_t, 2)                                    \
	X(0x33, I64_LOAD16_U, u64, uint16_t, 2)                                   \
	X(0x34, I64_LOAD32_S, i64, int32_t, 4)                                    \
	X(0x35, I64_LOAD32_U, u64, uint32_t, 4)

/* Stores: mem[a + offset] = b: words op, addr, value, offset.
 * X(wasm opcode, OP, source type, value type in memory, bytes) */
#define ENG_STORE_OPS(X)                                                          \
	X(0x36, I32_STORE, u32, uint32_t, 4)                                      \
	X(0x37, I64_STORE, u64, uint64_t, 8)                                      \
	X(0x38, F32_STORE, u32, uint32_t, 4)                                      \
	X(0x39, F64_STORE, u64, uint64_t, 8)                                      \
	X(0x3a, I32_STORE8, u32, uint8_t, 1)                                      \
	X(0x3b, I32_STORE16, u32, uint16_t, 2)                                    \
	X(0x3c, I64_STORE8, u64, uint8_t, 1)                                      \
	X(0x3d, I64_STORE16, u64, uint16_t, 2)                                    \
	X(0x3e, I64_STORE32, u64, uint32_t, 4)

/* Everything else, written by hand in exec.c.  X(OP, operand words after the op) */
#define ENG_SPECIAL_OPS(X)                                                        \
	X(UNREACHABLE, 0)                                                         \
	X(COPY, 2)           /* dst, src */                                       \
	X(COPY32, 2)         /* dst, src: i32/f32 (keeps upper bits unwritten) */ \
	X(CONST32, 2)        /* dst, imm */                                       \
	X(CONST64, 3)        /* dst, lo, hi */                                    \
	X(BR, 1)             /* offset */                                         \
	X(BR_IF, 2)          /* cond, offset */                                   \
	X(BR_UNLESS, 2)      /* cond, offset */                                   \
	X(BR_TABLE, 2)       /* index, n, then n+1 offsets */                     \
	X(RETURN, 0)         /* results already in slots 0.. */                   \
	X(CALL, 2)           /* function index, frame base slot */                \
	X(CALL_INDIRECT, 4)  /* type index, table, elem slot, frame base slot */  \
	X(SELECT, 4)         /* dst, a, b, cond */                                \
	X(GLOBAL_GET, 2)     /* dst, global index */                              \
	X(GLOBAL_SET, 2)     /* src, global index */                              \
	X(MEMORY_SIZE, 1)    /* dst */                                            \
	X(MEMORY_GROW, 2)    /* dst, delta */                                     \
	X(MEMORY_FILL, 3)    /* dst addr, value, len */                           \
	X(MEMORY_COPY, 3)    /* dst addr, src addr, len */                        \
	X(MEMORY_INIT, 4)    /* segment, dst addr, src offset, len */             \
	X(DATA_DROP, 1)      /* segment */                                        \
	X(TABLE_GET, 3)      /* dst, index, table */                              \
	X(TABLE_SET, 3)      /* index, value, table */                            \
	X(TABLE_SIZE, 2)     /* dst, table */                                     \
	X(TABLE_GROW, 4)     /* dst, init value, delta, table */                 \
	X(TABLE_FILL, 4)     /* index, value, len, table */                       \
	X(TABLE_COPY, 5)     /* dst idx, src idx, len, dst table, src table */    \
	X(TABLE_INIT, 5)     /* dst idx, src offset, len, table, segment */       \
	X(ELEM_DROP, 1)      /* segment */                                        \
	X(REF_IS_NULL, 2)    /* dst, src */                                       \
	X(REF_FUNC, 2)       /* dst, function index */

/* Every binary op also has an _IMM form whose second operand is an immediate
 * (words op, dst, a, imm [, imm high word for 64-bit operands]); it must directly
 * follow the plain forms in the enum (OP_x_IMM == OP_x + ENG_NUM_BINARY).
 * Fused compare-branches: BR_IF_x (words op, a, b, offset) and BR_IF_x_IMM (words
 * op, a, imm [, imm high], offset). */
enum {
#define ENG_OP_ENUM_NUM(code, name, ...) OP_##name,
#define ENG_OP_ENUM_IMM(code, name, ...) OP_##name##_IMM,
#define ENG_OP_ENUM_CMPBR(name, ...) OP_BR_IF_##name, OP_BR_IF_##name##_IMM,
#define ENG_OP_ENUM_LOADBIN(op, name, ...) OP_##name,
#define ENG_OP_ENUM_SPECIAL(name, n) OP_##name,
	ENG_BINARY_OPS(ENG_OP_ENUM_NUM)
	ENG_BINARY_OPS(ENG_OP_ENUM_IMM)
	ENG_CMP_BRANCH_OPS(ENG_OP_ENUM_CMPBR)
	ENG_LOAD_BINARY_OPS(ENG_OP_ENUM_LOADBIN)
	ENG_UNARY_OPS(ENG_OP_ENUM_NUM)
	ENG_SAT_OPS(ENG_OP_ENUM_NUM)
	ENG_TRUNC_OPS(ENG_OP_ENUM_NUM)
	ENG_DIV_OPS(ENG_OP_ENUM_NUM)
	ENG_LOAD_OPS(ENG_OP_ENUM_NUM)
	ENG_STORE_OPS(ENG_OP_ENUM_NUM)
	ENG_SPECIAL_OPS(ENG_OP_ENUM_SPECIAL)
#undef ENG_OP_ENUM_NUM
#undef ENG_OP_ENUM_IMM
#undef ENG_OP_ENUM_CMPBR
#undef ENG_OP_ENUM_LOADBIN
#undef ENG_OP_ENUM_SPECIAL
	OP_COUNT_
};

#define ENG_NUM_BINARY (OP_I32_ADD_IMM - OP_I32_ADD)

#endif
