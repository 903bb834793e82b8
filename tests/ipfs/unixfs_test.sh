#!/usr/bin/env bash
# unixfs_test.sh: `wasmos add` names files as Helia does.  Helia's UnixFS importer
# (@helia/unixfs with its defaults, in tests/ipfs/peer.mjs) and ours (lib/unixfs.c,
# through `wasmos add --raw`) import the same files, and the CIDs must be equal: the
# empty file, the 21-byte file of ipfs-notes.md, exactly 1 MiB (one raw block), one
# byte more (a dag-pb root over two leaves), 1 MiB + 123 bytes, and 3 MiB of
# deterministic bytes (a root over three leaves).  `wasmos cat` of each CID gives the
# file back.
#
# Usage: tests/ipfs/unixfs_test.sh path/to/wasmos   (node_modules installed: `make test`)
# Prints each test's name with ok or FAIL, then "N passed, N failed".
# shellcheck disable=SC2015
set -uo pipefail

WASMOS=${1:?usage: unixfs_test.sh path/to/wasmos}
case $WASMOS in /*) ;; *) WASMOS=$PWD/$WASMOS ;; esac
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
LIMIT=60
TOP=$(mktemp -d)
passed=0
failed=0
# shellcheck source=tests/ipfs/lib.sh
. "$ROOT/tests/ipfs/lib.sh"
trap 'peer_stop A; chmod -R u+w "$TOP" 2>/dev/null; rm -rf "$TOP"' EXIT
export WASMOS_HOME=$TOP/home

fail() {
	echo "  $*" >&2
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

# Deterministic bytes that differ from chunk to chunk: a linear congruential stream.
bytes() {
	node -e 'const n = +process.argv[1]; const b = Buffer.alloc(n); let x = 12345;
		for (let i = 0; i < n; i++) { x = (Math.imul(x, 1103515245) + 12345) >>> 0; b[i] = x >>> 24; }
		process.stdout.write(b)' "$1"
}

MIB=1048576
NAMES=(empty hello mib mib-plus-1 mib-plus-123 three-mib)
: >"$TOP/empty"
printf 'hello-ipfs-from-c-os\n' >"$TOP/hello"
bytes $MIB >"$TOP/mib"
bytes $((MIB + 1)) >"$TOP/mib-plus-1"
bytes $((MIB + 123)) >"$TOP/mib-plus-123"
bytes $((3 * MIB)) >"$TOP/three-mib"

if ! peer_start A "${NAMES[@]/#/$TOP/}"; then
	echo "unixfs_test.sh: the Helia peer did not start:" >&2
	cat "$TOP/A.err" >&2
	echo "0 passed, 1 failed"
	exit 1
fi
peer_stop A

# Helia's CID of file i, and ours.
helia_cid() { json "j.files[$1].unixfs"; }
our_cid() { "$WASMOS" add --raw "$TOP/$1" | cut -d' ' -f1; }

check_file() {
	local i=$1 name=${NAMES[$1]} want got
	want=$(helia_cid "$i")
	got=$(our_cid "$name")
	[ -n "$want" ] && [ "$got" = "$want" ] || fail "$name: Helia $want, wasmos $got" || return 1
	"$WASMOS" cat "$got" | cmp -s - "$TOP/$name" || fail "$name: wasmos cat $got differs from the file"
}

test_empty_file_is_the_empty_raw_block() {
	check_file 0 && [ "$(our_cid empty)" = bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku ] ||
		fail "the well-known empty CID"
}
test_21_byte_file_matches_helia() {
	check_file 1 && [ "$(our_cid hello)" = bafkreic4et4fw24lpxceknmjnys7nzsyp6mwromctcxldxfarkdvfsfbp4 ] ||
		fail "the CID of ipfs-notes.md"
}
test_one_mib_file_is_one_raw_block_as_in_helia() { check_file 2 && [[ $(our_cid mib) == bafkrei* ]]; }
test_one_mib_and_a_byte_is_a_dag_pb_root_as_in_helia() { check_file 3 && [[ $(our_cid mib-plus-1) == bafybei* ]]; }
test_one_mib_and_123_bytes_matches_helia() { check_file 4; }
test_three_mib_matches_helia() { check_file 5; }

run_tests
