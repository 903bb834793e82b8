#!/usr/bin/env bash
# gateway_test.sh: wasmos fetches programs from an HTTP trustless gateway in front of
# Helia (tests/ipfs/gateway.mjs): `wasmos run --gateway URL CID` runs a program Helia
# holds and the local store lacks; `wasmos fetch` stores it; a gateway that sends wrong
# bytes is refused with the CID named, a missing CID and a silent gateway give clear
# errors, and the store keeps nothing from a refused fetch.
#
# Usage: tests/ipfs/gateway_test.sh path/to/wasmos   (tests/ipfs/node_modules installed:
# `make test` does it).  Each test runs with a fresh WASMOS_HOME and prints its name
# with ok or FAIL; the script ends with "N passed, N failed".
# shellcheck disable=SC2015
set -uo pipefail

WASMOS=${1:?usage: gateway_test.sh path/to/wasmos}
case $WASMOS in /*) ;; *) WASMOS=$PWD/$WASMOS ;; esac
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
LIMIT=60
TOP=$(mktemp -d)
passed=0
failed=0
OUT='' ERR='' RC=''
GATEWAYS=''
# shellcheck source=tests/ipfs/lib.sh
. "$ROOT/tests/ipfs/lib.sh"

# gateway_start NAME ARGS...: starts gateway.mjs ARGS as gateway NAME; its stdin is a
# FIFO this shell holds open (closing it stops the gateway).  Sets GW_JSON to its JSON
# line; returns 1 when it ends (or LIMIT passes) before printing it.
gateway_start() {
	local name=$1 fd_in fd_out pid
	shift
	mkfifo "$TOP/$name.in" "$TOP/$name.out"
	node "$IPFS/gateway.mjs" "$@" <"$TOP/$name.in" >"$TOP/$name.out" 2>"$TOP/$name.err" &
	pid=$!
	exec {fd_in}>"$TOP/$name.in"
	exec {fd_out}<"$TOP/$name.out"
	GATEWAYS="$pid:$fd_in:$fd_out $GATEWAYS"
	GW_JSON=
	IFS= read -r -t "$LIMIT" GW_JSON <&"$fd_out"
	[ -n "$GW_JSON" ]
}

# Stops every gateway: closes its stdin, waits up to LIMIT seconds, then kills it by pid.
# The last started goes first: it inherited the FIFOs of those before it, whose ends it
# holds open until it ends.
gateways_stop() {
	local g pid fd_in fd_out n
	for g in $GATEWAYS; do
		IFS=: read -r pid fd_in fd_out <<<"$g"
		exec {fd_in}>&-
		n=0
		while kill -0 "$pid" 2>/dev/null && [ $n -lt $((LIMIT * 10)) ]; do
			sleep 0.1
			n=$((n + 1))
		done
		kill -0 "$pid" 2>/dev/null && kill "$pid"
		wait "$pid" 2>/dev/null
		exec {fd_out}<&-
	done
	GATEWAYS=''
}
trap 'gateways_stop; rm -rf "$TOP"' EXIT

# json EXPR: the JavaScript expression EXPR on j = the JSON in GW_JSON.
json() {
	node -e 'const j = JSON.parse(process.argv[1]); const v = eval(process.argv[2]);
		process.stdout.write(typeof v === "string" ? v + "\n" : JSON.stringify(v) + "\n")' "$GW_JSON" "$1"
}

fail() {
	echo "  $*" >&2
	echo "  exit status $RC; stdout: ${OUT:0:300}" >&2
	echo "  stderr: ${ERR:0:600}" >&2
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

# ---- the gateways ------------------------------------------------------------------------

HELLO=$ROOT/build/programs/hello.wasm
[ -f "$HELLO" ] || { echo "gateway_test.sh: $HELLO missing (make programs)" >&2; echo "0 passed, 1 failed"; exit 1; }
# A CID Helia does not hold: the empty block's.
ABSENT=bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku
# A CID the good gateway never answers: the CID of "silence\n".
printf 'silence\n' >"$TOP/silence.txt"
SILENT=$(cd "$TOP" && WASMOS_HOME=$TOP/scratch "$WASMOS" add --raw silence.txt | cut -d' ' -f1)

# BIG: hello.wasm with a custom section of 3 MiB after it: a valid module of four
# 1 MiB chunks, which Helia (and wasmos add) name by a dag-pb root.
BIG=$TOP/big.wasm
leb() {
	local n=$1 b
	while :; do
		b=$((n & 0x7f))
		n=$((n >> 7))
		if [ $n -ne 0 ]; then printf "\\x$(printf %02x $((b | 0x80)))"; else printf "\\x$(printf %02x $b)"; break; fi
	done
}
{
	cat "$HELLO"
	printf '\x00'
	leb $((3 * 1024 * 1024 + 4))
	printf '\x03pad'
	head -c $((3 * 1024 * 1024)) /dev/zero | tr '\0' 'w'
} >"$BIG"

start_or_die() {
	if ! gateway_start "$@"; then
		echo "gateway_test.sh: gateway.mjs $1 did not start:" >&2
		cat "$TOP/$1.err" >&2
		echo "0 passed, 1 failed"
		exit 1
	fi
}
start_or_die good --verbose "$HELLO" "$BIG" --hang "$SILENT"
GOOD=$(json j.url)
CID=$(json 'j.files[0].unixfs')
BIG_CID=$(json 'j.files[1].unixfs')
start_or_die bad --tamper "$HELLO" "$BIG"
BAD=$(json j.url)
[ "$(json 'j.files[0].unixfs')" = "$CID" ] && [ "$(json 'j.files[1].unixfs')" = "$BIG_CID" ] ||
	{ echo "the two gateways disagree on the CIDs" >&2; exit 1; }

# ---- tests -------------------------------------------------------------------------------

test_helia_names_the_program_as_wasmos_does() {
	# a one-chunk file: Helia's UnixFS CID is the raw block's, the CID wasmos add gives
	wasmos add "$HELLO"
	[ "$RC" -eq 0 ] && [ "${OUT%% *}" = "$CID" ] || fail "wasmos add gives ${OUT%% *}, Helia $CID"
}

test_run_fetches_a_missing_program_from_the_gateway() {
	wasmos run --gateway "$GOOD" "$CID"
	[ "$RC" -eq 0 ] && [[ $OUT == *"hello from wasmos"* ]] || fail "the program did not run" || return 1
	cmp -s "$HELLO" "$WASMOS_HOME/blocks/$CID" || fail "the store does not hold the program" || return 1
	# now it is local: offline runs it too
	wasmos run --offline "$CID"
	[ "$RC" -eq 0 ] && [[ $OUT == *"hello from wasmos"* ]] || fail "offline run after the fetch"
}

test_large_program_comes_as_a_car_of_its_dag() {
	[[ $BIG_CID == bafybei* ]] || fail "Helia should name the 3 MiB program by a dag-pb root" || return 1
	wasmos add "$BIG"
	[ "${OUT%% *}" = "$BIG_CID" ] || fail "wasmos add names it ${OUT%% *}, Helia $BIG_CID" || return 1
	rm -rf "$WASMOS_HOME"
	mkdir -p "$WASMOS_HOME"
	wasmos run --gateway "$GOOD" "$BIG_CID"
	[ "$RC" -eq 0 ] && [[ $OUT == *"hello from wasmos"* ]] || fail "the large program did not run" || return 1
	# the root and its four leaves, each checked (two leaves hold the same 1 MiB of
	# padding: one block), and the file they make is the program
	[ "$(ls "$WASMOS_HOME/blocks" | wc -l)" -eq 4 ] || fail "want 4 blocks: $(ls "$WASMOS_HOME/blocks")" || return 1
	"$WASMOS" cat "$BIG_CID" >"$T/big.out" && cmp -s "$BIG" "$T/big.out" || fail "cat gives other bytes"
}

test_tampered_car_is_refused_naming_the_block() {
	wasmos fetch --gateway "$BAD" "$BIG_CID"
	[ "$RC" -eq 1 ] && [ -z "$OUT" ] && [[ $ERR == *"$BIG_CID"* && $ERR == *"refused"* && $ERR == *"$BAD"* ]] ||
		fail "want a refusal naming the root and the gateway" || return 1
	[[ $ERR == *"not the bytes its CID names"* ]] || fail "want the reason" || return 1
	store_is_empty || fail "the store keeps blocks of a refused CAR: $(ls "$WASMOS_HOME/blocks")" || return 1
	# a good gateway after the bad one: the file comes whole
	wasmos fetch --gateway "$BAD" --gateway "$GOOD" "$BIG_CID"
	[ "$RC" -eq 0 ] && [ "$OUT" = "$BIG_CID" ] || fail "the good gateway was not asked"
}

test_gateway_from_the_environment() {
	WASMOS_GATEWAY=$GOOD wasmos run "$CID"
	[ "$RC" -eq 0 ] && [[ $OUT == *"hello from wasmos"* ]] || fail "WASMOS_GATEWAY was not used"
}

test_fetch_stores_the_block_and_prints_its_cid() {
	wasmos fetch --gateway "$GOOD" "$CID"
	[ "$RC" -eq 0 ] && [ "$OUT" = "$CID" ] || fail "fetch should print the CID" || return 1
	cmp -s "$HELLO" "$WASMOS_HOME/blocks/$CID" || fail "the stored block differs from the file" || return 1
	# a second fetch finds it in the store and asks nobody (the gateway is gone from the list)
	wasmos fetch --offline "$CID"
	[ "$RC" -eq 0 ] && [ "$OUT" = "$CID" ] || fail "fetch of a stored block"
}

test_tampered_bytes_are_refused_with_the_cid_named() {
	wasmos run --gateway "$BAD" "$CID"
	[ "$RC" -eq 1 ] && [[ $OUT != *"hello from wasmos"* ]] || fail "tampered program ran" || return 1
	[[ $ERR == *"$CID"* && $ERR == *"wrong bytes"* && $ERR == *refused* && $ERR == *"$BAD"* ]] ||
		fail "the error should name the CID, the gateway and the refusal" || return 1
	# the CID the bytes really have is named too, and differs
	local got
	got=$(echo "$ERR" | grep -oE 'whose CID is bafkrei[a-z2-7]{52}' | head -n 1)
	[ -n "$got" ] && [[ $got != *"$CID" ]] || fail "want the CID of the bytes sent" || return 1
	store_is_empty || fail "the store keeps a refused block: $(ls "$WASMOS_HOME/blocks")" || return 1
	wasmos fetch --gateway "$BAD" "$CID"
	[ "$RC" -eq 1 ] && [ -z "$OUT" ] && [[ $ERR == *refused* ]] && store_is_empty || fail "fetch of tampered bytes"
}

test_next_gateway_is_asked_after_a_bad_one() {
	wasmos fetch --gateway "$BAD" --gateway "$GOOD" "$CID"
	[ "$RC" -eq 0 ] && [ "$OUT" = "$CID" ] || fail "the good gateway was not asked" || return 1
	cmp -s "$HELLO" "$WASMOS_HOME/blocks/$CID" || fail "the stored block is not the program"
}

test_missing_cid_is_a_clear_error() {
	wasmos run --gateway "$GOOD" "$ABSENT"
	[ "$RC" -eq 1 ] && [[ $ERR == *"$ABSENT"* && $ERR == *"not found"* && $ERR == *404* ]] ||
		fail "want not found, 404 and the CID" || return 1
	store_is_empty || fail "the store is not empty"
}

test_silent_gateway_times_out() {
	wasmos fetch --gateway "$GOOD" --timeout 0.5 "$SILENT"
	[ "$RC" -eq 1 ] && [[ $ERR == *"$SILENT"* && $ERR == *timeout* ]] || fail "want a timeout naming the CID" ||
		return 1
	store_is_empty || fail "the store is not empty"
}

test_unreachable_gateway_is_named() {
	# port 1 on loopback: nothing listens there
	wasmos run --gateway http://127.0.0.1:1 "$CID"
	[ "$RC" -eq 1 ] && [[ $ERR == *"$CID"* && $ERR == *"127.0.0.1:1"* && $ERR == *"refused"* ]] ||
		fail "want the gateway and connection refused"
}

test_offline_asks_nobody() {
	wasmos run --offline --gateway "$GOOD" "$CID"
	[ "$RC" -eq 1 ] && [[ $ERR == *"$CID"* ]] || fail "offline run of a missing program" || return 1
	wasmos fetch --offline --gateway "$GOOD" "$CID"
	[ "$RC" -eq 1 ] && [[ $ERR == *offline* ]] && store_is_empty || fail "offline fetch"
}

test_bad_gateway_urls_are_usage_errors() {
	wasmos run --gateway https://ipfs.io "$CID"
	[ "$RC" -eq 64 ] && [[ $ERR == *"https is not supported"* ]] || fail "https" || return 1
	wasmos fetch --gateway 127.0.0.1:8080 "$CID"
	[ "$RC" -eq 64 ] && [[ $ERR == *"not a URL"* ]] || fail "no scheme" || return 1
	wasmos fetch --gateway "$GOOD" not-a-cid
	[ "$RC" -eq 64 ] && [[ $ERR == *"is not a CID"* ]] || fail "bad CID" || return 1
	wasmos fetch --timeout 0 "$CID"
	[ "$RC" -eq 64 ] || fail "zero timeout" || return 1
	wasmos fetch --help
	[ "$RC" -eq 0 ] && [[ $OUT == *"usage: wasmos fetch"* && $OUT == *--gateway* ]] || fail "fetch --help"
}

test_several_cids_in_one_fetch() {
	wasmos fetch --gateway "$GOOD" "$CID" "$ABSENT" "$CID"
	[ "$RC" -eq 1 ] && [ "$(echo "$OUT" | grep -c "^$CID$")" -eq 2 ] && [[ $ERR == *"$ABSENT"* ]] ||
		fail "want the program twice and the absent CID as an error" || return 1
	[ "$(ls "$WASMOS_HOME/blocks")" = "$CID" ] || fail "the store should hold the program only"
}

test_boot_fetches_a_program_named_by_cid() {
	printf 'program hello %s\n\tessential\n' "$CID" >hello.sys
	wasmos boot --gateway "$GOOD" hello.sys
	[ "$RC" -eq 0 ] && [[ $OUT == *"hello from wasmos"* ]] || fail "boot did not fetch and run it" || return 1
	cmp -s "$HELLO" "$WASMOS_HOME/blocks/$CID" || fail "the store does not hold the program"
}

test_boot_takes_gateway_lines_from_the_system_file() {
	printf 'gateway %s\noffline\nprogram hello %s\n\tessential\n' "$GOOD" "$CID" >off.sys
	wasmos boot off.sys
	[ "$RC" -eq 1 ] && [[ $ERR == *"$CID"* ]] || fail "offline should keep the gateway unasked" || return 1
	store_is_empty || fail "offline, yet the store holds something" || return 1
	printf 'gateway %s\nprogram hello %s\n\tessential\n' "$GOOD" "$CID" >hello.sys
	wasmos boot --offline hello.sys
	[ "$RC" -eq 1 ] || fail "--offline should win over the file's gateway" || return 1
	# the command line's gateway (nothing listens there) first, then the file's
	wasmos boot --gateway http://127.0.0.1:1 hello.sys
	[ "$RC" -eq 0 ] && [[ $OUT == *"hello from wasmos"* ]] || fail "boot did not fetch from the file's gateway" ||
		return 1
	cmp -s "$HELLO" "$WASMOS_HOME/blocks/$CID" || fail "the store does not hold the program" || return 1
	printf '# gateways\n\ngateway %s ftp://x\nprogram hello %s\n' "$GOOD" "$CID" >bad.sys
	wasmos boot bad.sys
	[ "$RC" -eq 1 ] && [[ $ERR == *"bad.sys:3: gateway: bad URL ftp://x"* ]] ||
		fail "want the bad gateway line named, got: $ERR"
}

test_running_program_spawns_a_cid_fetched_meanwhile() {
	# the shell (by path) runs the CID: process.spawn -> loader -> fetch, while the
	# shell's process lives on
	printf 'program shell %s\n\tallow stdin process\n\tessential\n' "$ROOT/build/programs/shell.wasm" >sh.sys
	printf 'run %s\nexit\n' "$CID" >in.txt
	timeout "$LIMIT" "$WASMOS" boot --gateway "$GOOD" sh.sys <in.txt >"$T/out" 2>"$T/err"
	RC=$?
	OUT=$(cat "$T/out")
	ERR=$(cat "$T/err")
	[ "$RC" -eq 0 ] && [[ $OUT == *"hello from wasmos"* ]] || fail "the shell's child did not run" || return 1
	[ -f "$WASMOS_HOME/blocks/$CID" ] || fail "the store does not hold the program"
}

test_other_processes_run_while_a_fetch_waits() {
	# The gateway never answers for SILENT, and the fetch's timeout is far past LIMIT:
	# while the shell waits for it, the echo server must still answer a connection.
	local port pid line=''
	port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	cat >sys.sys <<-EOF
		program echo $ROOT/build/programs/echo.wasm
			args 127.0.0.1:$port
			allow tcp
		program shell $ROOT/build/programs/shell.wasm
			allow stdin process
			essential
	EOF
	mkfifo in.fifo
	"$WASMOS" boot --gateway "$GOOD" --fetch-timeout 600 sys.sys <in.fifo >"$T/out" 2>"$T/err" &
	pid=$!
	exec {in}>in.fifo
	printf 'start %s\n' "$SILENT" >&"$in"
	# once the gateway has the request (its log says so), ask the echo server
	local n=0
	while [ $n -lt $((LIMIT * 10)) ] && ! grep -q "GET /ipfs/$SILENT" "$TOP/good.err"; do
		sleep 0.1
		n=$((n + 1))
	done
	while [ $n -lt $((LIMIT * 10)) ] && ! { exec {sock}<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null; do
		sleep 0.1
		n=$((n + 1))
	done
	if [ -n "${sock:-}" ]; then
		printf 'ping\n' >&"$sock"
		IFS= read -r -t "$LIMIT" line <&"$sock"
		exec {sock}<&-
	fi
	kill -INT "$pid"
	exec {in}>&-
	wait "$pid"
	RC=$?
	OUT=$(cat "$T/out")
	ERR=$(cat "$T/err")
	[ "$line" = ping ] || fail "the echo server did not answer during the fetch (got '$line')" || return 1
	store_is_empty || fail "the store is not empty"
}

test_progress_on_a_terminal() {
	command -v script >/dev/null || return 0 # util-linux script gives the command a terminal
	timeout "$LIMIT" script -qec "$WASMOS fetch --gateway $GOOD $CID" /dev/null >"$T/tty" 2>&1
	RC=$?
	OUT=$(tr -d '\r' <"$T/tty")
	[ "$RC" -eq 0 ] && [[ $OUT == *"fetch $CID: 1 block"* && $OUT == *"from $GOOD"* ]] ||
		fail "want a progress line with the block count and the source" || return 1
	timeout "$LIMIT" script -qec "$WASMOS fetch --gateway $GOOD $BIG_CID" /dev/null >"$T/tty" 2>&1
	RC=$?
	OUT=$(tr -d '\r' <"$T/tty")
	[ "$RC" -eq 0 ] && [[ $OUT == *"fetch $BIG_CID: 5 blocks, 3.0 MiB from $GOOD"* ]] ||
		fail "want a progress line of 5 blocks and 3.0 MiB"
}

run_tests
