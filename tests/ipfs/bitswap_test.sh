#!/usr/bin/env bash
# bitswap_test.sh: wasmos and Helia exchange programs over bitswap 1.2.0, both ways.
# wasmos run --peer HELIA CID runs a program only Helia holds (a raw block, and a
# 3 MiB UnixFS file named by its dag-pb root, whose blocks are wanted as their links
# become known); a CID Helia lacks fails naming DontHave; a peer that lacks it, then a
# gateway that has it; and `wasmos provide` serves the store so that Helia fetches
# from us, the 3 MiB file too.
#
# Usage: tests/ipfs/bitswap_test.sh path/to/wasmos   (tests/ipfs/node_modules installed:
# `make test` does it).  Each test prints its name with ok or FAIL; the script ends
# with "N passed, N failed".
# shellcheck disable=SC2015
set -uo pipefail

WASMOS=${1:?usage: bitswap_test.sh path/to/wasmos}
case $WASMOS in /*) ;; *) WASMOS=$PWD/$WASMOS ;; esac
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
LIMIT=60
TOP=$(mktemp -d)
passed=0
failed=0
OUT='' ERR='' RC='' COUT='' CERR='' CRC=''
# shellcheck source=tests/ipfs/lib.sh
. "$ROOT/tests/ipfs/lib.sh"
PROVIDE_PID=''
trap 'provide_stop; peer_stop A; rm -rf "$TOP"' EXIT

fail() {
	echo "  $*" >&2
	echo "  exit status $RC; stdout: ${OUT:0:300}" >&2
	echo "  stderr: ${ERR:0:600}" >&2
	[ -n "$CERR$COUT" ] && echo "  client status $CRC: ${COUT:0:200} ${CERR:0:300}" >&2
	return 1
}

run_test() {
	T=$TOP/$1
	mkdir -p "$T/home"
	export WASMOS_HOME=$T/home
	unset WASMOS_GATEWAY
	COUT='' CERR=''
	# the test runs in a subshell: a provider it started is stopped there too
	if (cd "$T" && { "$1"; rc=$?; provide_stop; exit $rc; }); then
		echo "$1 ok"
		passed=$((passed + 1))
	else
		echo "$1 FAIL"
		failed=$((failed + 1))
	fi
}

# provide_start: `wasmos provide --listen /ip4/127.0.0.1/tcp/0` in the background,
# over the current WASMOS_HOME; sets PROVIDE_ADDR from its 'listening on' line (read
# through a FIFO within LIMIT seconds).
provide_start() {
	local line fd
	mkfifo "$T/provide.out"
	"$WASMOS" provide --listen /ip4/127.0.0.1/tcp/0 >"$T/provide.out" 2>"$T/provide.err" </dev/null &
	PROVIDE_PID=$!
	exec {fd}<"$T/provide.out"
	PROVIDE_ADDR=
	while IFS= read -r -t "$LIMIT" line <&"$fd"; do
		case $line in "listening on "*) PROVIDE_ADDR=${line#listening on }; break ;; esac
	done
	exec {fd}<&-
	[ -n "$PROVIDE_ADDR" ]
}

# provide_stop: SIGINT to the provider, waited for (killed after LIMIT seconds).
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

# ---- the programs and the Helia peer ---------------------------------------------------------

HELLO=$ROOT/build/programs/hello.wasm
[ -f "$HELLO" ] || { echo "bitswap_test.sh: $HELLO missing (make programs)" >&2; echo "0 passed, 1 failed"; exit 1; }
# BIG: hello with a 3 MiB custom section: four 1 MiB chunks under a dag-pb root.
BIG=$TOP/big.wasm
python3 - "$HELLO" "$BIG" <<'EOF'
import sys
d = open(sys.argv[1], 'rb').read()
n = 3 * 1024 * 1024 + 4
leb = b''
while True:
    b, n = n & 0x7f, n >> 7
    leb += bytes([b | 0x80]) if n else bytes([b])
    if not n:
        break
open(sys.argv[2], 'wb').write(d + b'\x00' + leb + b'\x03pad' + b'w' * (3 * 1024 * 1024))
EOF
ABSENT=bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku
# ONLYGW: hello with a small custom section: a program only the gateway has.
ONLYGW=$TOP/onlygw.wasm
{ cat "$HELLO"; printf '\x00\x05\x03padx'; } >"$ONLYGW"

if ! peer_start A --seed "$SEED00" "$HELLO" "$BIG"; then
	echo "bitswap_test.sh: the Helia peer did not start:" >&2
	cat "$TOP/A.err" >&2
	echo "0 passed, 1 failed"
	exit 1
fi
HELIA=$(json 'j.multiaddrs[0]')
CID=$(json 'j.files[0].unixfs')
BIG_CID=$(json 'j.files[1].unixfs')

# A trustless gateway (gateway.mjs) that holds ONLYGW, which the peer lacks; its stdin
# is a FIFO this shell holds (closing it at the end stops it).
mkfifo "$TOP/gw.in" "$TOP/gw.out"
node "$ROOT/tests/ipfs/gateway.mjs" "$ONLYGW" <"$TOP/gw.in" >"$TOP/gw.out" 2>"$TOP/gw.err" &
GW_PID=$!
exec {GW_IN}>"$TOP/gw.in"
exec {GW_OUT}<"$TOP/gw.out"
GW_JSON=
IFS= read -r -t "$LIMIT" GW_JSON <&"$GW_OUT" || true
trap 'provide_stop; exec {GW_IN}>&-; wait "$GW_PID" 2>/dev/null; peer_stop A; rm -rf "$TOP"' EXIT
[ -n "$GW_JSON" ] || { echo "bitswap_test.sh: gateway.mjs did not start: $(cat "$TOP/gw.err")" >&2; echo "0 passed, 1 failed"; exit 1; }
GW_URL=$(PEER_JSON=$GW_JSON json j.url)
ONLYGW_CID=$(PEER_JSON=$GW_JSON json 'j.files[0].unixfs')

# ---- tests ---------------------------------------------------------------------------------

test_run_fetches_a_raw_program_from_helia() {
	[[ $CID == bafkrei* ]] || fail "want a raw CID for hello, got $CID" || return 1
	wasmos run --peer "$HELIA" "$CID"
	[ "$RC" -eq 0 ] && [[ $OUT == *"hello from wasmos"* ]] || fail "the program did not run" || return 1
	cmp -s "$HELLO" "$WASMOS_HOME/blocks/$CID" || fail "the store does not hold the program"
}

test_run_fetches_a_3mib_unixfs_program_from_helia() {
	[[ $BIG_CID == bafybei* ]] || fail "want a dag-pb root for the 3 MiB program, got $BIG_CID" || return 1
	wasmos run --peer "$HELIA" "$BIG_CID"
	[ "$RC" -eq 0 ] && [[ $OUT == *"hello from wasmos"* ]] || fail "the program did not run" || return 1
	# the root and the leaves (two of them the same padding: one block)
	[ "$(ls "$WASMOS_HOME/blocks" | wc -l)" -eq 4 ] || fail "want 4 blocks: $(ls "$WASMOS_HOME/blocks")" || return 1
	"$WASMOS" cat "$BIG_CID" >"$T/big.out" && cmp -s "$BIG" "$T/big.out" || fail "cat gives other bytes"
}

test_boot_fetches_a_system_program_from_helia() {
	printf 'program hello %s\n\tessential\n' "$BIG_CID" >hello.sys
	wasmos boot --peer "$HELIA" hello.sys
	[ "$RC" -eq 0 ] && [[ $OUT == *"hello from wasmos"* ]] || fail "boot did not fetch and run it" || return 1
	wasmos boot --help
	[[ $OUT == *"--peer"* ]] || fail "boot --help should tell of --peer"
}

test_boot_fetches_from_a_peer_line_in_the_system_file() {
	printf '# the network, before the programs\npeer %s\nprogram hello %s\n\tessential\n' "$HELIA" "$BIG_CID" >hello.sys
	wasmos boot hello.sys
	[ "$RC" -eq 0 ] && [[ $OUT == *"hello from wasmos"* ]] || fail "boot did not fetch over the peer line" || return 1
	# a peer without /p2p/ID: refused, naming the line
	printf '\npeer /ip4/127.0.0.1/tcp/1\nprogram hello %s\n' "$BIG_CID" >bad.sys
	wasmos boot bad.sys
	[ "$RC" -eq 1 ] && [[ $ERR == *"bad.sys:2: peer: bad multiaddr /ip4/127.0.0.1/tcp/1"* ]] ||
		fail "want the bad peer line named, got: $ERR"
}

test_fetch_over_bitswap_prints_the_cid() {
	wasmos fetch --peer "$HELIA" "$CID" "$BIG_CID"
	[ "$RC" -eq 0 ] && [ "$OUT" = "$CID"$'\n'"$BIG_CID" ] || fail "want both CIDs" || return 1
	wasmos fetch --help
	[[ $OUT == *"--peer"* && $OUT == *bitswap* ]] || fail "fetch --help should tell of --peer"
}

test_missing_cid_is_donthave_and_nothing_stored() {
	wasmos fetch --peer "$HELIA" "$ABSENT"
	[ "$RC" -eq 1 ] && [[ $ERR == *"$ABSENT"* && $ERR == *"not found"* && $ERR == *DontHave* ]] ||
		fail "want not found, DontHave and the CID" || return 1
	[[ $ERR == *"$SEED00_ID"* ]] || fail "the error should name the peer" || return 1
	store_is_empty || fail "the store is not empty"
}

test_peers_first_then_the_gateway() {
	# the peer says DontHave, the DHT knows no provider, the gateway has it
	wasmos run --peer "$HELIA" --gateway "$GW_URL" "$ONLYGW_CID"
	[ "$RC" -eq 0 ] && [[ $OUT == *"hello from wasmos"* ]] || fail "the gateway was not asked after the peer" ||
		return 1
	cmp -s "$ONLYGW" "$WASMOS_HOME/blocks/$ONLYGW_CID" || fail "the store does not hold it" || return 1
	# and a CID the peer has comes from the peer (the gateway lacks it)
	wasmos run --peer "$HELIA" --gateway "$GW_URL" "$CID"
	[ "$RC" -eq 0 ] && [[ $OUT == *"hello from wasmos"* ]] || fail "the peer's program"
}

test_unreachable_peer_times_out() {
	# a peer id nobody answers for, at a port nothing listens on
	wasmos fetch --peer "/ip4/127.0.0.1/tcp/1/p2p/$SEED00_ID" --fetch-timeout 1 "$CID"
	[ "$RC" -eq 1 ] && [[ $ERR == *"$CID"* && $ERR == *timeout* ]] || fail "want a timeout naming the CID" ||
		return 1
	store_is_empty || fail "the store is not empty"
}

test_helia_fetches_from_wasmos_provide() {
	wasmos add "$HELLO" "$BIG"
	[ "$RC" -eq 0 ] || fail "add" || return 1
	provide_start || fail "provide did not start: $(cat "$T/provide.err")" || return 1
	client fetch "$PROVIDE_ADDR" "$CID"
	[ "$CRC" -eq 0 ] && [ "$COUT" = "$(sha256sum "$HELLO" | cut -d' ' -f1) $(stat -c %s "$HELLO")" ] ||
		fail "Helia did not get hello from us" || return 1
	client fetch "$PROVIDE_ADDR" "$BIG_CID"
	[ "$CRC" -eq 0 ] && [ "$COUT" = "$(sha256sum "$BIG" | cut -d' ' -f1) $(stat -c %s "$BIG")" ] ||
		fail "Helia did not get the 3 MiB program from us" || return 1
	# a CID we lack: Helia is told DontHave and gives up within its timeout
	TIMEOUT_MS=5000 client fetch "$PROVIDE_ADDR" "$ABSENT"
	[ "$CRC" -ne 0 ] || fail "Helia got a block we do not have" || return 1
	provide_stop
	ERR=$(cat "$T/provide.err")
	[[ $ERR == *"served "* ]] && ! [[ $ERR == *"served 0 blocks"* ]] || fail "provide should report what it served"
}

test_provide_usage() {
	wasmos provide
	[ "$RC" -eq 64 ] && [[ $ERR == *"--listen or --peer"* ]] || fail "provide without a way in" || return 1
	wasmos provide --help
	[ "$RC" -eq 0 ] && [[ $OUT == *"usage: wasmos provide"* && $OUT == *bitswap* ]] || fail "provide --help"
}

run_tests
