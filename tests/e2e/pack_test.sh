#!/usr/bin/env bash
# pack_test.sh: end-to-end tests of `wasmos pack`, which writes a system file and its
# programs into one CARv1 file (the metal kernel's boot bundle, docs/metal.md).
#
# Usage: tests/e2e/pack_test.sh path/to/wasmos
# The CARs are read back by tests/e2e/car_check.mjs (Node, code apart from lib/car.c):
# the header must be canonical and every block must hash to its CID.  The programs
# come from `make programs` (build/programs).  Each test runs in a fresh folder with
# its own WASMOS_HOME, prints its name and ok or FAIL, and the script ends with "N
# passed, N failed".
# Checks read "[ A ] && [ B ] || fail ...": fail runs when either is false, as meant.
# shellcheck disable=SC2015
set -uo pipefail

WASMOS=${1:?usage: pack_test.sh path/to/wasmos}
case $WASMOS in /*) ;; *) WASMOS=$PWD/$WASMOS ;; esac
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
P=$ROOT/build/programs
CHECK=$ROOT/tests/e2e/car_check.mjs
LIMIT=60

TOP=$(mktemp -d)
trap 'chmod -R u+w "$TOP" 2>/dev/null; rm -rf "$TOP"' EXIT

passed=0
failed=0
OUT='' ERR='' RC=''

wasmos() {
	timeout "$LIMIT" "$WASMOS" "$@" </dev/null >"$T/out" 2>"$T/err"
	RC=$?
	OUT=$(cat "$T/out")
	ERR=$(cat "$T/err")
}

fail() {
	echo "  $*" >&2
	echo "  exit status $RC; stdout: ${OUT:0:1500}" >&2
	echo "  stderr: ${ERR:0:1500}" >&2
	return 1
}

run_test() {
	T=$TOP/$1
	mkdir -p "$T/home"
	export WASMOS_HOME=$T/home
	if (cd "$T" && "$1"); then
		echo "$1 ok"
		passed=$((passed + 1))
	else
		echo "$1 FAIL"
		failed=$((failed + 1))
	fi
}

# The CID `wasmos add` gives a file (in a store of its own, not the test's).
cid_of() {
	WASMOS_HOME=$T/cid-home "$WASMOS" add --raw "$1" | cut -d' ' -f1
}

# A system of hello twice (one block), kv-server and kv-client, with comments.
write_system() {
	cp "$P/hello.wasm" "$P/kv-server.wasm" "$P/kv-client.wasm" .
	cat >demo.sys <<SYS
# a demo
native log time random loader
program hello hello.wasm
	args one
program hello2 ./hello.wasm   # the same bytes
program kv kv-server.wasm
	handles kv
	  program   client "kv-client.wasm"
	allow kv
	essential
SYS
}

# ---- tests ------------------------------------------------------------------------------

test_pack_names_programs_by_cid_in_a_checked_car() {
	write_system
	wasmos pack demo.sys -o demo.car
	[ "$RC" -eq 0 ] || fail "pack failed" || return 1
	local hello kv client
	hello=$(cid_of hello.wasm) kv=$(cid_of kv-server.wasm) client=$(cid_of kv-client.wasm)
	mkdir blocks
	node "$CHECK" demo.car blocks >check.txt 2>check.err || fail "car_check: $(cat check.err)" || return 1
	local root
	root=$(sed -n 's/^root //p' check.txt)
	# The root is the first block; then each program once, in file order.
	[ "$(sed -n 2p check.txt | cut -d' ' -f1)" = "$root" ] &&
		[ "$(sed -n '3,$p' check.txt | cut -d' ' -f1 | tr '\n' ' ')" = "$hello $kv $client " ] ||
		fail "blocks: $(cat check.txt)" || return 1
	[ "$OUT" = "$(printf '%s\n' "$hello  hello" "$hello  hello2" "$kv  kv" "$client  client" "$root  demo.sys")" ] ||
		fail "want CID  NAME per program, then the root" || return 1
	cmp -s blocks/"$hello" hello.wasm && cmp -s blocks/"$kv" kv-server.wasm || fail "program bytes differ" || return 1
	# The root block is the system file, the program lines naming CIDs, the rest as it was.
	local want
	want=$(sed -e "s|^program hello hello.wasm|program hello $hello|" \
		-e "s|^program hello2 ./hello.wasm   # the same bytes|program hello2 $hello|" \
		-e "s|^program kv kv-server.wasm|program kv $kv|" \
		-e "s|^	  program   client \"kv-client.wasm\"|	  program client $client|" demo.sys)
	[ "$(cat blocks/"$root")" = "$want" ] || fail "root block: $(cat blocks/"$root")"
}

test_packed_system_boots_from_its_blocks() {
	write_system
	wasmos pack demo.sys -o demo.car
	mkdir blocks
	node "$CHECK" demo.car blocks >check.txt || fail "car_check" || return 1
	local root
	root=$(sed -n 's/^root //p' check.txt)
	wasmos add --raw blocks/*
	[ "$RC" -eq 0 ] || fail "add" || return 1
	# Programs by CID only, loaded from the store: the client's checks pass.
	cp blocks/"$root" packed.sys
	wasmos boot packed.sys
	[ "$RC" -eq 0 ] && [[ $OUT == *"hello from wasmos"* && $OUT == *"arg 1: one"* ]] ||
		fail "booting the packed system" || return 1
}

test_pack_takes_a_program_by_cid_from_the_store() {
	cp "$P/hello.wasm" .
	wasmos add hello.wasm
	local hello=${OUT%% *}
	printf 'program h %s\n' "$hello" >bycid.sys
	wasmos pack bycid.sys -o bycid.car
	[ "$RC" -eq 0 ] && [[ $OUT == "$hello  h"* ]] || fail "pack by CID" || return 1
	node "$CHECK" bycid.car >check.txt || fail "car_check" || return 1
	grep -q "^$hello " check.txt || fail "the program's block is missing"
}

test_pack_takes_a_large_program_by_its_dag_pb_root() {
	# hello with a 1.5 MiB custom section (id 0, size 1572868 = 84 80 60, name "pad"):
	# `wasmos add` stores it as a dag-pb root over two leaves; the bundle holds the
	# root and both leaves, which the metal loader answers as a CAR
	cp "$P/hello.wasm" big.wasm
	{
		printf '\x00\x84\x80\x60\x03pad'
		head -c 1572864 /dev/zero
	} >>big.wasm
	wasmos add big.wasm
	local root=${OUT%% *}
	[[ $root == bafybei* ]] || fail "want a dag-pb root" || return 1
	printf 'program h %s\n' "$root" >bycid.sys
	wasmos pack bycid.sys -o bycid.car
	[ "$RC" -eq 0 ] && [[ $OUT == "$root  h"* ]] || fail "pack by a dag-pb root: want the root's CID" || return 1
	# car_check hashes every block against its CID: the system file, root, two leaves
	mkdir blocks
	node "$CHECK" bycid.car blocks >check.txt || fail "car_check" || return 1
	[ "$(grep -c '^bafkrei' check.txt)" -eq 3 ] && grep -q "^$root " check.txt || fail "want the root and two leaves" || return 1
	# by path the same file gets the same root, as `wasmos add` names it
	printf 'program h big.wasm\n' >bypath.sys
	wasmos pack bypath.sys -o bypath.car
	[ "$RC" -eq 0 ] && [[ $OUT == "$root  h"* ]] || fail "pack by path: want the dag-pb root" || return 1
	node "$CHECK" bypath.car >check2.txt || fail "car_check by path" || return 1
	[ "$(tail -n +3 check.txt | sort)" = "$(tail -n +3 check2.txt | sort)" ] || fail "the same blocks by CID and by path"
}

test_pack_refuses_a_cid_not_in_the_store() {
	printf 'program h bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku\n' >bycid.sys
	wasmos pack bycid.sys -o bycid.car
	[ "$RC" -eq 1 ] && [[ $ERR == *"bycid.sys:1: program h:"*"wasmos add it first"* ]] &&
		[ ! -e bycid.car ] || fail "want an error naming the line and no CAR"
}

test_pack_refuses_missing_and_non_wasm_programs() {
	printf 'program a missing.wasm\n' >missing.sys
	wasmos pack missing.sys -o out.car
	[ "$RC" -eq 1 ] && [[ $ERR == *"missing.sys:1: program a:"* ]] && [ ! -e out.car ] ||
		fail "missing program" || return 1
	printf 'not wasm at all\n' >text.wasm
	printf '# x\n\nprogram b text.wasm\n' >text.sys
	wasmos pack text.sys -o out.car
	[ "$RC" -eq 1 ] && [[ $ERR == *"text.sys:3: program b:"*"is not a WebAssembly module"* ]] &&
		[ ! -e out.car ] || fail "not a module"
}

test_pack_reports_a_bad_system_file() {
	printf 'program a\n' >bad.sys
	wasmos pack bad.sys -o out.car
	[ "$RC" -eq 1 ] && [[ $ERR == *"bad.sys:1:"* ]] && [ ! -e out.car ] || fail "parse error" || return 1
	wasmos pack nosuch.sys -o out.car
	[ "$RC" -eq 1 ] && [[ $ERR == *"nosuch.sys"* ]] || fail "missing system file"
}

test_pack_reports_an_output_it_cannot_write() {
	write_system
	wasmos pack demo.sys -o nodir/out.car
	[ "$RC" -eq 1 ] && [[ $ERR == *"nodir/out.car"* ]] || fail "unwritable output"
}

test_pack_usage() {
	wasmos pack --help
	[ "$RC" -eq 0 ] && [[ $OUT == *"usage: wasmos pack SYSTEM-FILE -o BUNDLE.car"* ]] || fail "--help" || return 1
	wasmos pack demo.sys
	[ "$RC" -eq 64 ] && [[ $ERR == *"-o BUNDLE.car"* ]] || fail "no -o" || return 1
	wasmos pack
	[ "$RC" -eq 64 ] || fail "nothing" || return 1
	wasmos pack --frobnicate x.sys -o y.car
	[ "$RC" -eq 64 ] && [[ $ERR == *"unknown option '--frobnicate'"* ]] || fail "unknown option" || return 1
	wasmos pack a.sys b.sys -o y.car
	[ "$RC" -eq 64 ] || fail "two files"
}

for t in $(declare -F | awk '{print $3}' | grep '^test_'); do
	run_test "$t"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
