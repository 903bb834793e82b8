#!/usr/bin/env bash
# system_test.sh: end-to-end tests of systems: `wasmos boot` and system files, loading
# by CID through the loader, the process and kernel-debug interfaces, restarting a
# killed handler, preemption, memory limits, the shell, `wasmos interfaces`.
#
# Usage: tests/e2e/system_test.sh path/to/wasmos
# The Wasm programs come from `make programs`: build/programs/*.wasm (programs/) and
# build/programs/tests/sys_*.wasm (tests/e2e/progs: sys_proc, sys_kvcheck, sys_liar).
# Each test runs in a fresh folder with its own WASMOS_HOME, prints its name and ok
# or FAIL (with what it saw), and the script ends with "N passed, N failed"; it exits
# 1 when a test failed.  Nothing waits on a clock: every run is bounded by `timeout`
# (a hang is a failure), and the one test that must act while wasmos runs (Ctrl-C)
# reads its output through a FIFO first.
# Checks read "[ A ] && [ B ] || fail ...": fail runs when either is false, as meant.
# shellcheck disable=SC2015
set -uo pipefail

WASMOS=${1:?usage: system_test.sh path/to/wasmos}
case $WASMOS in /*) ;; *) WASMOS=$PWD/$WASMOS ;; esac
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
P=$ROOT/build/programs
LIMIT=60 # seconds any one run may take before it counts as hung

TOP=$(mktemp -d)
trap 'chmod -R u+w "$TOP" 2>/dev/null; rm -rf "$TOP"' EXIT

passed=0
failed=0
OUT='' ERR='' RC=''

# Runs wasmos with the arguments (stdin from $IN when set); sets OUT, ERR and RC.
wasmos() {
	timeout "$LIMIT" "$WASMOS" "$@" <"${IN:-/dev/null}" >"$T/out" 2>"$T/err"
	RC=$?
	OUT=$(cat "$T/out")
	ERR=$(cat "$T/err")
}

# Prints why a test failed (to stderr) and returns 1.
fail() {
	echo "  $*" >&2
	echo "  exit status $RC; stdout: ${OUT:0:1500}" >&2
	echo "  stderr: ${ERR:0:1500}" >&2
	return 1
}

# Runs one test function in a fresh folder and WASMOS_HOME.
run_test() {
	T=$TOP/$1
	mkdir -p "$T/home"
	export WASMOS_HOME=$T/home
	unset IN
	if (cd "$T" && "$1"); then
		echo "$1 ok"
		passed=$((passed + 1))
	else
		echo "$1 FAIL"
		failed=$((failed + 1))
	fi
}

# The CID of a file, from `wasmos add`.
add() {
	"$WASMOS" add "$1" | awk '{print $1}'
}

# ---- loading by CID ------------------------------------------------------------------

test_boot_starts_a_program_by_cid_through_the_loader() {
	local cid
	cid=$(add "$P/hello.wasm")
	[[ $cid == bafkrei* ]] || fail "wasmos add gave '$cid'" || return 1
	cat >hello.sys <<-EOF
		program hello $cid
			args "two words" x
			env GREETING=hi
			essential
	EOF
	wasmos boot hello.sys
	[ "$RC" -eq 0 ] && [[ $OUT == *"hello from wasmos"* && $OUT == *"arg 1: two words"* ]] &&
		[[ $OUT == *"arg 2: x"* && $OUT == *"GREETING=hi"* ]] || fail "want hello's output"
}

test_corrupt_block_is_refused_naming_both_cids() {
	local cid found
	cid=$(add "$P/hello.wasm")
	chmod u+w "$WASMOS_HOME/blocks/$cid"
	printf '\x01' | dd of="$WASMOS_HOME/blocks/$cid" bs=1 seek=0 conv=notrunc status=none
	printf 'program hello %s\n\tessential\n' "$cid" >hello.sys
	wasmos boot hello.sys
	[ "$RC" -eq 1 ] && [[ $OUT != *"hello from wasmos"* ]] || fail "a corrupt block ran" || return 1
	[[ $ERR == *"hello.sys:1: program hello"* ]] || fail "want the file:line of the program" || return 1
	found=$(echo "$ERR" | grep -oE 'bafkrei[a-z2-7]{52}' | grep -v "$cid" | head -n 1)
	[[ $ERR == *"should have CID $cid"* && -n $found ]] || fail "want both CIDs named"
}

test_kernel_refuses_a_lying_loader_naming_both_cids() {
	# sys_liar handles loader and answers any CID with one fixed module: the kernel
	# itself must refuse the bytes, naming the CID asked for and theirs.
	local cid other=bafkreihfmtk46uaigaboaqiibti2fbd2ay6qddw46fnlrv3eeqk4rm2sny
	cid=$(add "$P/hello.wasm")
	cat >liar.sys <<-EOF
		program liar $P/tests/sys_liar.wasm
			handles loader
		program hello $cid
			essential
	EOF
	wasmos boot liar.sys
	[ "$RC" -eq 1 ] && [[ $OUT == *"liar: asked for $cid"* && $OUT != *"hello from"* ]] ||
		fail "the liar's bytes must not run" || return 1
	[[ $ERR == *"liar.sys:3: program hello: loader gave bytes whose CID is $other, not $cid"* ]] ||
		fail "want the kernel's refusal naming $other and $cid"
}

# ---- system files ------------------------------------------------------------------------

# Each bad file: its text (printf format), then what stderr must hold.
test_bad_system_files_are_refused_with_file_and_line() {
	local cases=(
		'args x\n' 'bad.sys:1: args belongs to a program'
		'# a comment\n\nprogram a a.wasm\n\tallow nope\n' "bad.sys:4: unknown interface 'nope'"
		'program a a.wasm\nprogram a b.wasm\n' 'bad.sys:2: program a is defined already, on line 1'
		'program a a.wasm\n\tmax-memory 5Q\n' 'bad.sys:2: max-memory wants a size'
		'program a a.wasm\n\tfuel-slice 0\n' 'bad.sys:2: fuel-slice wants a positive number'
		'program a a.wasm\n\tfrobnicate\n' "bad.sys:2: unknown keyword 'frobnicate'"
		'native kv\nprogram a a.wasm\n\thandles kv\n' 'bad.sys:3: kv is native (line 1) and handled by program a'
		'program a a.wasm\n\targs "open\n' 'bad.sys:2: a quoted word does not end on its line'
		'program Big a.wasm\n' "bad.sys:1: 'Big' is not a program name"
		'program a\n' 'bad.sys:1: program wants a NAME and a SOURCE'
		'# nothing\n' 'bad.sys:1: no programs'
		'program a a.wasm\n\tessential\n\trestart\n' 'bad.sys:1: program a is essential and restart'
		'program a bafkreiabc\n' "bad.sys:1: 'bafkreiabc' is not a CID"
		'program a a.wasm\n\tenv NOEQUALS\n' "bad.sys:2: env wants KEY=VALUE"
		'program a a.wasm\n\tessential now\n' 'bad.sys:2: essential takes nothing'
		"program a $P/hello.wasm\nprogram b missing.wasm\n" 'bad.sys:2: program b: missing.wasm: No such file'
		"native kv\nprogram a $P/hello.wasm\n" 'bad.sys:1: no native handler for kv here'
		"program a $P/hello.wasm\n\tdir nowhere\n" 'bad.sys:2: program a: dir nowhere: No such file'
		"program a $P/hello.wasm\n\tlisten not-an-address\n" 'bad.sys:2: program a: listen not-an-address'
	)
	local i
	for ((i = 0; i < ${#cases[@]}; i += 2)); do
		# shellcheck disable=SC2059 # the case is a printf format on purpose
		printf "${cases[i]}" >bad.sys
		wasmos boot bad.sys
		[ "$RC" -eq 1 ] && [[ $ERR == *"${cases[i + 1]}"* ]] && [ -z "$OUT" ] ||
			fail "case $((i / 2)): want '${cases[i + 1]}'" || return 1
	done
	printf 'program a a.wasm\n\x00\n' >bad.sys
	wasmos boot bad.sys
	[ "$RC" -eq 1 ] && [[ $ERR == *"bad.sys:2: a NUL byte"* ]] || fail "a NUL byte" || return 1
	head -c 3000 /dev/urandom >bad.sys
	wasmos boot bad.sys
	[ "$RC" -eq 1 ] && [[ $ERR == *"bad.sys:"* ]] || fail "random bytes"
}

test_boot_usage_and_check() {
	wasmos boot --help
	[ "$RC" -eq 0 ] && [[ $OUT == *"usage: wasmos boot"* && $OUT == *essential* ]] || fail "boot --help" || return 1
	wasmos boot
	[ "$RC" -eq 64 ] || fail "boot without a file is a usage error" || return 1
	wasmos boot --frobnicate x.sys
	[ "$RC" -eq 64 ] || fail "unknown option" || return 1
	wasmos boot nothere.sys
	[ "$RC" -eq 1 ] && [[ $ERR == *"nothere.sys: No such file"* ]] || fail "a missing file" || return 1
	printf 'program a %s\nprogram b %s\n' "$P/hello.wasm" "$P/spin.wasm" >ok.sys
	wasmos boot --check ok.sys
	[ "$RC" -eq 0 ] && [ "$OUT" = "ok.sys: ok, 2 programs" ] || fail "--check starts nothing and says ok"
}

test_sizes_past_4g_are_refused_not_wrapped() {
	# 2^34 + 1 GiB wraps to 1 GiB in 64 bits: it must be refused, not taken as 1G
	printf 'program a %s\n\tmax-memory 17179869185G\n' "$P/hello.wasm" >big.sys
	wasmos boot big.sys
	[ "$RC" -eq 1 ] && [[ $ERR == *"big.sys:2: max-memory wants a size"* ]] || fail "boot took a wrapped size" ||
		return 1
	wasmos run --max-memory 17179869185G "$P/hello.wasm"
	[ "$RC" -eq 64 ] && [[ $ERR == *"--max-memory wants a size"* ]] || fail "run took a wrapped size" || return 1
	wasmos run --max-memory 4G "$P/hello.wasm"
	[ "$RC" -eq 0 ] && [[ $OUT == *"hello from wasmos"* ]] || fail "4G is the largest size"
}

test_paths_are_relative_to_the_system_file() {
	mkdir -p sys/progs
	cp "$P/wasi-tests/exit.wasm" sys/progs/
	printf 'program exit progs/exit.wasm\n\tessential\n' >sys/exit.sys
	wasmos boot sys/exit.sys
	[ "$RC" -eq 7 ] && [[ $OUT == *"exiting with 7"* ]] || fail "want the essential program's exit code 7"
}

test_system_without_essential_ends_when_all_end() {
	printf 'program a %s\nprogram b %s\n\targs b\n' "$P/hello.wasm" "$P/hello.wasm" >two.sys
	wasmos boot two.sys
	[ "$RC" -eq 0 ] && [ "$(grep -c 'hello from wasmos' <<<"$OUT")" -eq 2 ] || fail "want two hellos, exit 0"
}

test_natives_can_be_chosen() {
	# Only time and random: log is gone, so hello's output goes nowhere (its writes
	# fail), and it is still the essential program that ends the system.
	printf 'native time random\nprogram hello %s\n\tessential\n' "$P/hello.wasm" >n.sys
	wasmos boot n.sys
	[ "$RC" -eq 0 ] && [[ $OUT != *"hello from"* ]] || fail "log should not be native here" || return 1
	printf 'native log\nprogram hello %s\n\tessential\n' "$P/hello.wasm" >n.sys
	wasmos boot n.sys
	[ "$RC" -eq 0 ] && [[ $OUT == *"hello from wasmos"* ]] || fail "with log native, hello prints"
}

test_every_program_waiting_on_nothing_is_an_error() {
	# kv-client waits for a kv handler that nothing will ever register
	printf 'program client %s\n\tallow kv\n\tessential\n' "$P/kv-client.wasm" >w.sys
	wasmos boot w.sys
	[ "$RC" -eq 1 ] && [[ $ERR == *"nothing can wake"* ]] || fail "want the stuck system reported"
}

# ---- handlers and clients --------------------------------------------------------------

test_boot_pair_handler_and_client() {
	cat >kv.sys <<-EOF
		program kv $P/kv-server.wasm
			handles kv
		program client $P/kv-client.wasm
			allow kv
			essential
	EOF
	wasmos boot kv.sys
	[ "$RC" -eq 0 ] && [[ $OUT == *"kv-server: serving kv"* && $OUT == *"kv-client: all ok"* ]] ||
		fail "the client should be served" || return 1
	# without the grant to handle kv, the server cannot register: the client, denied
	# nothing, waits for a handler for ever, which wasmos reports
	sed -i '/handles kv/d' kv.sys
	wasmos boot kv.sys
	[ "$RC" -eq 1 ] && [[ $OUT != *"all ok"* && $ERR == *"cannot handle kv"* ]] || fail "want the server refused"
}

test_killed_handler_then_restarted_serves_again() {
	cat >kv.sys <<-EOF
		program kv $P/kv-server.wasm
			handles kv
			restart
		program check $P/tests/sys_kvcheck.wasm
			args restart
			allow kv process
			essential
	EOF
	wasmos boot kv.sys
	[ "$RC" -eq 0 ] && [[ $OUT == *"get a while the handler was killed: status 4 (handler ended)"* ]] &&
		[[ $OUT == *"set b through a new handler: ok"* && $OUT == *"sys_kvcheck: all ok"* ]] ||
		fail "want 'handler ended', then a new handler" || return 1
	[[ $ERR == *"kv (pid 1) ended with exit code 137: restarting it"* ]] || fail "want the restart said"
}

test_killed_handler_replaced_by_process_spawn() {
	cat >kv.sys <<-EOF
		program kv $P/kv-server.wasm
			handles kv
		program check $P/tests/sys_kvcheck.wasm
			args spawn $P/kv-server.wasm
			allow kv process
			handles kv
			essential
	EOF
	wasmos boot kv.sys
	[ "$RC" -eq 0 ] && [[ $OUT == *"status 4 (handler ended)"* && $OUT == *"spawn a new handler: ok"* ]] &&
		[[ $OUT == *"sys_kvcheck: all ok"* ]] || fail "want a spawned handler to serve"
}

# ---- process control ------------------------------------------------------------------------

test_process_and_kernel_debug_interfaces() {
	local cid
	cid=$(add "$P/hello.wasm")
	cat >proc.sys <<-EOF
		program proc $P/tests/sys_proc.wasm
			args $P/wasi-tests/exit.wasm $cid $P/spin.wasm
			allow process kernel-debug loader
			essential
	EOF
	wasmos boot proc.sys
	[ "$RC" -eq 0 ] && [[ $OUT == *"sys_proc: all ok"* && $OUT == *"arg 1: from-cid"* ]] ||
		fail "want every check ok" || return 1
	[[ $OUT != *WRONG* ]] || fail "a check went wrong"
}

test_process_interface_is_not_in_the_default_grant() {
	# sys_proc without the grants: its first message (process.list) is denied
	printf 'program proc %s\n\targs a b c\n\tessential\n' "$P/tests/sys_proc.wasm" >proc.sys
	wasmos boot proc.sys
	[ "$RC" -eq 1 ] && [[ $OUT == *"list shows this process: WRONG"* && $ERR == *denied* ]] ||
		fail "process must be denied without a grant"
}

# ---- sharing the machine ----------------------------------------------------------------------

test_spin_does_not_stop_others_from_answering() {
	cat >spin.sys <<-EOF
		program spin $P/spin.wasm
		program kv $P/kv-server.wasm
			handles kv
		program client $P/kv-client.wasm
			allow kv
			essential
	EOF
	wasmos boot spin.sys
	[ "$RC" -eq 0 ] && [[ $OUT == *"kv-client: all ok"* ]] || fail "the client must finish beside spin"
}

test_memory_bomb_stops_at_its_limit_and_the_system_lives() {
	# The shell's limit is its children's (a child never gets more than its spawner).
	printf 'program shell %s\n\tallow stdin process\n\tmax-memory 4M\n\tessential\n' "$P/shell.wasm" >bomb.sys
	printf 'run %s\nps\nexit\n' "$P/wasi-tests/membomb.wasm" >in.txt
	IN=in.txt wasmos boot bomb.sys
	local n
	n=$(grep -oE 'out of memory after [0-9]+ MiB' <<<"$OUT" | grep -oE '[0-9]+')
	[ "$RC" -eq 0 ] && [ -n "$n" ] && [ "$n" -lt 4 ] || fail "want the bomb stopped below 4 MiB" || return 1
	[[ $OUT == *"membomb.wasm"* && $OUT == *"shell"* ]] || fail "ps after the bomb should list both"
}

test_ctrl_c_stops_a_system_with_a_spinner() {
	mkfifo out.fifo
	printf 'program spin %s\nprogram hello %s\n' "$P/spin.wasm" "$P/hello.wasm" >int.sys
	# Signalled directly, not through timeout(1): timeout forwards SIGINT to its
	# process group as well, and the test failed now and then that way (exit 130 with
	# no message).  A watchdog bounds the run instead.
	"$WASMOS" boot int.sys >out.fifo 2>"$T/err" &
	local pid=$! line watchdog
	(sleep "$LIMIT"; kill -KILL "$pid" 2>/dev/null) &
	watchdog=$!
	exec 3<out.fifo
	read -r -t "$LIMIT" line <&3
	kill -INT "$pid"
	wait "$pid"
	RC=$?
	kill "$watchdog" 2>/dev/null
	wait "$watchdog" 2>/dev/null
	exec 3<&-
	ERR=$(cat "$T/err")
	OUT=$line
	[ "$line" = "hello from wasmos" ] && [ "$RC" -eq 130 ] && [[ $ERR == *interrupted* ]] ||
		fail "want exit 130 after Ctrl-C"
}

# ---- the shell --------------------------------------------------------------------------------

test_shell_ps_run_kill_exit() {
	cat >sh.sys <<-EOF
		program kv $P/kv-server.wasm
			handles kv
		program shell $P/shell.wasm
			allow stdin process kv
			essential
	EOF
	printf 'ps\nrun -a kv %s\nstart %s\nkill 3\nkill 4\nps\nexit\necho not reached\n' \
		"$P/kv-client.wasm" "$P/spin.wasm" >in.txt
	IN=in.txt wasmos boot sh.sys
	[ "$RC" -eq 0 ] && [[ $OUT == *"kv-client: all ok"* ]] || fail "run kv-client" || return 1
	# the first ps: kv waiting, the shell itself; the last: spin (pid 4) killed, 137
	grep -qE '^ +1 +waiting .* kv$' <<<"$OUT" && grep -qE '^ +2 +ready .* shell$' <<<"$OUT" ||
		fail "ps should list kv and shell" || return 1
	grep -qE '^ +4 +dead +137 .*spin' <<<"$OUT" || fail "spin should be dead with 137" || return 1
	[[ $OUT == *"kill 3: No such file or directory"* ]] || fail "kill of an ended pid is an error" || return 1
	[[ $OUT != *"not reached"* ]] || fail "exit should end the shell"
}

test_demo_system_boots() {
	wasmos boot --check "$ROOT/system/demo.sys"
	[ "$RC" -eq 0 ] && [[ $OUT == *"demo.sys: ok, 3 programs"* ]] || fail "demo.sys should check" || return 1
	# (echo may find its port taken on a busy machine: only kv and the shell are checked)
	printf 'ps\nexit\n' >in.txt
	IN=in.txt wasmos boot "$ROOT/system/demo.sys"
	[ "$RC" -eq 0 ] && grep -qE '^ +1 +waiting .* kv$' <<<"$OUT" && grep -qE '^ +3 +ready .* shell$' <<<"$OUT" ||
		fail "the demo's shell should list kv and itself"
}

# ---- wasmos interfaces --------------------------------------------------------------------------

test_interfaces_lists_ids_and_messages() {
	wasmos interfaces
	[ "$RC" -eq 0 ] || fail "interfaces failed" || return 1
	[[ $OUT == *"kv  bd717f16ba4a7113a0c27622bc30e563497c82b3d2319a5c491dbda7b90a95df"* ]] &&
		[[ $OUT == *"0 get(key:bytes)->(value:bytes)"* && $OUT == *"2 delete(key:bytes)->()"* ]] ||
		fail "want kv's id and messages" || return 1
	[ "$(grep -cE '^[a-z-]+  [0-9a-f]{64}$' <<<"$OUT")" -eq "$(ls "$ROOT"/interfaces/*.ifc | wc -l)" ] ||
		fail "want one line per interfaces/*.ifc" || return 1
	wasmos interfaces process nope
	[ "$RC" -eq 1 ] && [[ $OUT == process* && $OUT == *"spawn(program:string"* ]] &&
		[[ $ERR == *"no interface 'nope'"* ]] || fail "named interfaces" || return 1
	wasmos interfaces --help
	[ "$RC" -eq 0 ] && [[ $OUT == *"usage: wasmos interfaces"* ]] || fail "--help"
}

for t in $(declare -F | awk '{print $3}' | grep '^test_'); do
	run_test "$t"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
