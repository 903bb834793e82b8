/* multiaddr.h: multiaddrs (multiformats/multiaddr), text <-> binary.
 *
 * Binary: for each component varint(code) then its value: ip4 4 bytes, ip6 16,
 * tcp/udp a big-endian u16 port, dns/dns4/dns6/dnsaddr and p2p a varint length and
 * bytes, quic-v1/ws/wss nothing.  Text: "/ip4/127.0.0.1/tcp/4001/p2p/12D3KooW...".
 * Other protocols are refused (we cannot dial them, and an address we cannot print
 * is one we cannot check).  Included by net/ and hosted/p2p*.c.
 */
#ifndef WASMOS_NET_MULTIADDR_H
#define WASMOS_NET_MULTIADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "peerid.h"

#define NET_MADDR_MAX 300       /* bytes of a binary multiaddr we keep */
#define NET_MADDR_TEXT_MAX 400  /* characters of its text, with the NUL */

/* Protocol codes (multicodec table). */
enum {
	NET_MA_IP4 = 0x04, NET_MA_TCP = 0x06, NET_MA_UDP = 0x0111, NET_MA_IP6 = 0x29,
	NET_MA_DNS = 0x35, NET_MA_DNS4 = 0x36, NET_MA_DNS6 = 0x37, NET_MA_DNSADDR = 0x38,
	NET_MA_P2P = 0x01a5, NET_MA_QUIC_V1 = 0x01cc, NET_MA_WS = 0x01dd, NET_MA_WSS = 0x01de,
};

/* Text to binary: 0 with *len set, or -1 (unknown protocol, bad value, too long;
 * why names it when not NULL). */
int net_maddr_parse(const char *text, uint8_t *out, size_t cap, size_t *len, const char **why);
/* Binary to text (NUL-terminated): 0, or -1 when malformed or out is too small. */
int net_maddr_format(const uint8_t *b, size_t len, char *out, size_t cap);
/* Whether b is a well-formed binary multiaddr of the protocols above. */
bool net_maddr_valid(const uint8_t *b, size_t len);
/* If b ends in /p2p/ID: sets *peer, *prefix (the length before that part) and
 * returns 1; returns 0 when it has none, -1 when malformed. */
int net_maddr_split_peer(const uint8_t *b, size_t len, net_peerid *peer, size_t *prefix);
/* For a TCP dialer: b (without /p2p/) is /ip4|/ip6|/dns|/dns4|/dns6 HOST /tcp/PORT.
 * Writes the host as text (an address or a name) and the port; family is 4, 6 or
 * 0 (a name: either).  0, or -1 when b is not such an address. */
int net_maddr_tcp(const uint8_t *b, size_t len, char *host, size_t cap, uint16_t *port, int *family);
/* /ip4/A/tcp/P or /ip6/A/tcp/P from a raw address (4 or 16 bytes); returns the length. */
size_t net_maddr_from_ip(const uint8_t *ip, size_t iplen, uint16_t port, uint8_t out[32]);

#endif
