/* mss.h: multistream-select 1.0, dialer and listener, as a state machine without I/O.
 *
 * Every message is varint(len) text '\n', len counting the '\n'.  Both sides begin
 * with "/multistream/1.0.0"; the dialer proposes one protocol, the listener echoes it
 * (agreed) or answers "na" (refused) and waits for another proposal.  Used on the raw
 * connection (/noise), inside Noise (/yamux/1.0.0) and at the start of every stream.
 *
 * The caller feeds received bytes to net_mss_input, which takes only the bytes of
 * multistream messages: whatever follows the final message belongs to the protocol
 * agreed (a dialer may send its first data right behind its proposal).  Output goes
 * to a caller's buffer of NET_MSS_OUT_MAX bytes.  Included by net/.
 */
#ifndef WASMOS_NET_MSS_H
#define WASMOS_NET_MSS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NET_MSS_PROTO_MAX 128   /* bytes of a protocol name (NET_PROTOCOL_MAX) */
#define NET_MSS_OUT_MAX 160     /* room for any output: header + one proposal */

/* What net_mss_input saw. */
enum {
	NET_MSS_MORE = 0,       /* nothing decided yet: feed more bytes */
	NET_MSS_AGREED = 1,     /* the protocol is agreed: bytes after *used are its own */
	NET_MSS_PROPOSAL = 2,   /* listener: the dialer proposed m->proto; call accept or refuse */
	NET_MSS_REFUSED = 3,    /* dialer: the listener said "na" */
	NET_MSS_ERR = -1,       /* not multistream-select 1.0 (m->why says what) */
};

typedef struct net_mss {
	bool dialer;
	uint8_t state;
	char proto[NET_MSS_PROTO_MAX + 1]; /* dialer: ours; listener: the last proposal */
	uint8_t buf[NET_MSS_PROTO_MAX + 8]; /* a message split across inputs */
	size_t blen;
	const char *why;
} net_mss;

/* Starts a dialer proposing protocol: writes the header and the proposal to out and
 * returns their length (0 when the name is empty, too long or has a '\n'). */
size_t net_mss_dialer(net_mss *m, const char *protocol, uint8_t out[NET_MSS_OUT_MAX]);
/* Starts a listener: writes the header to out and returns its length. */
size_t net_mss_listener(net_mss *m, uint8_t out[NET_MSS_OUT_MAX]);
/* Takes bytes from in (len of them); sets *used to how many it took.  Stops at the
 * first decision (AGREED, PROPOSAL, REFUSED) or error; call again with the rest. */
int net_mss_input(net_mss *m, const uint8_t *in, size_t len, size_t *used);
/* Listener, after NET_MSS_PROPOSAL: agree (echo; the state becomes agreed) or refuse
 * ("na"; wait for another proposal).  Each writes to out and returns the length. */
size_t net_mss_accept(net_mss *m, uint8_t out[NET_MSS_OUT_MAX]);
size_t net_mss_refuse(net_mss *m, uint8_t out[NET_MSS_OUT_MAX]);

#endif
