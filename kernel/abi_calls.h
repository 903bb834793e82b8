/* abi_calls.h: the imports of module `wasmos` (docs/abi.md), one row each.
 *
 * The kernel's syscall table (kernel/abi.c) and the SDK's import declarations
 * (sdk/wasmos.h) both expand this list, so the two cannot drift apart.  Every call
 * returns an i32; every parameter is an i32 (a guest address or a number).
 * X(name, parameter count, the SDK's C parameter list)
 */
#ifndef WASMOS_KERNEL_ABI_CALLS_H
#define WASMOS_KERNEL_ABI_CALLS_H

#define WASMOS_ABI_CALLS(X)                                                            \
	X(emit_message, 5, (const uint8_t *iface, const wasmos_iovec *iov, uint32_t n,  \
			    uint32_t flags, uint64_t *id_out))                          \
	X(emit_answer, 4, (const uint64_t *id, const wasmos_iovec *iov, uint32_t n,     \
			   uint32_t status))                                            \
	X(next_notification, 5, (const uint64_t *ids, uint32_t n, void *out,            \
				 uint32_t out_len, uint32_t flags))                     \
	X(cancel_message, 1, (const uint64_t *id))

#endif
