#!/usr/bin/env bash
# run.sh: the `make bench` driver.  Run from anywhere; it works from the repo root.
#
# For each program in bench/progs/ it builds an import-free Wasm module and a native
# executable into build/bench/, runs each engine BENCH_RUNS times (native code, wasmos
# and Node's V8), checks that every run of every engine returns the same checksum, and
# prints the median times, the ratios wasmos/native and wasmos/V8, and their geometric
# means.  Then it times start-up: a module that does nothing (bench/progs/empty.c).
# It only reports: there are no timing thresholds.  It exits nonzero when a checksum
# differs or a benchmark cannot be built or run.
#
# Every engine is timed the same way, as a whole process from start to exit, by
# bench/timeit.c (CLOCK_MONOTONIC before the spawn and after waitpid):
#   native  build/bench/NAME.native (bench/native_main.c linked with the program)
#   wasmos  wasmos run --invoke run NAME.wasm: load, validate, compile, one call
#   node    node bench/v8.js NAME.wasm: Node's start-up, compile, instantiate, one call
# The runs are interleaved (native, wasmos, node, native, wasmos, node, ...), so that
# a change in the machine's load falls on all three engines alike.
#
# Environment:
#   BENCH_RUNS=3          runs per engine and program; the median is reported.  Below 3
#                         works (for a quick look) but the table then says so
#   BENCH_PROGS="a b"     only these programs (default: every bench/progs/*.c but empty)
#   BENCH_STARTUP_RUNS=20 runs of the empty module per engine; 0 skips start-up
#   BENCH_TIMEOUT=600     seconds before one run is abandoned, so a hung engine cannot
#                         stall `make bench` forever (a hang guard, not a threshold)
#   WASMOS=build/release/wasmos
#   WASM_CC=clang         compiles the Wasm modules (needs the wasm32 target and wasm-ld)
#   NATIVE_CC=gcc         compiles the native baseline, at -O2: gcc by default, because
#                         the figures we compare with (wasm3, WAMR) were measured
#                         against gcc -O2.  NATIVE_CC=clang works too
#   HOST_CC=cc            compiles bench/timeit.c
set -euo pipefail
export LC_ALL=C # one decimal point for every number we print and parse

cd "$(dirname "${BASH_SOURCE[0]}")/.."

RUNS=${BENCH_RUNS:-3}
STARTUP_RUNS=${BENCH_STARTUP_RUNS:-20}
TIMEOUT=${BENCH_TIMEOUT:-600}
WASMOS=${WASMOS:-build/release/wasmos}
WASM_CC=${WASM_CC:-clang}
NATIVE_CC=${NATIVE_CC:-gcc}
HOST_CC=${HOST_CC:-cc}
OUT=build/bench
TIMEIT=$OUT/timeit
ENGINES=(native wasmos node)

if ! [[ $RUNS =~ ^[1-9][0-9]*$ ]]; then
	echo "bench: BENCH_RUNS must be a positive integer, not '$RUNS'" >&2
	exit 2
fi
if ! [[ $STARTUP_RUNS =~ ^[0-9]+$ ]]; then
	echo "bench: BENCH_STARTUP_RUNS must be a whole number, not '$STARTUP_RUNS'" >&2
	exit 2
fi

if [[ -n ${BENCH_PROGS:-} ]]; then
	read -r -a PROGS <<<"$BENCH_PROGS"
