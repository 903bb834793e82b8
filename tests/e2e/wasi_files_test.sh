#!/usr/bin/env bash
# wasi_files_test.sh: WASI files end to end: `wasmos run --dir HOST::GUEST` runs WASI
# programs (tests/e2e/progs/files.c, files_raw.c) that create, read, write, seek, stat,
# list, rename, link, unlink and time files, try every way out of their directory,
# and send the files handler garbage.  Each test compares the program's output with
# what it expects, line by line, then looks at the host directory.
#
# Usage: tests/e2e/wasi_files_test.sh path/to/wasmos
# Needs clang with --target=wasm32-wasi (wasi-libc) and build/gen (made by make).
# Each test prints its name and ok or FAIL (with a diff), and the script ends with
# "N passed, N failed"; it exits 1 when a test failed.  The escape and basic tests run
# twice: with openat2, and with the component walk the handler falls back to
# (WASMOS_FILES_WALK=1).
# Checks read "[ A ] && [ B ] || fail ...": fail runs when either is false, as meant.
# shellcheck disable=SC2015
set -uo pipefail

WASMOS=${1:?usage: wasi_files_test.sh path/to/wasmos}
case $WASMOS in /*) ;; *) WASMOS=$PWD/$WASMOS ;; esac
HERE=$(cd "$(dirname "$0")" && pwd)
GEN=$(cd "$HERE/../.." && pwd)/build/gen

TOP=$(mktemp -d)
trap 'rm -rf "$TOP"' EXIT

passed=0
failed=0
OUT='' ERR='' RC=''

# Builds the test programs once, into $TOP.
build() {
	local cc=${WASI_CC:-clang}
	$cc --target=wasm32-wasi -O2 -s -Wall -Werror "$HERE/progs/files.c" -o "$TOP/files.wasm" &&
		$cc --target=wasm32-wasi -O2 -s -Wall -Werror -I"$GEN" "$HERE/progs/files_raw.c" \
			"$GEN/ifc_files.c" -o "$TOP/files_raw.wasm"
}

# Runs wasmos with the arguments; sets OUT, ERR and RC.
wasmos() {
	"$WASMOS" "$@" >"$T/out" 2>"$T/err"
	RC=$?
	OUT=$(cat "$T/out")
	ERR=$(cat "$T/err")
}

fail() {
	echo "  $*" >&2
	echo "  exit status $RC; stderr: ${ERR:0:400}" >&2
	return 1
}

# Compares OUT with the expected text on stdin; shows the difference.
expect() {
	local want
	want=$(cat)
	[ "$OUT" = "$want" ] && return 0
	diff <(echo "$want") <(echo "$OUT") | head -20 >&2
	fail "output differs (< expected, > got)"
}

# Runs one test function in a fresh folder $T (the current directory).
run_test() {
	T=$TOP/$1
	mkdir -p "$T"
	if (cd "$T" && "$@"); then
		echo "$1 ok"
		passed=$((passed + 1))
	else
		echo "$1 FAIL"
		failed=$((failed + 1))
	fi
}

mtime() { stat -c %Y "$1"; }

# ---- tests ------------------------------------------------------------------------------

test_basic_calls() {
	mkdir sb
	wasmos run --dir sb::/sb "$TOP/files.wasm" basic /sb
	[ "$RC" -eq 0 ] || fail "exit status" || return 1
	expect <<'EOF' || return 1
create: ok
write: 10
close: ok
create excl: EEXIST
open rdwr: ok
tell: 0
pread: 4 3456
pwrite: 2
tell after pwrite: 0
seek set: 2
read: 3 234
seek cur: 6
seek end: 9
read at end-1: 1 B
read at eof: 0
seek before start: -1 EINVAL
fstat: ok
fstat: regular 10
ftruncate: ok
stat: ok
size after truncate: 4
fsync: ok
fdatasync: ok
close: ok
contents: 0123
open append: ok
append flag: 1
write: 2
write after seek 0: 1
contents: 0123XYZ
clear append: ok
append flag: 0
write at 0: 1
close: ok
contents: W123XYZ
write to read-only: -1 EBADF
mkdir: ok
mkdir again: EEXIST
rename: ok
stat old name: ENOENT
symlink: ok
readlink: 5 b.txt
readlink short: 3 b.t
readlink of a file: EINVAL
lstat: ok
lstat: symlink
stat through link: ok
stat: regular 7
link: ok
nlink: 2
opendir: ok
readdir: .(dir) ..(dir) b.txt(reg) h(reg) l(lnk)
utimensat: ok
times: 1000000000 1234567890 500
futimens: ok
times: 1000000000 1300000000
futimens bad nsec: EINVAL
utimensat nofollow: ok
link mtime: 1100000000
target mtime: 1300000000
rmdir non-empty: ENOTEMPTY
rmdir a file: ENOTDIR
unlink a dir: EISDIR
unlink with slash: ENOTDIR
unlink link: ok
unlink hard link: ok
unlink missing: ENOENT
open missing: ENOENT
open a file as dir: ENOTDIR
mkdir e: ok
rmdir e: ok
rmdir gone: ENOENT
done
EOF
	# the host sees what the program left
	[ "$(cat sb/d/b.txt)" = "W123XYZ" ] || fail "sb/d/b.txt: '$(cat sb/d/b.txt)'" || return 1
	[ "$(mtime sb/d/b.txt)" = 1300000000 ] || fail "mtime $(mtime sb/d/b.txt)" || return 1
	[ "$(ls -A sb)" = d ] && [ "$(ls -A sb/d)" = b.txt ] || fail "left: $(ls -AR sb)"
}

test_basic_calls_walk() {
	export WASMOS_FILES_WALK=1
	test_basic_calls
}

test_guest_path_defaults_to_host_path() {
	mkdir sb
	wasmos run --dir sb "$TOP/files.wasm" two sb sb
	[ "$RC" -eq 0 ] || fail "exit status" || return 1
	# the program made no x: both renames fail the same way, nothing else
	expect <<'EOF' || return 1
rename across: ENOENT
link across: ENOENT
contents: 
done
EOF
	printf two >sb/x
	wasmos run --dir sb "$TOP/files.wasm" two sb sb
	expect <<'EOF' || return 1
rename across: ok
link across: ok
contents: two
done
EOF
	[ "$(ls -A sb | tr '\n' ' ')" = "y z " ] || fail "left: $(ls -A sb)"
}

# Two preopens, neither used before: one path_rename opens both, then renames.
test_two_dirs_in_one_call() {
	mkdir a b
	printf two >a/x
	wasmos run --dir a::/a --dir b::/b "$TOP/files.wasm" two /a /b
	[ "$RC" -eq 0 ] || fail "exit status" || return 1
	expect <<'EOF' || return 1
rename across: ok
link across: ok
contents: two
done
EOF
	[ ! -e a/x ] && [ "$(cat b/y)" = two ] && [ "$(cat a/z)" = two ] || fail "a: $(ls a) b: $(ls b)"
}

test_readdir_larger_than_a_message() {
	mkdir sb
	wasmos run --dir sb::/sb "$TOP/files.wasm" readdir /sb
	[ "$RC" -eq 0 ] || fail "exit status" || return 1
	expect <<'EOF' || return 1
mkdir many: ok
made: 5000
libc readdir: 5000 + 2
raw readdir 4M: ok whole 5000 dup 0 bad 0 end 1
raw readdir 30: ok 30
cookie resumes: ok 1
raw readdir 0: ok 0
removed: 5000
rmdir many: ok
done
EOF
	[ -z "$(ls -A sb)" ] || fail "left: $(ls -A sb | head -3)"
}

# The host lays out: sb/f.txt, sb/sub/, sb/abs -> $T/outside (absolute), sb/rel ->
# ../outside, sb/in -> sub; outside/secret.
escape_setup() {
	mkdir -p sb/sub outside
	echo f >sb/f.txt
	echo secret >outside/secret
	touch -d @1500000000 outside/secret
	ln -s "$T/outside" sb/abs
	ln -s ../outside sb/rel
	ln -s sub sb/in
}

test_escape_is_refused() {
	escape_setup
	wasmos run --dir sb::/sb "$TOP/files.wasm" escape /sb
	[ "$RC" -eq 0 ] || fail "exit status" || return 1
	expect <<'EOF' || return 1
inside ..: ok
inside link: ok
open ../: ENOTCAPABLE
open sub/../../: ENOTCAPABLE
raw ../: ENOTCAPABLE
raw absolute: ENOTCAPABLE
raw absolute dir: ENOTCAPABLE
raw ..: ENOTCAPABLE
open via absolute link: ENOTCAPABLE
open via relative link: ENOTCAPABLE
create via link: ENOTCAPABLE
mkdir via link: ENOTCAPABLE
unlink via link: ENOTCAPABLE
rename out via link: ENOTCAPABLE
rename in via link: ENOTCAPABLE
link via link: ENOTCAPABLE
stat via link: ENOTCAPABLE
lstat the link: ok
stat ..: ENOTCAPABLE
symlink relative out: ok
open own link out: ENOTCAPABLE
symlink absolute: ENOTCAPABLE
symlink loop: ok
open loop: ELOOP
open nofollow link: ELOOP
open sub: ok
openat sub ..: ENOTCAPABLE
openat sub .: ok
utimensat via link: ENOTCAPABLE
readlink via link: ENOTCAPABLE
rmdir via link: ENOTCAPABLE
done
EOF
	# outside is as it was
	[ "$(ls -A outside)" = secret ] || fail "outside: $(ls -A outside)" || return 1
	[ "$(cat outside/secret)" = secret ] && [ "$(mtime outside/secret)" = 1500000000 ] ||
		fail "outside/secret changed" || return 1
	[ -f sb/f.txt ] && [ ! -e sb/got ] && [ ! -e sb/hard ] && [ ! -e sb/abs2 ] || fail "sb: $(ls -A sb)"
}

test_escape_is_refused_walk() {
	export WASMOS_FILES_WALK=1
	test_escape_is_refused
}

test_hostile_calls_get_errors() {
	mkdir -p sb/sub
	echo hello >sb/f.txt
	wasmos run --dir sb::/sb "$TOP/files.wasm" hostile /sb
	[ "$RC" -eq 0 ] || fail "exit status" || return 1
	expect <<'EOF' || return 1
path out of memory: EFAULT
fd_out out of memory: EFAULT
path with NUL: EINVAL
path too long: ENAMETOOLONG
empty path: ENOENT
bad oflags: EINVAL
stat buf out of memory: EFAULT
open on a bad fd: EBADF
open on stdout: EBADF
open on a file: ENOTDIR
read into bad iovec: EFAULT
iovecs out of memory: EFAULT
readdir of a file: ENOTDIR
readdir bad buffer: EFAULT
seek on stdout: ESPIPE
tell on stdout: ESPIPE
seek on a dir: EBADF
seek bad whence: EINVAL
pread on stdin: ESPIPE
filestat of stdout: ok
stdout filetype: 2
filestat of a file: ok
file filetype: 4 size 6
fdstat: ok
read-only rights: read 1 write 0
shrink rights: ok
grow rights: ENOTCAPABLE
advise: ok
allocate: ENOTSUP
close bad fd: EBADF
renumber: ok
read renumbered: 5 hello
read old fd: -1 EBADF
opened until: EMFILE
open after close: ok
limit near 1024: 1
close stdin: ok
read closed stdin: -1 EBADF
done
EOF
	[ "$(cat sb/f.txt)" = hello ] && [ "$(cat sb/sub/g.txt)" = other ] || fail "files changed"
}

test_raw_messages_get_errors() {
	mkdir sb
	echo hello >sb/f.txt
	wasmos run --dir sb::/sb "$TOP/files_raw.wasm"
	[ "$RC" -eq 0 ] || fail "exit status" || return 1
	# status 1 and the WASI errno: 8 EBADF, 22 EFBIG, 28 EINVAL, 52 ENOSYS, 54 ENOTDIR,
	# 76 ENOTCAPABLE
	expect <<'EOF' || return 1
empty body: 1 52
unknown tag: 1 52
open truncated: 1 28
trailing byte: 1 28
close never given: 1 8
stat handle 0: 1 8
preopen unknown key: 1 8
preopen key 0: 0 0
dir filetype: 3
readdir huge max: 0 0
read a dir: 1 8
write a dir: 1 8
seek a dir: 1 8
open ../..: 1 76
open absolute: 1 76
open bad oflags: 1 28
bool 2: 1 28
NUL in path: 1 28
open f.txt: 0 0
pread past 2^63: 1 28
seek bad whence: 1 28
set_times bad flags: 1 28
set_times both: 1 28
truncate huge: 1 22
read f.txt: 0 0
data: hello
readdir a file: 1 54
symlink absolute: 1 76
rename out: 1 76
link on a file handle: 1 54
close without answer: 0
stat after close: 1 8
stat dir: 0 0
done
EOF
	[ "$(ls -A sb)" = f.txt ] || fail "sb: $(ls -A sb)"
}

test_without_dir_fails_cleanly() {
	mkdir w && cd w || return 1
	wasmos run "$TOP/files.wasm" nodir /sb
	[ "$RC" -eq 0 ] || fail "exit status" || return 1
	# wasi-libc finds no preopen for /sb; the raw calls find no fd 3
	expect <<'EOF' || return 1
create: ENOTCAPABLE
mkdir: ENOTCAPABLE
raw open fd 3: EBADF
prestat 3: EBADF
done
EOF
	[ -z "$(ls -A)" ] || fail "made: $(ls -A)"
}

# Without the files grant the preopen is denied by the kernel: the program sees
# ENOTCAPABLE for its first file call, and the directory stays empty.
test_denied_files_refuses() {
	mkdir sb
	wasmos run --dir sb::/sb --deny files "$TOP/files.wasm" basic /sb
	[ "$RC" -eq 0 ] || fail "exit status" || return 1
	[ "$(echo "$OUT" | head -1)" = "create: ENOTCAPABLE" ] || fail "first line: $(echo "$OUT" | head -1)" || return 1
	[ -z "$(ls -A sb)" ] || fail "made: $(ls -A sb)"
}

test_dir_option_errors() {
	wasmos run --dir "$T/missing::/x" "$TOP/files.wasm" basic /x
	[ "$RC" -eq 1 ] && [[ $ERR == *"--dir $T/missing: No such file or directory"* ]] ||
		fail "missing dir" || return 1
	touch plain
	wasmos run --dir plain "$TOP/files.wasm" basic /x
	[ "$RC" -eq 1 ] && [[ $ERR == *"Not a directory"* ]] || fail "not a dir" || return 1
	wasmos run --dir ::/x "$TOP/files.wasm" basic /x
	[ "$RC" -eq 64 ] || fail "empty HOST" || return 1
	wasmos run --dir "$T::" "$TOP/files.wasm" basic /x
	[ "$RC" -eq 64 ] || fail "empty GUEST" || return 1
	wasmos run --help
	[[ $OUT == *"--dir HOST[::GUEST]"* ]] || fail "--help does not tell --dir"
}

# ---- run ------------------------------------------------------------------------------------

T=$TOP
if build 2>"$TOP/build.err"; then
	echo "build_test_programs ok"
	passed=$((passed + 1))
else
	echo "build_test_programs FAIL"
	sed 's/^/  /' "$TOP/build.err" | head -20
	failed=$((failed + 1))
fi

run_test test_basic_calls
run_test test_basic_calls_walk
run_test test_guest_path_defaults_to_host_path
run_test test_two_dirs_in_one_call
run_test test_readdir_larger_than_a_message
run_test test_escape_is_refused
run_test test_escape_is_refused_walk
run_test test_hostile_calls_get_errors
run_test test_raw_messages_get_errors
run_test test_without_dir_fails_cleanly
run_test test_denied_files_refuses
run_test test_dir_option_errors

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
