#!/usr/bin/env bash
# tcp_test.sh: end-to-end tests of TCP: the hosted `tcp` handler (hosted/tcp.c), the
# WASI sockets over it (kernel/wasi_sock.c) and `wasmos run --listen`, with real
# programs and a real client on the loopback interface only.
#
# Usage: tests/e2e/tcp_test.sh path/to/wasmos
# The Wasm programs are built by `make test`: build/programs/echo.wasm (the SDK echo
# server) and build/programs/tests/*.wasm (tests/e2e/progs: wasi_echo, wasi_sock_errors,
# tcp_hostile, tcp_cross).  The client, tests/e2e/tcp_client.c, is built here with cc.
# Each test prints its name and ok or FAIL (with what it saw); the script ends with
# "N passed, N failed" and exits 1 when a test failed.  Nothing waits on a clock: a
# server is started in the background and its address read from its first line
# through a FIFO; every wasmos and client run is bounded by `timeout`, so a hang is a
# failure, never a stuck test.
# Checks read "[ A ] && [ B ] || fail ...": fail runs when either is false, as meant.
# shellcheck disable=SC2015
set -uo pipefail

WASMOS=${1:?usage: tcp_test.sh path/to/wasmos}
case $WASMOS in /*) ;; *) WASMOS=$PWD/$WASMOS ;; esac
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PROGS=$ROOT/build/programs
LIMIT=60 # seconds any one run may take before it counts as hung

TOP=$(mktemp -d)
trap 'rm -rf "$TOP"' EXIT

passed=0
failed=0
OUT='' ERR='' RC='' ADDR='' SERVER=''

CLIENT=$TOP/tcp_client
if ! cc -O2 -Wall -Wextra -Werror -o "$CLIENT" "$ROOT/tests/e2e/tcp_client.c" 2>"$TOP/cc.err"; then
	echo "tcp_test.sh: cannot build tcp_client:" >&2
	cat "$TOP/cc.err" >&2
fi

# Prints why a test failed (to stderr) and returns 1.
fail() {
	echo "  $*" >&2
	echo "  exit status $RC; stdout: ${OUT:0:600}" >&2
	echo "  stderr: ${ERR:0:600}" >&2
	return 1
}

# Runs wasmos in the foreground; sets OUT, ERR and RC.
wasmos() {
	timeout "$LIMIT" "$WASMOS" "$@" >"$T/out" 2>"$T/err"
	RC=$?
	OUT=$(cat "$T/out")
	ERR=$(cat "$T/err")
}

# start STREAM PREFIX ARGS...: starts wasmos ARGS in the background and reads its
# stdout (STREAM out) or stderr (STREAM err) until a line starting with PREFIX; the
# rest of that line is ADDR.  The stream keeps being copied to $T/STREAM.  Returns 1
# when the program ends (or LIMIT passes) before saying it.
start() {
	local stream=$1 prefix=$2 line fd
	shift 2
	: >"$T/out"
	: >"$T/err"
	mkfifo "$T/fifo"
	if [ "$stream" = err ]; then
		timeout "$LIMIT" "$WASMOS" "$@" >"$T/out" 2>"$T/fifo" &
	else
		timeout "$LIMIT" "$WASMOS" "$@" >"$T/fifo" 2>"$T/err" &
	fi
	SERVER=$!
	exec {fd}<"$T/fifo"
	ADDR=
	while IFS= read -r -t "$LIMIT" line <&"$fd"; do
		printf '%s\n' "$line" >>"$T/$stream"
		case $line in "$prefix"*) ADDR=${line#"$prefix"} && break ;; esac
	done
	# keep draining, so the server never blocks on a full pipe
	cat <&"$fd" >>"$T/$stream" &
	DRAIN=$!
	exec {fd}<&-
	[ -n "$ADDR" ]
}

# Waits for the server started by start; sets OUT, ERR and RC.
finish() {
	wait "$SERVER"
	RC=$?
	wait "$DRAIN"
	OUT=$(cat "$T/out")
	ERR=$(cat "$T/err")
}

# client ARGS...: runs tcp_client; its output in COUT, status in CRC.
client() {
	COUT=$(timeout "$LIMIT" "$CLIENT" "$@" 2>&1)
	CRC=$?
}

run_test() {
	T=$TOP/$1
	mkdir -p "$T"
	if (cd "$T" && "$1"); then
		echo "$1 ok"
		passed=$((passed + 1))
	else
		echo "$1 FAIL"
		failed=$((failed + 1))
	fi
}

need() {
	[ -f "$1" ] || fail "$1 is missing (make test builds it)"
}

# ---- WASI programs on a --listen socket ----------------------------------------------------

test_wasi_echo_with_read_and_write_serves_several_clients() {
	need "$PROGS/tests/wasi_echo.wasm" || return 1
	start err "wasmos run: listening on " run --listen 127.0.0.1:0 "$PROGS/tests/wasi_echo.wasm" 4 rw ||
		{ finish; fail "no 'listening on' line"; return 1; }
	case $ADDR in 127.0.0.1:0 | 127.0.0.1:) fail "port 0 was not resolved: $ADDR"; return 1 ;; 127.0.0.1:*) ;;
		*) fail "bad address $ADDR"; return 1 ;; esac
	client echo "$ADDR" 4 5000
	finish
	[ "$CRC" -eq 0 ] || fail "client: $COUT" || return 1
	[ "$RC" -eq 0 ] && [ "$OUT" = "served 4" ] || fail "want 'served 4' and status 0"
}

test_wasi_echo_with_recv_and_send_carries_megabytes() {
	need "$PROGS/tests/wasi_echo.wasm" || return 1
	start err "wasmos run: listening on " run --listen 127.0.0.1:0 "$PROGS/tests/wasi_echo.wasm" 2 sock ||
		{ finish; fail "no 'listening on' line"; return 1; }
	client echo "$ADDR" 2 3000000
	finish
	[ "$CRC" -eq 0 ] && [ "$COUT" = "echoed 2 x 3000000 bytes" ] || fail "client: $COUT" || return 1
	[ "$RC" -eq 0 ] && [ "$OUT" = "served 2" ] || fail "want 'served 2' and status 0"
}

test_wasi_socket_calls_check_their_arguments() {
	need "$PROGS/tests/wasi_sock_errors.wasm" || return 1
	start err "wasmos run: listening on " run --listen 127.0.0.1:0 "$PROGS/tests/wasi_sock_errors.wasm" 100000 ||
		{ finish; fail "no 'listening on' line"; return 1; }
	client echo "$ADDR" 1 100000
	finish
	[ "$CRC" -eq 0 ] || fail "client: $COUT" || return 1
	[ "$RC" -eq 0 ] && [[ $OUT == *"0 failed" ]] || fail "a check failed" || return 1
	# every check ran: the count guards against a program that stops early
	local n
	n=$(grep -c ' ok$' <<<"$OUT")
	[ "$n" -eq 34 ] || fail "$n checks passed, want 34"
}

test_program_end_closes_its_connections_and_socket() {
	need "$PROGS/tests/wasi_echo.wasm" || return 1
	start err "wasmos run: listening on " run --listen 127.0.0.1:0 "$PROGS/tests/wasi_echo.wasm" 2 exit ||
		{ finish; fail "no 'listening on' line"; return 1; }
	# two clients at once; the program exits holding both connections
	timeout "$LIMIT" "$CLIENT" eof "$ADDR" >"$T/c1" 2>&1 &
	local c1=$!
	client eof "$ADDR"
	wait "$c1"
	local rc1=$?
	finish
	[ "$RC" -eq 0 ] && [ "$OUT" = "exiting with 2 open" ] || fail "program did not exit as planned" || return 1
	[ "$CRC" -eq 0 ] && [ "$rc1" -eq 0 ] || fail "a client saw no end of stream: $COUT / $(cat "$T/c1")" || return 1
	client refused "$ADDR"
	[ "$CRC" -eq 0 ] || fail "the listening socket outlived the program: $COUT"
}

test_listen_without_the_tcp_grant_is_enotcapable() {
	need "$PROGS/tests/wasi_echo.wasm" || return 1
	wasmos run --listen 127.0.0.1:0 --deny tcp "$PROGS/tests/wasi_echo.wasm" 1 rw
	# 76: WASI's ENOTCAPABLE, the program's exit status; and the kernel logs the denial
	[ "$RC" -eq 76 ] || fail "want exit status 76" || return 1
	[[ $ERR == *"wasi_echo: accept: "* ]] && [[ $ERR == *"denied a message to interface 97469e84"* ]] ||
		fail "want the accept error and the kernel's denial on stderr"
}

test_listen_with_a_bad_address_is_an_error_before_the_program_runs() {
	need "$PROGS/tests/wasi_echo.wasm" || return 1
	wasmos run --listen localhost:80 "$PROGS/tests/wasi_echo.wasm" 1 rw
	[ "$RC" -eq 1 ] && [[ $ERR == *"--listen localhost:80: not an address"* ]] && [ -z "$OUT" ] ||
		fail "want status 1 and the reason"
}

test_listen_twice_on_one_port_is_an_error() {
	need "$PROGS/tests/wasi_echo.wasm" || return 1
	client port
	[ "$CRC" -eq 0 ] || fail "no free port: $COUT" || return 1
	wasmos run --listen "127.0.0.1:$COUT" --listen "127.0.0.1:$COUT" "$PROGS/tests/wasi_echo.wasm" 1 rw
	[ "$RC" -eq 1 ] && [[ $ERR == *"--listen 127.0.0.1:$COUT: Address already in use"* ]] ||
		fail "want status 1 and EADDRINUSE"
}

# ---- the tcp interface itself ------------------------------------------------------------

test_hostile_tcp_messages_get_error_answers() {
	need "$PROGS/tests/tcp_hostile.wasm" || return 1
	wasmos run --allow tcp "$PROGS/tests/tcp_hostile.wasm"
	[ "$RC" -eq 0 ] && [[ $OUT == *"0 failed" ]] || fail "a check failed" || return 1
	local n
	n=$(grep -c ' ok$' <<<"$OUT")
	[ "$n" -eq 32 ] || fail "$n checks passed, want 32"
}

test_one_process_cannot_use_anothers_handles() {
	need "$PROGS/tests/tcp_cross.wasm" || return 1
	# the program spawns itself by path: give it the absolute one
	wasmos run --allow tcp --allow process "$PROGS/tests/tcp_cross.wasm"
	[ "$RC" -eq 0 ] && [[ $OUT == *"0 failed" ]] || fail "a check failed" || return 1
	[ "$(grep -c ' ok$' <<<"$OUT")" -eq 6 ] || fail "want 6 checks passed"
}

test_tcp_is_not_in_the_default_grant() {
	need "$PROGS/tests/tcp_hostile.wasm" || return 1
	wasmos run "$PROGS/tests/tcp_hostile.wasm"
	# 2: the kernel's "denied" status, on the very first message
	[ "$RC" -ne 0 ] && [[ $OUT == "empty_body_is_einval FAIL: status 2 "* ]] || fail "want a denial"
}

test_sdk_echo_serves_several_clients_at_once() {
	need "$PROGS/echo.wasm" || return 1
	start out "echo: listening on " run --allow tcp "$PROGS/echo.wasm" 127.0.0.1:0 3 ||
		{ finish; fail "no 'echo: listening on' line"; return 1; }
	client echo "$ADDR" 3 200000
	finish
	[ "$CRC" -eq 0 ] && [ "$COUT" = "echoed 3 x 200000 bytes" ] || fail "client: $COUT" || return 1
	[ "$RC" -eq 0 ] || fail "echo did not exit 0" || return 1
	[ "$(grep -c 'closed (end of stream), 200000 bytes echoed' <<<"$OUT")" -eq 3 ] ||
		fail "want three connections closed after 200000 bytes each"
}

test_sdk_echo_survives_a_client_that_resets() {
	need "$PROGS/echo.wasm" || return 1
	start out "echo: listening on " run --allow tcp "$PROGS/echo.wasm" 127.0.0.1:0 2 ||
		{ finish; fail "no 'echo: listening on' line"; return 1; }
	client reset "$ADDR"
	local reset=$CRC
	client echo "$ADDR" 1 100000
	finish
	[ "$reset" -eq 0 ] && [ "$CRC" -eq 0 ] || fail "client: $COUT" || return 1
	[ "$RC" -eq 0 ] || fail "echo did not exit 0" || return 1
	[[ $OUT == *"connection 1 closed ("* ]] && [[ $OUT == *"connection 2 closed (end of stream), 100000 bytes echoed"* ]] ||
		fail "want both connections closed, the second after 100000 bytes"
}

# ---- one kernel, a program that never yields -------------------------------------------

# boot_file NAME: writes $T/NAME.sys from stdin.
boot_file() { cat >"$T/$1.sys"; }

test_boot_spin_does_not_starve_the_sdk_echo() {
	need "$PROGS/echo.wasm" && need "$PROGS/spin.wasm" || return 1
	boot_file spin_echo <<EOF
program spin $PROGS/spin.wasm
program echo $PROGS/echo.wasm
	args 127.0.0.1:0 3
	allow tcp
	essential
EOF
	start out "echo: listening on " boot "$T/spin_echo.sys" ||
		{ finish; fail "no 'echo: listening on' line"; return 1; }
	client echo "$ADDR" 3 100000
	finish
	# echo ends after three connections, and the system with it, spin and all
	[ "$CRC" -eq 0 ] && [ "$COUT" = "echoed 3 x 100000 bytes" ] || fail "client: $COUT" || return 1
	[ "$RC" -eq 0 ] || fail "the system did not end with echo's status 0"
}

test_boot_spin_does_not_starve_a_wasi_echo_on_a_listen_line() {
	need "$PROGS/tests/wasi_echo.wasm" && need "$PROGS/spin.wasm" || return 1
	boot_file spin_wasi <<EOF
program spin $PROGS/spin.wasm
program wasi_echo $PROGS/tests/wasi_echo.wasm
	args 2 sock
	listen 127.0.0.1:0
	essential
EOF
	start err "wasmos boot: wasi_echo listens on " boot "$T/spin_wasi.sys" ||
		{ finish; fail "no 'listens on' line"; return 1; }
	client echo "$ADDR" 2 100000
	finish
	[ "$CRC" -eq 0 ] && [ "$COUT" = "echoed 2 x 100000 bytes" ] || fail "client: $COUT" || return 1
	[ "$RC" -eq 0 ] && [[ $OUT == *"served 2"* ]] || fail "want 'served 2' and status 0"
}

for t in $(declare -F | awk '$3 ~ /^test_/ { print $3 }'); do
	run_test "$t"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
