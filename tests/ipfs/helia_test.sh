#!/usr/bin/env bash
# helia_test.sh: the Helia test peer works on this machine.  Two Helia nodes on
# loopback (tests/ipfs/peer.mjs serves, client.mjs fetches): a raw block, a one-leaf
# dag-pb file and a two-leaf 1 MiB+ UnixFS file travel over bitswap, each checked
# against sha256sum of the file; identify and ping answer; the fixed seed gives the
# peer id known in advance; a missing CID fails within the client's timeout.
#
# Usage: tests/ipfs/helia_test.sh   (node_modules installed: `make test` does it)
# Prints each test's name with ok or FAIL, then "N passed, N failed".
# shellcheck disable=SC2015
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
LIMIT=60
TOP=$(mktemp -d)
passed=0
failed=0
COUT='' CERR='' CRC=''
# shellcheck source=tests/ipfs/lib.sh
. "$ROOT/tests/ipfs/lib.sh"
trap 'peer_stop A; rm -rf "$TOP"' EXIT

fail() {
	echo "  $*" >&2
	echo "  client status $CRC; stdout: ${COUT:0:400}; stderr: ${CERR:0:400}" >&2
	return 1
}

run_test() {
	if "$1"; then
		echo "$1 ok"
		passed=$((passed + 1))
	else
		echo "$1 FAIL"
		failed=$((failed + 1))
	fi
}

printf 'hello-ipfs-from-c-os\n' >"$TOP/hello.txt"
head -c 1048699 /dev/urandom >"$TOP/big.bin"
HELLO_SHA=$(sha256sum "$TOP/hello.txt" | cut -d' ' -f1)
BIG_SHA=$(sha256sum "$TOP/big.bin" | cut -d' ' -f1)

if ! peer_start A --seed "$SEED00" --verbose "$TOP/hello.txt" "$TOP/big.bin"; then
	echo "helia_test.sh: the Helia peer did not start:" >&2
	cat "$TOP/A.err" >&2
	echo "0 passed, 1 failed"
	exit 1
fi
ADDR=$(json 'j.multiaddrs[0]')

test_peer_id_comes_from_the_seed() {
	[ "$(json j.peerId)" = "$SEED00_ID" ] || fail "peer id $(json j.peerId)" || return 1
	[[ $ADDR == /ip4/127.0.0.1/tcp/*/p2p/$SEED00_ID ]] || fail "multiaddr $ADDR"
}

test_peer_cids_are_helias_defaults() {
	# a one-chunk file is its raw block; the hello CID is the one in ipfs-notes §2
	[ "$(json 'j.files[0].raw')" = bafkreic4et4fw24lpxceknmjnys7nzsyp6mwromctcxldxfarkdvfsfbp4 ] &&
		[ "$(json 'j.files[0].unixfs')" = "$(json 'j.files[0].raw')" ] &&
		[ "$(json 'j.files[0].unixfsPb')" = bafybeih7rj6ujgwendxtv2tnntfk66xlceegddhnp3ijehdghsrr5igm4e ] &&
		[ "$(json 'j.files[1].raw')" = null ] &&
		[ "$(json 'j.files[1].sha256')" = "$BIG_SHA" ] || fail "files: $(json j.files)"
}

test_fetch_raw_block_over_bitswap() {
	client fetch "$ADDR" "$(json 'j.files[0].raw')"
	[ "$CRC" -eq 0 ] && [ "$COUT" = "$HELLO_SHA 21" ] || fail "want '$HELLO_SHA 21'"
}

test_fetch_dag_pb_file_over_bitswap() {
	client fetch "$ADDR" "$(json 'j.files[0].unixfsPb')"
	[ "$CRC" -eq 0 ] && [ "$COUT" = "$HELLO_SHA 21" ] || fail "want '$HELLO_SHA 21'"
}

test_fetch_two_leaf_unixfs_file_over_bitswap() {
	client fetch "$ADDR" "$(json 'j.files[1].unixfs')"
	[ "$CRC" -eq 0 ] && [ "$COUT" = "$BIG_SHA 1048699" ] || fail "want '$BIG_SHA 1048699'"
}

test_identify_and_ping_answer() {
	client identify "$ADDR"
	[ "$CRC" -eq 0 ] || fail "identify failed" || return 1
	PEER_JSON=$COUT json 'j.peerId' | grep -qx "$SEED00_ID" &&
		PEER_JSON=$COUT json 'j.protocols.join(" ")' | grep -q '/ipfs/kad/1.0.0' &&
		PEER_JSON=$COUT json 'j.protocols.join(" ")' | grep -q '/ipfs/bitswap/1.2.0' ||
		fail "identify: $COUT" || return 1
	client ping "$ADDR"
	[ "$CRC" -eq 0 ] && [ "$COUT" = pong ] || fail "ping"
}

test_peer_logs_the_clients_it_identified() {
	grep -q '^event identify ' "$TOP/A.err" || fail "no identify event in: $(head -c 400 "$TOP/A.err")"
}

test_missing_cid_fails_within_the_timeout() {
	# the raw CID of "not there\n"; the peer does not have it
	COUT=$(TIMEOUT_MS=1500 timeout "$LIMIT" node "$IPFS/client.mjs" fetch "$ADDR" \
		bafkreiakzpwomo7adzxxw3hhldlijmqpgvomnfeacopobrr3s5opwoqdnm 2>"$TOP/client.err")
	CRC=$?
	CERR=$(cat "$TOP/client.err")
	[ "$CRC" -eq 1 ] && [ -z "$COUT" ] && [[ $CERR == *abort* ]] || fail "want status 1, no output, an abort"
}

run_tests