else
	PROGS=()
	for src in bench/progs/*.c; do
		name=$(basename "$src" .c)
		[[ $name == empty ]] || PROGS+=("$name")
	done
fi

mkdir -p "$OUT"

failures=0   # benchmarks that could not be built or run where they must
mismatches=0 # checksums that differ
notes=()     # lines printed under the table

fail() {
	echo "bench: $*" >&2
	failures=$((failures + 1))
}

# ---- building ------------------------------------------------------------------------

# The return type of run(), read off its one-line definition (see bench/progs/bench.h).
result_type() {
	if grep -q '^BENCH_EXPORT int64_t run(void)' "$1"; then
		echo int64_t
	elif grep -q '^BENCH_EXPORT int32_t run(void)' "$1"; then
		echo int32_t
	else
		return 1
	fi
}

# Build NAME.wasm and NAME.native; fail (return 1) with a message if either fails.
build() {
	local name=$1 src=bench/progs/$1.c rtype
	if ! rtype=$(result_type "$src"); then
		echo "bench: $src: no 'BENCH_EXPORT int32_t/int64_t run(void)' line" >&2
		return 1
	fi
	"$WASM_CC" --target=wasm32 -O2 -nostdlib -fno-builtin -Wall -Wextra -Werror \
		-Wl,--no-entry -o "$OUT/$name.wasm" "$src" || return 1
	# The engines are given no imports, so the module must need none: clang can still
	# emit memcpy/memset calls for large copies, which would show up here.
	if command -v wasm-objdump >/dev/null &&
		wasm-objdump -x "$OUT/$name.wasm" | grep -q '^Import\['; then
		echo "bench: $OUT/$name.wasm has imports:" >&2
		wasm-objdump -x -j Import "$OUT/$name.wasm" >&2
		return 1
	fi
	"$NATIVE_CC" -O2 -fno-builtin -Wall -Wextra -Werror -DBENCH_RESULT="$rtype" \
		"$src" bench/native_main.c -lm -o "$OUT/$name.native" || return 1
}

# ---- running -------------------------------------------------------------------------

# The value of the "KEY value" line in text $2.
field() {
	awk -v key="$1" '$1 == key { print $2; exit }' <<<"$2"
}

# The median of the numbers given as arguments.
median() {
	printf '%s\n' "$@" | sort -g | awk '
		{ v[NR] = $1 }
		END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# The command line that runs program $2 on engine $1.
command_for() {
	case $1 in
	native) echo "$OUT/$2.native" ;;
	wasmos) echo "$WASMOS run --invoke run $OUT/$2.wasm" ;;
	node) echo "node bench/v8.js $OUT/$2.wasm" ;;
	esac
}

# One whole-process run of engine $1 on program $2.  Sets CHECKSUM, MS (start to
# exit) and IN_MS (the time the process reports for its own work, or '-'), or
# returns 1 with ERROR set.  The engine's stderr goes to build/bench/NAME.ENGINE.err.
run_once() {
	local engine=$1 name=$2 timing rc=0 out=$OUT/$2.$1.out err=$OUT/$2.$1.err cmd
	read -r -a cmd <<<"$(command_for "$engine" "$name")"
	timing=$(timeout "$TIMEOUT" "$TIMEIT" "$out" "${cmd[@]}" 2>"$err") || rc=$?
	if ((rc != 0)); then
		if ((rc == 124)); then
			ERROR="$engine timed out after ${TIMEOUT}s"
		else
			ERROR="$engine exited with status $rc: $(head -n 1 "$err")"
		fi
		return 1
	fi
	CHECKSUM=$(head -n 1 "$out")
	MS=$(field wall_ms "$timing")
	IN_MS=$(field time_ms "$(cat "$out")")
	IN_MS=${IN_MS:--}
}

# ---- which engines there are ---------------------------------------------------------

declare -A available=([native]=1 [wasmos]=1 [node]=1)
if [[ ! -x $WASMOS ]]; then
	available[wasmos]=0
	notes+=("wasmos: unavailable ($WASMOS not built)")
fi
if ! command -v node >/dev/null; then
	available[node]=0
	notes+=("node: unavailable (not on PATH)")
fi

if ! "$HOST_CC" -O2 -Wall -Wextra -Werror -o "$TIMEIT" bench/timeit.c; then
	echo "bench: cannot build bench/timeit.c with $HOST_CC" >&2
	exit 1
fi

# ---- the programs --------------------------------------------------------------------

rows=() # "name native wasmos node native_in node_in": median ms, '-' or MISMATCH

echo "bench: ${#PROGS[@]} program(s), $RUNS run(s) per engine, median of whole-process times;" \
	"native = $NATIVE_CC -O2"
for name in "${PROGS[@]}"; do
	if [[ ! -f bench/progs/$name.c ]]; then
		fail "no such program: bench/progs/$name.c"
		continue
	fi
	if ! build "$name"; then
		fail "$name: build failed"
		continue
	fi

	# Per engine: its times so far, its first checksum, and its state: run (still
	# going), bad (MISMATCH) or off (unavailable, or it failed on this program).
	declare -A state=() sum=() walls=() ins=()
	for engine in "${ENGINES[@]}"; do
		state[$engine]=run
		((available[$engine])) || state[$engine]=off
		walls[$engine]="" ins[$engine]=""
	done

	for ((i = 0; i < RUNS; i++)); do
		for engine in "${ENGINES[@]}"; do
			[[ ${state[native]} == off ]] && break 2 # no reference: stop this program
			[[ ${state[$engine]} == run ]] || continue
			if ! run_once "$engine" "$name"; then
				state[$engine]=off
				if [[ $engine == wasmos ]]; then
					notes+=("wasmos: unavailable for $name ($ERROR)")
				else
					fail "$name: $ERROR"
				fi
				continue
			fi
			# Every run must agree with this engine's first run and with native's.
			want=${sum[native]:-$CHECKSUM}
			if [[ -n ${sum[$engine]:-} && $CHECKSUM != "${sum[$engine]}" ]]; then
				echo "*** MISMATCH $name: $engine returned ${sum[$engine]}, then $CHECKSUM"
				state[$engine]=bad
				mismatches=$((mismatches + 1))
			elif [[ $CHECKSUM != "$want" ]]; then
				echo "*** MISMATCH $name: native $want, $engine $CHECKSUM"
				state[$engine]=bad
				mismatches=$((mismatches + 1))
			fi
			sum[$engine]=$CHECKSUM
			walls[$engine]+=" $MS"
			ins[$engine]+=" $IN_MS"
		done
	done

	if [[ ${state[native]} != run ]]; then
		# No reference: without native's checksum and time there is no row.
		[[ ${state[native]} == bad ]] || continue
	fi
	line="$name: checksum ${sum[native]:-?}"
	row=$name
	for engine in "${ENGINES[@]}"; do
		case ${state[$engine]} in
		run)
			# shellcheck disable=SC2086 # the lists are space-separated numbers
			row+=" $(median ${walls[$engine]})"
			[[ $engine == native ]] || line+=", $engine agrees"
			;;
		bad) row+=" MISMATCH" ;;
		off) row+=" -" ;;
		esac
	done
	for engine in native node; do
		read -r -a vals <<<"${ins[$engine]}"
		if [[ ${state[$engine]} == run && ${vals[0]:--} != - ]]; then
			row+=" $(median "${vals[@]}")"
		else
			row+=" -"
		fi
	done
	echo "$line"
	rows+=("$row")
	unset state sum walls ins
done

echo
if ((${#rows[@]})); then
	printf '%s\n' "${rows[@]}" | awk -v runs="$RUNS" '
		# Columns in: name, native, wasmos, node (whole-process medians), then native
		# and node in-process medians; "-" where there is no time, MISMATCH where the
		# checksum was wrong.  Ratios are time over time, so above 1 means slower than
		# the reference.  Geometric means summarise ratios fairly (a 2x loss and a 2x
		# win cancel); a column mean is over the programs that have a value, with the
		# count when that is not all of them.
		function num(v) { return v ~ /^[0-9.]+$/ }
		function cell(v) { return num(v) ? sprintf("%.1f", v) : v }
		function ratio(a, b) { return (num(a) && num(b)) ? a / b : "-" }
		function rcell(v) { return v == "-" ? "-" : sprintf("%.2fx", v) }
		function add(col, v) { if (num(v)) { logsum[col] += log(v); n[col]++ } }
		function mean(col, isratio,   g) {
			if (!n[col]) return "-"
			g = exp(logsum[col] / n[col])
			g = isratio ? sprintf("%.2fx", g) : sprintf("%.1f", g)
			return n[col] < NR ? g " (" n[col] "/" NR ")" : g
		}
		BEGIN {
			fmt = "%-8s %10s %10s %10s %14s %12s %12s  |%10s %10s\n"
			printf fmt, "", "", "", "", "", "", "", "in-process", "in-process"
			printf fmt, "program", "native ms", "wasmos ms", "node ms",
				"wasmos/native", "wasmos/node", "node/native", "native ms", "node ms"
		}
		{
			wn = ratio($3, $2); wv = ratio($3, $4); vn = ratio($4, $2)
			printf fmt, $1, cell($2), cell($3), cell($4), rcell(wn), rcell(wv), rcell(vn),
				cell($5), cell($6)
			add(2, $2); add(3, $3); add(4, $4); add(5, wn); add(6, wv); add(7, vn)
			add(8, $5); add(9, $6)
		}
		END {
			printf fmt, "geomean", mean(2), mean(3), mean(4), mean(5, 1), mean(6, 1),
				mean(7, 1), mean(8), mean(9)
			print ""
			print "ms: median of " runs " whole-process run(s), start to exit, for every engine;"
			print "in-process: the time inside run() (native), and compile + instantiate +"
			print "first call measured inside Node (node), for reference only."
		}'
fi

# ---- start-up ------------------------------------------------------------------------

# The empty module, run as a whole process STARTUP_RUNS times per engine.  Native is
# shown too: it is the floor, the cost of starting any process on this machine.
if ((STARTUP_RUNS > 0)); then
	echo
	if ! build empty; then
		fail "empty: build failed"
	else
		declare -A startup=()
		for engine in "${ENGINES[@]}"; do
			((available[$engine])) || continue
			times=()
			for ((i = 0; i < STARTUP_RUNS; i++)); do
				if ! run_once "$engine" empty; then
					fail "start-up: $ERROR"
					times=()
					break
				fi
				if [[ $CHECKSUM != 42 ]]; then
					echo "*** MISMATCH empty: $engine returned $CHECKSUM, not 42"
					mismatches=$((mismatches + 1))
					times=()
					break
				fi
				times+=("$MS")
			done
			((${#times[@]})) && startup[$engine]=$(median "${times[@]}")
		done
		fmt_ms() { [[ -n ${startup[$1]:-} ]] && printf '%.2f ms' "${startup[$1]}" || echo unavailable; }
		echo "start-up: wasmos $(fmt_ms wasmos), node $(fmt_ms node)" \
			"(native process $(fmt_ms native); empty module, median of $STARTUP_RUNS)"
	fi
fi

if ((RUNS < 3)); then
	notes+=("note: BENCH_RUNS=$RUNS, fewer than 3 runs: the medians are not robust")
fi
for note in "${notes[@]}"; do
	echo "$note"
done
if ((mismatches)); then
	echo "bench: MISMATCH: $mismatches checksum(s) differ between engines or runs" >&2
	exit 1
fi
if ((failures)); then
	echo "bench: $failures benchmark(s) failed to build or run" >&2
	exit 1
fi
