#!/usr/bin/env bash
# wasi_programs_test.sh: ordinary WASI programs (programs/hello, programs/wasi-tests)
# run unchanged by `wasmos run`, through the kernel's WASI translation: arguments and
# environment, clocks, random, stdin, poll timeouts, exit codes, a trap with its
# backtrace, a memory bomb stopped by --max-memory, a denied interface, and file calls
# refused without a granted directory.  (Files with --dir: wasi_files_test.sh.)
#
# Usage: tests/e2e/wasi_programs_test.sh path/to/wasmos
# Prints each test's name and ok or FAIL (with what it saw); ends with
# "N passed, N failed" and exits 1 when a test failed.
# shellcheck disable=SC2015
set -uo pipefail

WASMOS=${1:?usage: wasi_programs_test.sh path/to/wasmos}
case $WASMOS in /*) ;; *) WASMOS=$PWD/$WASMOS ;; esac
P=build/programs
T=$P/wasi-tests

passed=0
failed=0
OUT='' ERR='' RC=''
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# Runs wasmos with stdin from $IN (default: none); sets OUT, ERR and RC.
IN=/dev/null
run() {
	OUT=$(timeout 60 "$WASMOS" "$@" <"$IN" 2>"$TMP/err")
	RC=$?
	ERR=$(cat "$TMP/err")
}

ok() { echo "ok   $1"; passed=$((passed + 1)); }
fail() {
	echo "FAIL $1: $2"
	echo "  exit $RC; stdout: ${OUT:0:400}"
	echo "  stderr: ${ERR:0:400}"
	failed=$((failed + 1))
}
# The program's own checks: its last line must be "N passed, 0 failed" with N > 0.
self_checked() {
	local last
	last=$(printf '%s\n' "$OUT" | tail -n 1)
	[[ $last =~ ^[1-9][0-9]*\ passed,\ 0\ failed$ ]]
}

test_hello_prints_and_exits_zero() {
	run run $P/hello.wasm one two
	[ "$RC" -eq 0 ] && grep -q '^hello from wasmos' <<<"$OUT" && grep -q 'two' <<<"$OUT" &&
		ok hello || fail hello "expected the greeting and its arguments"
}

test_args_and_environment_arrive_in_order() {
	run run --env 'A=1' --env 'GREETING=hé llo' $T/args.wasm 'an arg' 'ünï' ''
	local want
	want=$(printf 'argc 4\narg 0: %s\narg 1: an arg\narg 2: ünï\narg 3: \nenv A=1\nenv GREETING=hé llo\nenvc 2' "$T/args.wasm")
	[ "$RC" -eq 0 ] && [ "$OUT" = "$want" ] && ok args || fail args "expected: $want"
}

test_clocks_realtime_monotonic_cputime() {
	run run $T/clocks.wasm
	[ "$RC" -eq 0 ] && self_checked && ok clocks || fail clocks "the program's checks"
}

test_random_bytes_differ() {
	run run $T/random.wasm
	[ "$RC" -eq 0 ] && self_checked && ok random || fail random "the program's checks"
}

test_poll_waits_and_fires_the_earlier_clock() {
	run run $T/poll.wasm
	[ "$RC" -eq 0 ] && self_checked && ok poll || fail poll "the program's checks"
}

test_exit_code_is_the_programs() {
	run run $T/exit.wasm
	[ "$RC" -eq 7 ] && ok exit-code || fail exit-code "expected exit status 7"
}

test_stdin_reaches_the_program_whole() {
	# 100 KB of varied bytes; FNV-1a computed here in bash for comparison
	head -c 100000 /dev/urandom >"$TMP/in"
	local h=2166136261 b
	for b in $(od -An -v -tu1 "$TMP/in"); do
		h=$(((h ^ b) * 16777619 & 0xffffffff))
	done
	IN="$TMP/in" run run $T/stdin.wasm
	local want
	want=$(printf 'bytes 100000\nfnv1a 0x%08x' "$h")
	[ "$RC" -eq 0 ] && [ "$OUT" = "$want" ] && ok stdin || fail stdin "expected: $want"
}

test_trap_ends_the_program_with_a_backtrace() {
	run run $T/trap.wasm
	[ "$RC" -eq 134 ] && [ "$OUT" = "before trap" ] && grep -q 'trap: unreachable' <<<"$ERR" &&
		grep -q 'fail_here' <<<"$ERR" && ok trap || fail trap "exit 134, the reason and fail_here in the backtrace"
}

test_memory_bomb_stops_at_max_memory() {
	run run --max-memory 16M $T/membomb.wasm
	local n
	n=$(sed -n 's/^out of memory after \([0-9]*\) MiB$/\1/p' <<<"$OUT")
	[ "$RC" -eq 0 ] && [ -n "$n" ] && [ "$n" -ge 8 ] && [ "$n" -lt 16 ] && ok membomb ||
		fail membomb "out of memory after 8..15 MiB"
}

test_denied_interface_is_an_error_not_a_hang() {
	run run $T/denied.wasm
	[ "$RC" -eq 0 ] && self_checked && grep -q 'denied a message' <<<"$ERR" && ok denied ||
		fail denied "the program's checks, and the kernel's log line"
}

test_denying_a_default_interface_silences_output() {
	run run --deny log $P/hello.wasm
	[ -z "$OUT" ] && grep -q 'denied' <<<"$ERR" && ok deny-log || fail deny-log "no output, a denial logged"
}

test_files_refused_without_a_granted_dir() {
	run run $T/nodir.wasm
	[ "$RC" -eq 0 ] && self_checked && ok nodir || fail nodir "the program's checks"
}

# The program's stdout is a FIFO this script reads line by line, so each step starts
# when the program says it is waiting: no sleeps.
test_poll_waits_for_stdin() {
	rm -f "$TMP/pin" "$TMP/pout"
	mkfifo "$TMP/pin" "$TMP/pout"
	timeout 30 "$WASMOS" run build/programs/tests/poll_fds.wasm stdin <"$TMP/pin" >"$TMP/pout" 2>"$TMP/err" &
	local pid=$! l1='' l2='' l3=''
	exec 7>"$TMP/pin" 8<"$TMP/pout"
	read -r -t 20 -u 8 l1
	echo "typed line" >&7
	read -r -t 20 -u 8 l2
	read -r -t 20 -u 8 l3
	exec 7>&- 8<&-
	wait "$pid"
	RC=$? OUT="$l1 / $l2 / $l3" ERR=$(cat "$TMP/err")
	[ "$RC" -eq 0 ] && [ "$l1" = "first: clock" ] && [ "$l2" = "second: stdin" ] &&
		[ "$l3" = "read: typed line" ] && ok poll-stdin ||
		fail poll-stdin "the clock while nothing is typed, then stdin"
}

test_poll_waits_for_a_connection_and_its_data() {
	if ! cc -O2 -o "$TMP/tcp_client" tests/e2e/tcp_client.c 2>/dev/null; then
		RC=1 OUT='' ERR='cannot build tests/e2e/tcp_client.c'
		fail poll-tcp "the client"
		return
	fi
	local port
	port=$("$TMP/tcp_client" port)
	rm -f "$TMP/pout"
	mkfifo "$TMP/pout"
	timeout 30 "$WASMOS" run --listen "127.0.0.1:$port" build/programs/tests/poll_fds.wasm tcp \
		>"$TMP/pout" 2>"$TMP/err" &
	local pid=$! l1='' l2='' l3='' crc
	exec 8<"$TMP/pout"
	read -r -t 20 -u 8 l1
	timeout 20 "$TMP/tcp_client" echo "127.0.0.1:$port" 1 100000 >/dev/null
	crc=$?
	read -r -t 20 -u 8 l2
	read -r -t 20 -u 8 l3
	exec 8<&-
	wait "$pid"
	RC=$? OUT="$l1 / $l2 / $l3" ERR=$(cat "$TMP/err")
	[ "$RC" -eq 0 ] && [ "$crc" -eq 0 ] && [ "$l1" = "first: clock" ] && [ "$l2" = "second: accept" ] &&
		[ "$l3" = "echoed 100000" ] && ok poll-tcp ||
		fail poll-tcp "the clock before a client, then accept, then 100000 bytes echoed"
}

test_partial_line_shows_before_input_and_tail_survives() {
	rm -f "$TMP/pin" "$TMP/pout"
	mkfifo "$TMP/pin" "$TMP/pout"
	timeout 30 "$WASMOS" run build/programs/tests/prompt.wasm <"$TMP/pin" >"$TMP/pout" 2>"$TMP/err" &
	local pid=$! p='' rest=''
	exec 7>"$TMP/pin" 8<"$TMP/pout"
	read -r -N 8 -t 20 -u 8 p
	echo "abc" >&7
	exec 7>&-
	cat <&8 >"$TMP/rest"
	exec 8<&-
	wait "$pid"
	RC=$? rest=$(od -c "$TMP/rest") OUT="$p|$rest" ERR=$(cat "$TMP/err")
	printf 'got 4\ntail without a newline' >"$TMP/want"
	[ "$RC" -eq 0 ] && [ "$p" = "prompt> " ] && cmp -s "$TMP/rest" "$TMP/want" &&
		ok partial-lines || fail partial-lines "the prompt before any input; the last partial line kept as is"
}

test_sched_yield_returns_and_proc_raise_traps() {
	run run build/programs/tests/yield_raise.wasm
	local a=$RC o=$OUT
	run run build/programs/tests/yield_raise.wasm raise
	[ "$a" -eq 0 ] && [ "$o" = "yielded 3 times" ] && [ "$RC" -eq 134 ] &&
		[ "$OUT" = "$(printf 'yielded 3 times\nraising')" ] && grep -q 'proc_raise: signal 6' <<<"$ERR" &&
		ok yield-raise || fail yield-raise "yield thrice, then a trap naming signal 6"
}

test_message_limit_makes_short_writes_not_failures() {
	run run --max-message 100 --max-queue 4 --max-outstanding 2 $P/hello.wasm x
	[ "$RC" -eq 0 ] && grep -q '^hello from wasmos' <<<"$OUT" && grep -q 'x' <<<"$OUT" &&
		ok small-limits || fail small-limits "the whole greeting through 100-byte messages"
}

test_bad_options_are_usage_errors() {
	run run --max-memory lots $P/hello.wasm
	local a=$RC
	run run --max-message 100G $P/hello.wasm
	local b=$RC
	run run --max-queue 0 $P/hello.wasm
	local c=$RC
	run run --allow no-such-interface $P/hello.wasm
	[ "$a" -eq 64 ] && [ "$b" -eq 64 ] && [ "$c" -eq 64 ] && [ "$RC" -eq 64 ] &&
		grep -q 'unknown interface' <<<"$ERR" && ok bad-options ||
		fail bad-options "exit 64 for bad sizes and counts and an unknown interface"
}

test_missing_and_malformed_programs_are_errors() {
	run run "$TMP/none.wasm"
	local a=$RC
	printf 'not wasm' >"$TMP/bad.wasm"
	run run "$TMP/bad.wasm"
	[ "$a" -eq 1 ] && [ "$RC" -eq 1 ] && grep -q 'bad.wasm' <<<"$ERR" && ok bad-programs ||
		fail bad-programs "exit 1 naming the file"
}

for t in $(declare -F | awk '{print $3}' | grep '^test_'); do
	IN=/dev/null
	$t
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
