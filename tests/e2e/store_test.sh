#!/usr/bin/env bash
# store_test.sh: end-to-end tests of the local content store through the command:
# `wasmos add`, `ls`, `cat` and `run` by CID.
#
# Usage: tests/e2e/store_test.sh path/to/wasmos
# Each test runs with a fresh temporary WASMOS_HOME, prints its name and ok or FAIL
# (with what it saw), and the script ends with "N passed, N failed"; it exits 1 when
# a test failed.  The expected CID of the test module was computed apart from wasmos
# (sha256sum, and Python's base64.b32encode over 01 55 12 20 + digest).  Files over
# 1 MiB (a module padded with a custom section; hello from `make programs`) become
# UnixFS DAGs; tests/ipfs/unixfs_test.sh checks their CIDs against Helia's.
# Checks read "[ A ] && [ B ] || fail ...": fail runs when either is false, as meant.
# shellcheck disable=SC2015
set -uo pipefail

WASMOS=${1:?usage: store_test.sh path/to/wasmos}
case $WASMOS in /*) ;; *) WASMOS=$PWD/$WASMOS ;; esac
ROOT=$(cd "$(dirname "$0")/../.." && pwd)

TOP=$(mktemp -d)
trap 'chmod -R u+w "$TOP" 2>/dev/null; rm -rf "$TOP"' EXIT

# (module (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))
ADD_HEX='0061736d0100000001070160027f7f017f030201000707010361646400000a09010700200020016a0b'
ADD_CID=bafkreihwd7lc6v6ecju4hqr7gyhov4ijbmo3tq4gkeigm5gurpdf3ouixi
ADD_SIZE=41

passed=0
failed=0
OUT='' ERR='' RC=''

# Writes the bytes of a hex string to a file.
unhex() {
	local hex=$1 out=$2 esc=
	while [ -n "$hex" ]; do
		esc+="\\x${hex:0:2}"
		hex=${hex:2}
	done
	printf '%b' "$esc" >"$out"
}

# Runs wasmos with the arguments; sets OUT, ERR and RC.
wasmos() {
	"$WASMOS" "$@" >"$T/out" 2>"$T/err"
	RC=$?
	OUT=$(cat "$T/out")
	ERR=$(cat "$T/err")
}

# Prints why a test failed (to stderr) and returns 1.
fail() {
	echo "  $*" >&2
	echo "  exit status $RC; stdout: ${OUT:0:300}" >&2
	echo "  stderr: ${ERR:0:300}" >&2
	return 1
}

# Runs one test function in a fresh WASMOS_HOME with add.wasm in its folder.
run_test() {
	T=$TOP/$1
	mkdir -p "$T/home"
	export WASMOS_HOME=$T/home
	unhex "$ADD_HEX" "$T/add.wasm"
	if (cd "$T" && "$1"); then
		echo "$1 ok"
		passed=$((passed + 1))
	else
		echo "$1 FAIL"
		failed=$((failed + 1))
	fi
}

# Writes v as an unsigned LEB128 varint.
leb() {
	local v=$1 b
	while :; do
		b=$((v & 127))
		v=$((v >> 7))
		if [ "$v" -gt 0 ]; then
			printf "\\x$(printf %02x $((b | 128)))"
		else
			printf "\\x$(printf %02x "$b")"
			return
		fi
	done
}

# Writes OUT: the module IN with a custom section "pad" of 1.5 MiB after it, so that
# it takes two 1 MiB blocks: a valid module that does the same.
pad_module() {
	local in=$1 out=$2 n=$((1536 * 1024))
	cp "$in" "$out"
	{
		printf '\x00'
		leb $((n + 4))
		printf '\x03pad'
		head -c "$n" /dev/zero | tr '\0' 'w'
	} >>"$out"
}

# ---- tests ------------------------------------------------------------------------------

test_add_prints_the_cid_and_stores_the_block() {
	wasmos add add.wasm
	[ "$RC" -eq 0 ] || fail "add failed" || return 1
	[ "$OUT" = "$ADD_CID  add.wasm" ] || fail "want '$ADD_CID  add.wasm'" || return 1
	[ -f "$WASMOS_HOME/blocks/$ADD_CID" ] || fail "no block file $WASMOS_HOME/blocks/$ADD_CID" || return 1
	cmp -s add.wasm "$WASMOS_HOME/blocks/$ADD_CID" || fail "block differs from the file"
}

test_add_twice_keeps_one_block() {
	wasmos add add.wasm && wasmos add add.wasm
	[ "$RC" -eq 0 ] && [ "$OUT" = "$ADD_CID  add.wasm" ] || fail "second add" || return 1
	local n
	n=$(find "$WASMOS_HOME/blocks" -type f | wc -l)
	[ "$n" -eq 1 ] || fail "$n files in blocks/, want 1 (no temporary file left)"
}

test_ls_shows_the_cid_and_size() {
	wasmos ls
	[ "$RC" -eq 0 ] && [ -z "$OUT" ] || fail "empty store should list nothing" || return 1
	wasmos add add.wasm
	wasmos ls
	[ "$RC" -eq 0 ] && [ "$OUT" = "$ADD_CID  $ADD_SIZE" ] || fail "want '$ADD_CID  $ADD_SIZE'"
}

test_ls_skips_files_that_are_not_blocks() {
	wasmos add add.wasm
	: >"$WASMOS_HOME/blocks/.tmp-abc123"
	: >"$WASMOS_HOME/blocks/notes.txt"
	mkdir "$WASMOS_HOME/blocks/bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"
	wasmos ls
	[ "$RC" -eq 0 ] && [ "$OUT" = "$ADD_CID  $ADD_SIZE" ] || fail "want only '$ADD_CID  $ADD_SIZE'"
}

test_ls_lists_in_cid_order() {
	printf 'hello world\n' >hello.txt
	: >empty
	wasmos add --raw add.wasm hello.txt empty
	[ "$RC" -eq 0 ] || fail "add --raw" || return 1
	wasmos ls
	local want
	want=$(printf '%s\n' "$ADD_CID  $ADD_SIZE" \
		"bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4  12" \
		"bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku  0" | LC_ALL=C sort)
	[ "$OUT" = "$want" ] || fail "want: $want"
}

test_cat_gives_identical_bytes() {
	wasmos add add.wasm
	"$WASMOS" cat "$ADD_CID" >back.wasm 2>"$T/err"
	RC=$?
	[ "$RC" -eq 0 ] || fail "cat failed: $(cat "$T/err")" || return 1
	cmp -s add.wasm back.wasm || fail "cat gave other bytes"
}

test_run_by_cid_invokes_the_export() {
	wasmos add add.wasm
	wasmos run --invoke add "$ADD_CID" 2 3
	[ "$RC" -eq 0 ] && [ "$OUT" = "5" ] || fail "want 5"
}

test_run_by_file_still_works() {
	wasmos run --invoke add add.wasm 40 2
	[ "$RC" -eq 0 ] && [ "$OUT" = "42" ] || fail "want 42"
}

# Flips the first byte of the stored block, as a disk error or a hand edit would.
corrupt_block() {
	local b=$WASMOS_HOME/blocks/$ADD_CID
	chmod u+w "$b"
	printf '\x01' | dd of="$b" bs=1 seek=0 conv=notrunc status=none
}

test_corrupt_block_is_refused_naming_both_cids() {
	wasmos add add.wasm
	corrupt_block
	local found
	wasmos cat "$ADD_CID"
	[ "$RC" -eq 1 ] || fail "cat of a corrupt block should exit 1" || return 1
	[ -z "$OUT" ] || fail "cat wrote bytes of a corrupt block" || return 1
	[[ $ERR == *corrupt* && $ERR == *"should have CID $ADD_CID"* ]] || fail "error does not name $ADD_CID" || return 1
	# The CID of the bytes found: the message names a second, different CID.
	found=$(echo "$ERR" | grep -oE 'bafkrei[a-z2-7]{52}' | grep -v "$ADD_CID" | head -n 1)
	[ -n "$found" ] || fail "error does not name the CID of the bytes found" || return 1
	wasmos run --invoke add "$ADD_CID" 2 3
	[ "$RC" -eq 1 ] && [ -z "$OUT" ] && [[ $ERR == *corrupt* && $ERR == *$found* ]] ||
		fail "run of a corrupt block should be refused" || return 1
	# Adding the original again repairs the block.
	wasmos add add.wasm
	wasmos run --invoke add "$ADD_CID" 2 3
	[ "$RC" -eq 0 ] && [ "$OUT" = "5" ] || fail "after a new add, want 5"
}

test_corrupt_block_names_the_cid_its_bytes_have() {
	# Put the bytes of "hello world\n" under the module's name: the message must name
	# exactly the CID of those bytes.
	mkdir -p "$WASMOS_HOME/blocks"
	printf 'hello world\n' >"$WASMOS_HOME/blocks/$ADD_CID"
	wasmos cat "$ADD_CID"
	[ "$RC" -eq 1 ] && [[ $ERR == *bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4* ]] ||
		fail "want the CID of 'hello world\\n' in the error"
}

test_bad_cid_is_refused() {
	local bad
	for bad in bafkreiXYZ "bafkreihwd7lc6v6ecju4hqr7gyhov4ijbmo3tq4gkeigm5gurpdf3ouix" \
		bafyreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku \
		QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1Aw0H "../../etc/passwd"; do
		wasmos cat "$bad"
		[ "$RC" -eq 64 ] && [ -z "$OUT" ] && [[ $ERR == *"is not a CID"* ]] ||
			fail "cat '$bad' should be refused as malformed" || return 1
	done
	# dag-cbor (bafyrei...) names no file
	wasmos cat bafyreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku
	[[ $ERR == *"neither raw (0x55) nor dag-pb (0x70)"* ]] || fail "want the reason for a dag-cbor CID" || return 1
	wasmos run --invoke add bafyreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku
	[ "$RC" -eq 1 ] && [[ $ERR == *"neither raw (0x55) nor dag-pb (0x70)"* ]] || fail "run of a dag-cbor CID"
}

test_unknown_cid_is_an_error() {
	local cid=bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku
	wasmos cat "$cid"
	[ "$RC" -eq 1 ] && [[ $ERR == *"$cid: not in the store"* ]] || fail "want 'not in the store'" || return 1
	wasmos run --invoke add "$cid" 1 2
	[ "$RC" -eq 1 ] && [[ $ERR == *"$cid: not in the store"* ]] || fail "run: want 'not in the store'" || return 1
	# a dag-pb root, given as CIDv0 too, is looked up by its CIDv1 name
	wasmos cat QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH
	[ "$RC" -eq 1 ] && [[ $ERR == *"bafybei"*"not in the store"* ]] || fail "CIDv0: want 'not in the store'"
}

test_add_refuses_a_file_that_is_not_a_module() {
	printf 'hello world\n' >hello.txt
	wasmos add hello.txt
	[ "$RC" -eq 1 ] && [ -z "$OUT" ] && [[ $ERR == *"not a valid WebAssembly module"* && $ERR == *--raw* ]] ||
		fail "want a refusal that mentions --raw" || return 1
	[ -z "$(ls -A "$WASMOS_HOME/blocks")" ] || fail "a refused file was stored" || return 1
	wasmos add --raw hello.txt
	[ "$RC" -eq 0 ] && [ "$OUT" = "bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4  hello.txt" ] ||
		fail "add --raw"
}

test_add_refuses_an_invalid_module() {
	# Decodes, but does not validate: i32.add with one operand on the stack.
	unhex '0061736d010000000105016000017f030201000a0701050041016a0b' bad.wasm
	unhex '0061736d01000000010401600000030201000a040102000b' ok.wasm
	wasmos add bad.wasm ok.wasm
	[ "$RC" -eq 1 ] && [[ $ERR == *"bad.wasm: not a valid WebAssembly module: invalid module"* ]] || fail "bad.wasm accepted" ||
		return 1
	[[ $OUT == *"  ok.wasm" ]] && [[ $OUT != *bad.wasm* ]] || fail "ok.wasm should still be stored"
}

test_add_missing_file_is_an_error() {
	wasmos add nothere.wasm
	[ "$RC" -eq 1 ] && [[ $ERR == *"nothere.wasm: cannot read: No such file"* ]] || fail "want a clear error"
}

test_help_and_usage() {
	local c
	for c in add ls cat; do
		wasmos "$c" --help
		[ "$RC" -eq 0 ] && [[ $OUT == *"usage: wasmos $c"* && $OUT == *WASMOS_HOME* ]] ||
			fail "$c --help" || return 1
	done
	wasmos add
	[ "$RC" -eq 64 ] || fail "add without files should be a usage error" || return 1
	wasmos cat
	[ "$RC" -eq 64 ] || fail "cat without a CID should be a usage error" || return 1
	wasmos ls extra
	[ "$RC" -eq 64 ] || fail "ls with an argument should be a usage error" || return 1
	wasmos add --frobnicate add.wasm
	[ "$RC" -eq 64 ] || fail "unknown option"
}

# ---- files of several blocks --------------------------------------------------------------

test_large_module_is_stored_as_a_dag_pb_file() {
	pad_module add.wasm big.wasm
	wasmos add big.wasm
	[ "$RC" -eq 0 ] && [[ $OUT == bafybei*"  big.wasm" ]] || fail "want a bafybei... CID" || return 1
	local cid=${OUT%% *} size
	size=$(stat -c %s big.wasm)
	# the root and two raw leaves: 1 MiB and the rest
	wasmos ls
	[ "$(echo "$OUT" | wc -l)" -eq 3 ] && [[ $OUT == *"$cid  "* ]] &&
		[[ $OUT == *"  1048576"* ]] && [[ $OUT == *"  $((size - 1048576))"* ]] || fail "ls: want root and 2 leaves" || return 1
	"$WASMOS" cat "$cid" >back.wasm 2>"$T/err" && cmp -s big.wasm back.wasm || fail "cat gave other bytes" || return 1
	wasmos run --invoke add "$cid" 2 3
	[ "$RC" -eq 0 ] && [ "$OUT" = "5" ] || fail "run --invoke by the root CID: want 5"
}

test_large_program_runs_by_its_root_cid() {
	# hello has a _start: `wasmos run CID` spawns it through the kernel's loader, which
	# gets a CAR of its blocks and checks each one
	pad_module "$ROOT/build/programs/hello.wasm" hello.wasm
	wasmos add hello.wasm
	local cid=${OUT%% *}
	[[ $cid == bafybei* ]] || fail "want a bafybei... CID" || return 1
	wasmos run "$cid"
	[ "$RC" -eq 0 ] && [[ $OUT == *"hello from wasmos"* ]] || fail "want hello's greeting"
}

test_large_module_with_a_changed_leaf_is_refused_naming_it() {
	pad_module add.wasm big.wasm
	wasmos add big.wasm
	local cid=${OUT%% *} leaf
	leaf=$(cd "$WASMOS_HOME/blocks" && ls bafkrei* | head -n 1)
	chmod u+w "$WASMOS_HOME/blocks/$leaf"
	printf 'X' | dd of="$WASMOS_HOME/blocks/$leaf" bs=1 seek=100 conv=notrunc 2>/dev/null
	wasmos cat "$cid"
	[ "$RC" -eq 1 ] && [ -z "$OUT" ] && [[ $ERR == *"should have CID $leaf"* ]] ||
		fail "cat: want the changed leaf named" || return 1
	wasmos run --invoke add "$cid" 2 3
	[ "$RC" -eq 1 ] && [[ $ERR == *"should have CID $leaf"* ]] || fail "run: want the changed leaf named"
}

test_default_home_is_under_home() {
	unset WASMOS_HOME
	HOME=$T/h wasmos add add.wasm
	[ "$RC" -eq 0 ] && [ -f "$T/h/.local/share/wasmos/blocks/$ADD_CID" ] ||
		fail "want the block under \$HOME/.local/share/wasmos/blocks"
}

for t in $(declare -F | awk '{print $3}' | grep '^test_'); do
	run_test "$t"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
