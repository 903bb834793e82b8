/* vm: a tiny stack-based bytecode interpreter running a loop program.
 *
 * The classic shape of an interpreter: fetch an opcode, switch on it (a Wasm
 * br_table), touch a small operand stack and a register file, repeat.  It measures
 * indirect branches, short-lived memory traffic and the engine's own dispatch, which
 * is the workload wasmos programs written as interpreters will bring.
 */
#include "bench.h"

#define VM_OUTER 5000000 /* outer iterations of the guest program */
#define VM_STACK 16
#define VM_REGS 4

/* Each instruction is an opcode, followed by one operand where noted. */
enum {
	OP_PUSH,  /* k: push k */
	OP_LOAD,  /* r: push reg[r] */
	OP_STORE, /* r: reg[r] = pop */
	OP_INC,   /* r: reg[r] += 1 */
	OP_DUP,   /* push top */
	OP_ADD,   /* push a + b */
	OP_MUL,   /* push a * b */
	OP_XOR,   /* push a ^ b */
	OP_SHR,   /* push a >> b (unsigned) */
	OP_LT,    /* push a < b (unsigned) */
	OP_JZ,    /* t: if pop == 0, pc = t */
	OP_JMP,   /* t: pc = t */
	OP_HALT,  /* return top */
};

/* The guest program, registers r0 = acc, r1 = i, r2 = j:
 *
 *   for (i = 0; i < VM_OUTER; i++)
 *       for (j = 0; j < 8; j++) {
 *           x = (acc ^ (i + j)) * 16777619;
 *           acc = x + (x >> 13);
 *       }
 *   return acc;
 *
 * Jump targets are absolute indices into this array: the L_ labels below name them,
 * and the comment at the start of each row gives the index of its first cell. */
enum { L_OUTER = 8, L_INNER = 19, L_NEXT_I = 48, L_END = 52 };

static const int32_t program[] = {
	/*  0 */ OP_PUSH, 0, OP_STORE, 0,
	/*  4 */ OP_PUSH, 0, OP_STORE, 1,
	/*  8 */ OP_LOAD, 1, OP_PUSH, VM_OUTER, OP_LT, OP_JZ, L_END,
	/* 15 */ OP_PUSH, 0, OP_STORE, 2,
	/* 19 */ OP_LOAD, 2, OP_PUSH, 8, OP_LT, OP_JZ, L_NEXT_I,
	/* 26 */ OP_LOAD, 0, OP_LOAD, 1, OP_LOAD, 2, OP_ADD, OP_XOR,
	/* 34 */ OP_PUSH, 16777619, OP_MUL, OP_DUP, OP_PUSH, 13, OP_SHR, OP_ADD,
	/* 42 */ OP_STORE, 0, OP_INC, 2,
	/* 46 */ OP_JMP, L_INNER,
	/* 48 */ OP_INC, 1, OP_JMP, L_OUTER,
	/* 52 */ OP_LOAD, 0, OP_HALT,
};

static uint32_t interpret(const int32_t *code)
{
	uint32_t stack[VM_STACK];
	uint32_t reg[VM_REGS] = { 0 };
	uint32_t sp = 0; /* number of values on the stack */
	uint32_t pc = 0;
	for (;;) {
		int32_t op = code[pc++];
		switch (op) {
		case OP_PUSH:
			stack[sp++] = (uint32_t)code[pc++];
			break;
		case OP_LOAD:
			stack[sp++] = reg[code[pc++]];
			break;
		case OP_STORE:
			reg[code[pc++]] = stack[--sp];
			break;
		case OP_INC:
			reg[code[pc++]]++;
			break;
		case OP_DUP:
			stack[sp] = stack[sp - 1];
			sp++;
			break;
		case OP_ADD:
			sp--;
			stack[sp - 1] += stack[sp];
			break;
		case OP_MUL:
			sp--;
			stack[sp - 1] *= stack[sp];
			break;
		case OP_XOR:
			sp--;
			stack[sp - 1] ^= stack[sp];
			break;
		case OP_SHR:
			sp--;
			stack[sp - 1] >>= stack[sp] & 31;
			break;
		case OP_LT:
			sp--;
			stack[sp - 1] = stack[sp - 1] < stack[sp];
			break;
		case OP_JZ:
			if (stack[--sp] == 0)
				pc = (uint32_t)code[pc];
			else
				pc++;
			break;
		case OP_JMP:
			pc = (uint32_t)code[pc];
			break;
		case OP_HALT:
			return stack[sp - 1];
		default:
			return 0xdeadu; /* a malformed program; ours never gets here */
		}
	}
}

BENCH_EXPORT int32_t run(void)
{
	return (int32_t)interpret(program);
}
