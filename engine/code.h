/* code.h: compiled function code, as compile.c emits it and exec.c runs it.
 * Internal to engine/.
 *
 * A function compiles to a flat array of 32-bit words.  Each instruction is an
 * opcode word followed by its operands: frame-slot indices (relative to the frame
 * pointer), immediates, and branch offsets (relative to the offset word itself).
 * The opcode word holds either the op number (switch dispatch, test builds) or the
 * distance of the op's label from the first label (computed goto, release builds);
 * compile.c asks exec.c which (eng_exec_op_table).
 *
 * Frame layout (8-byte slots): params | other locals | operand stack.  The operand
 * stack entry at slot height h lives in slot nlocals + h ("its home").  A call places
 * the callee's frame at the caller's first argument slot, so arguments need no copy
 * and results come back in the same slots.
 */
#ifndef WASMOS_ENGINE_CODE_H
#define WASMOS_ENGINE_CODE_H

#include <stdint.h>
#include <stdbool.h>

typedef struct eng_code {
	uint32_t *words;
	uint32_t nwords;
	uint32_t words_cap;      /* allocated words, for the free */
	uint32_t nparam_slots;  /* slots taken by the parameters */
	uint32_t nlocal_slots;  /* slots of params and locals together */
	uint32_t frame_slots;   /* params + locals + deepest operand stack */
	uint32_t nresult_slots;
} eng_code;

/* exec.c: the op table compile.c encodes opcode words with.  NULL means "switch
 * dispatch: store op numbers"; else table[op] is the word to store. */
const int32_t *eng_exec_op_table(void);

#endif
