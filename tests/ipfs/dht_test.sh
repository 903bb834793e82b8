#!/usr/bin/env bash
# dht_test.sh: two wasmos nodes meet through Helia's Kademlia DHT.  Helia (B) holds
# nothing; wasmos 1 adds a program and runs `wasmos provide --peer B`, which announces
# its CIDs to B (ADD_PROVIDER); wasmos 2, told only of B, runs the program by its CID:
# bitswap asks B (DontHave), the DHT lookup through B names wasmos 1 as provider,
# wasmos 2 connects to it and fetches over bitswap.  A CID nobody provides ends with
# the lookup's "no provider found".
#
# Usage: tests/ipfs/dht_test.sh path/to/wasmos   (tests/ipfs/node_modules installed).
# Prints each test's name with ok or FAIL, then "N passed, N failed".
# shellcheck disable=SC2015
set -uo pipefail

WASMOS=${1:?usage: dht_test.sh path/to/wasmos}
case $WASMOS in /*) ;; *) WASMOS=$PWD/$WASMOS ;; esac
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
LIMIT=60
TOP=$(mktemp -d)
passed=0
failed=0
OUT='' ERR='' RC=''
# shellcheck source=tests/ipfs/lib.sh
. "$ROOT/tests/ipfs/lib.sh"
PROVIDE_PID=''
trap 'provide_stop; peer_stop B; rm -rf "$TOP"' EXIT

fail() {
	echo "  $*" >&2
	echo "  exit status $RC; stdout: ${OUT:0:300}" >&2
	echo "  stderr: ${ERR:0:600}" >&2
	return 1
}

run_test() {
	T=$TOP/$1
	mkdir -p "$T/home1" "$T/home2"
	# the test runs in a subshell: a provider it started is stopped there too
	if (cd "$T" && { "$1"; rc=$?; provide_stop; exit $rc; }); then
		echo "$1 ok"
		passed=$((passed + 1))
	else
		echo "$1 FAIL"
		failed=$((failed + 1))
	fi
}

# provide_start HOME ARGS...: `wasmos provide ARGS` over store HOME, in the background;
# returns once it announced to the DHT (its stderr says so) or LIMIT seconds passed.
provide_start() {
	local home=$1 n=0
	shift
	WASMOS_HOME=$home "$WASMOS" provide "$@" >"$T/provide.out" 2>"$T/provide.err" </dev/null &
	PROVIDE_PID=$!
	while ! grep -q "announced" "$T/provide.err" 2>/dev/null && [ $n -lt $((LIMIT * 10)) ]; do
		kill -0 "$PROVIDE_PID" 2>/dev/null || return 1
		sleep 0.1
		n=$((n + 1))
	done
	grep -q "announced [1-9]" "$T/provide.err"
}

provide_stop() {
	[ -n "$PROVIDE_PID" ] || return 0
	kill -INT "$PROVIDE_PID" 2>/dev/null
	local n=0
	while kill -0 "$PROVIDE_PID" 2>/dev/null && [ $n -lt $((LIMIT * 10)) ]; do
		sleep 0.1
		n=$((n + 1))
	done
	kill -0 "$PROVIDE_PID" 2>/dev/null && kill "$PROVIDE_PID"
	wait "$PROVIDE_PID" 2>/dev/null
	PROVIDE_PID=''
}

HELLO=$ROOT/build/programs/hello.wasm
[ -f "$HELLO" ] || { echo "dht_test.sh: $HELLO missing (make programs)" >&2; echo "0 passed, 1 failed"; exit 1; }
ABSENT=bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku

# B: a Helia DHT server that holds no file
if ! peer_start B; then
	echo "dht_test.sh: the Helia peer did not start:" >&2
	cat "$TOP/B.err" >&2
	echo "0 passed, 1 failed"
	exit 1
fi
B=$(json 'j.multiaddrs[0]')

test_second_node_finds_the_first_through_helias_dht() {
	local cid
	cid=$(WASMOS_HOME=$T/home1 "$WASMOS" add "$HELLO" | cut -d' ' -f1)
	[[ $cid == bafkrei* ]] || fail "add gave '$cid'" || return 1
	provide_start "$T/home1" --listen /ip4/127.0.0.1/tcp/0 --peer "$B" ||
		fail "provide did not announce: $(cat "$T/provide.err")" || return 1
	WASMOS_HOME=$T/home2 timeout "$LIMIT" "$WASMOS" run --peer "$B" "$cid" >"$T/out" 2>"$T/err" </dev/null
	RC=$?
	OUT=$(cat "$T/out")
	ERR=$(cat "$T/err")
	[ "$RC" -eq 0 ] && [[ $OUT == *"hello from wasmos"* ]] || fail "node 2 did not run the program" || return 1
	cmp -s "$HELLO" "$T/home2/blocks/$cid" || fail "node 2's store does not hold it" || return 1
	provide_stop
	grep -q "served 1 block" "$T/provide.err" || fail "node 1 should have served it: $(cat "$T/provide.err")"
}

test_no_provider_is_told() {
	WASMOS_HOME=$T/home2 timeout "$LIMIT" "$WASMOS" fetch --peer "$B" "$ABSENT" >"$T/out" 2>"$T/err" </dev/null
	RC=$?
	OUT=$(cat "$T/out")
	ERR=$(cat "$T/err")
	[ "$RC" -eq 1 ] && [[ $ERR == *"$ABSENT"* && $ERR == *DontHave* && $ERR == *"no provider found"* ]] ||
		fail "want DontHave from B and no provider in the DHT"
}

run_tests
