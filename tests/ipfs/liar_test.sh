#!/usr/bin/env bash
# liar_test.sh: a bitswap peer that sends wrong bytes for a CID (liar.mjs) is refused.
# Alone, the fetch fails naming the CID and what the liar sent, and nothing is stored;
# beside an honest Helia peer (peer.mjs), the program comes from Helia and the liar is
# sent no want after its lie.
#
# Usage: tests/ipfs/liar_test.sh path/to/wasmos   (tests/ipfs/node_modules installed:
# `make test` does it).  Each test prints its name with ok or FAIL; the script ends
# with "N passed, N failed".
# shellcheck disable=SC2015
set -uo pipefail

WASMOS=${1:?usage: liar_test.sh path/to/wasmos}
case $WASMOS in /*) ;; *) WASMOS=$PWD/$WASMOS ;; esac
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
LIMIT=60
TOP=$(mktemp -d)
passed=0
failed=0
OUT='' ERR='' RC='' LOG=''
# shellcheck source=tests/ipfs/lib.sh
. "$ROOT/tests/ipfs/lib.sh"
trap 'peer_stop L; peer_stop A; rm -rf "$TOP"' EXIT

fail() {
	echo "  $*" >&2
	echo "  exit status $RC; stdout: ${OUT:0:300}" >&2
	echo "  stderr: ${ERR:0:800}" >&2
	return 1
}

run_test() {
	T=$TOP/$1
	mkdir -p "$T/home"
	export WASMOS_HOME=$T/home
	unset WASMOS_GATEWAY
	if (cd "$T" && "$1"); then
		echo "$1 ok"
		passed=$((passed + 1))
	else
		echo "$1 FAIL"
		failed=$((failed + 1))
	fi
}

# liar_start [--stall]: a fresh liar (so its log holds one test's wants), in LIAR and
# LIAR_ID; with --stall it takes wants and answers nothing.
liar_start() {
	peer_stop L
	rm -f "$TOP/L.in" "$TOP/L.out"
	PEER_SCRIPT=liar.mjs peer_start L "$@" || { echo "  the liar did not start: $(cat "$TOP/L.err")" >&2; return 1; }
	LIAR=$(json 'j.multiaddrs[0]')
	LIAR_ID=$(json j.peerId)
}

# liar_stop: stops the liar; LOG is then what it received and did (its stderr).  (Not
# in a $(...): the FIFO that stops it must be closed by this shell.)
liar_stop() {
	peer_stop L
	LOG=$(cat "$TOP/L.err")
}

# ---- the programs and the honest peer --------------------------------------------------------

HELLO=$ROOT/build/programs/hello.wasm
[ -f "$HELLO" ] || { echo "liar_test.sh: $HELLO missing (make programs)" >&2; echo "0 passed, 1 failed"; exit 1; }
# BIG: hello with a 3 MiB custom section: leaves under a dag-pb root, wanted one after another.
BIG=$TOP/big.wasm
python3 - "$HELLO" "$BIG" <<'PY'
import sys
d = open(sys.argv[1], 'rb').read()
n = 3 * 1024 * 1024 + 4
leb = b''
while True:
    b, n = n & 0x7f, n >> 7
    leb += bytes([b | 0x80]) if n else bytes([b])
    if not n:
        break
open(sys.argv[2], 'wb').write(d + b'\x00' + leb + b'\x03pad' + b'v' * (3 * 1024 * 1024))
PY

if ! peer_start A "$HELLO" "$BIG"; then
	echo "liar_test.sh: the Helia peer did not start:" >&2
	cat "$TOP/A.err" >&2
	echo "0 passed, 1 failed"
	exit 1
fi
HELIA=$(json 'j.multiaddrs[0]')
CID=$(json 'j.files[0].unixfs')
BIG_CID=$(json 'j.files[1].unixfs')

# ---- tests ---------------------------------------------------------------------------------

test_liar_alone_is_refused_and_nothing_stored() {
	liar_start || return 1
	wasmos run --peer "$LIAR" --fetch-timeout 5 "$CID"
	liar_stop
	[[ $LOG == *"lied $CID"* ]] || fail "the liar was not asked for $CID: $LOG" || return 1
	[ "$RC" -ne 0 ] && ! [[ $OUT == *"hello from wasmos"* ]] || fail "a program from the liar ran" || return 1
	[[ $ERR == *"$CID"* && $ERR == *"$LIAR_ID"* && $ERR == *"does not match"* ]] ||
		fail "want the CID, the liar and 'does not match' in the error" || return 1
	store_is_empty || fail "the store holds $(ls "$WASMOS_HOME/blocks")"
}

test_fetch_from_liar_alone_fails_naming_the_cid() {
	liar_start || return 1
	wasmos fetch --peer "$LIAR" --fetch-timeout 5 "$CID"
	liar_stop
	[ "$RC" -eq 1 ] && [ -z "$OUT" ] || fail "fetch should fail and print no CID" || return 1
	[[ $ERR == *"$CID"* && $ERR == *"does not match"* ]] || fail "want the CID and 'does not match'" || return 1
	store_is_empty || fail "the store holds $(ls "$WASMOS_HOME/blocks")"
}

test_peer_that_stalls_times_out_naming_the_cid() {
	liar_start --stall || return 1
	wasmos fetch --peer "$LIAR" --fetch-timeout 2 "$CID"
	liar_stop
	# it was connected and asked (a stall, not an unreachable peer), and never answered
	[[ $LOG == *"want $CID"* && $LOG != *"lied "* ]] || fail "the staller was not asked for $CID: $LOG" || return 1
	[ "$RC" -eq 1 ] && [ -z "$OUT" ] || fail "fetch should fail" || return 1
	[[ $ERR == *"$CID"* && $ERR == *"$LIAR_ID"* && $ERR == *"no answer"* ]] || fail "want a timeout naming the CID and the peer" || return 1
	store_is_empty || fail "the store holds $(ls "$WASMOS_HOME/blocks")"
}

test_beside_helia_the_liar_gets_no_want_after_its_lie() {
	# The first peer connected is asked first.  So that it is the liar, Helia is stopped
	# (SIGSTOP: its TCP port still accepts, its handshake waits) until the liar has lied,
	# then continued; the program must then come from Helia, and the liar hear nothing.
	local pid after i
	liar_start || return 1
	kill -STOP "$PEER_PID_A"
	timeout "$LIMIT" "$WASMOS" run --peer "$LIAR" --peer "$HELIA" "$BIG_CID" >"$T/out" 2>"$T/err" </dev/null &
	pid=$!
	for ((i = 0; i < LIMIT * 10; i++)); do
		grep -q '^lied ' "$TOP/L.err" && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -CONT "$PEER_PID_A"
	wait "$pid"
	RC=$?
	OUT=$(cat "$T/out")
	ERR=$(cat "$T/err")
	liar_stop
	[[ $LOG == *"lied $BIG_CID"* ]] || fail "the liar was not asked first: $LOG" || return 1
	[ "$RC" -eq 0 ] && [[ $OUT == *"hello from wasmos"* ]] || fail "the program did not run; liar: $LOG" || return 1
	"$WASMOS" cat "$BIG_CID" >"$T/big.out" && cmp -s "$BIG" "$T/big.out" || fail "the store gives other bytes" || return 1
	# after its lie the liar hears nothing more: no want (the leaves went to Helia), no cancel
	after=$(printf '%s\n' "$LOG" | awk 'lied && /^(want|cancel) / { print } /^lied / { lied = 1 }')
	[ -z "$after" ] || fail "the liar heard more after its lie: $after"
}

run_tests
