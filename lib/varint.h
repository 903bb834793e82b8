/* varint.h: unsigned LEB128 varints as multiformats and protobuf write them.
 *
 * Seven bits per byte, least significant group first, the high bit set on every byte
 * but the last.  Every length prefix and code of the IPFS formats (CIDs, multihashes,
 * CAR, libp2p framing) is one; protobuf uses the same bytes for its varints.
 *
 * Reading accepts only the minimal form (no trailing 0x80 0x00 groups), so a value has
 * one encoding and equal values compare equal as bytes.  The multiformats spec caps a
 * varint at 9 bytes (63 bits): wos_varint_get.  Protobuf allows 10 (a full uint64, as
 * negative int32/int64 need): wos_varint_get_u64.  Freestanding; nothing allocates.
 * Included by lib/pb.c, lib/car.c, lib/cid.c and net/.
 */
#ifndef WASMOS_LIB_VARINT_H
#define WASMOS_LIB_VARINT_H

#include <stddef.h>
#include <stdint.h>

#define WOS_VARINT_MAX 10    /* bytes a uint64 can take: the room wos_varint_put needs */
#define WOS_VARINT_MF_MAX 9  /* bytes the multiformats spec allows */

/* Writes v to out (room for WOS_VARINT_MAX bytes) and returns the bytes written, 1..10. */
size_t wos_varint_put(uint8_t *out, uint64_t v);
/* Bytes wos_varint_put would write for v. */
size_t wos_varint_size(uint64_t v);

/* Reads a multiformats varint (at most 9 bytes, minimal) from len bytes at p into *v.
 * Returns the bytes read, or 0 when the input ends inside it, it is longer than 9
 * bytes, or it is not minimal (*v is then unspecified). */
size_t wos_varint_get(const uint8_t *p, size_t len, uint64_t *v);
/* The same for protobuf: at most 10 bytes, the tenth holding only bit 63. */
size_t wos_varint_get_u64(const uint8_t *p, size_t len, uint64_t *v);

#endif
