#!/usr/bin/env bash
# run.sh: the `make bench` driver.  Run from anywhere; it works from the repo root.
#
# For each program in bench/progs/ it builds an import-free Wasm module and a native
# executable into build/bench/, runs each engine BENCH_RUNS times (native, wasmos,
# Node's V8), checks that every run of every engine returns the same checksum, and
# prints the median times and their ratios.  It only reports: there are no timing
# thresholds.  It exits nonzero when a checksum differs or a benchmark cannot run.
#
# What each column times:
#   native  the call of run() inside the process (bench/native_main.c)
#   wasmos  the whole `wasmos run --invoke run FILE.wasm` process, wall clock:
#           load, validate, compile and the one call, plus process start-up
#   node    compile + instantiate + the first call of run(), inside Node (bench/v8.js);
#           Node's own start-up (tens of ms, not Wasm work) is left out
#
# Environment:
#   BENCH_RUNS=3        runs per engine; the median is reported
#   BENCH_PROGS="a b"   only these programs (default: every bench/progs/*.c)
#   BENCH_TIMEOUT=600   seconds before one run is abandoned, so a hung engine cannot
#                       stall `make bench` forever (a hang guard, not a threshold)
#   WASMOS=build/release/wasmos
#   WASM_CC=clang       compiles the Wasm modules (needs the wasm32 target and wasm-ld)
#   NATIVE_CC=clang     compiles the native baseline; clang by default so that native
#                       and Wasm code come from the same optimiser and the ratios
#                       measure the engines rather than two compilers (NATIVE_CC=gcc
#                       works too: it turns fib's recursion partly into loops)
set -euo pipefail
export LC_ALL=C # one decimal point for every number we print and parse

cd "$(dirname "${BASH_SOURCE[0]}")/.."

RUNS=${BENCH_RUNS:-3}
TIMEOUT=${BENCH_TIMEOUT:-600}
WASMOS=${WASMOS:-build/release/wasmos}
WASM_CC=${WASM_CC:-clang}
NATIVE_CC=${NATIVE_CC:-clang}
OUT=build/bench

if ! [[ $RUNS =~ ^[1-9][0-9]*$ ]]; then
	echo "bench: BENCH_RUNS must be a positive integer, not '$RUNS'" >&2
	exit 2
fi

if [[ -n ${BENCH_PROGS:-} ]]; then
	read -r -a PROGS <<<"$BENCH_PROGS"
else
	PROGS=()
	for src in bench/progs/*.c; do
		PROGS+=("$(basename "$src" .c)")
	done
fi

mkdir -p "$OUT"

failures=0   # benchmarks that could not be built or run where they must
mismatches=0 # programs whose checksums differ
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

# Microseconds since the epoch, without forking (bash 5's EPOCHREALTIME).
now_us() {
	local t=$EPOCHREALTIME
	echo $((10#${t%.*} * 1000000 + 10#${t#*.}))
}

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

# One run of one engine.  Each sets CHECKSUM and MS, or returns 1 with ERROR set.
run_native() {
	local out
	if ! out=$(timeout "$TIMEOUT" "$OUT/$1.native" 2>&1); then
		ERROR="native exited with an error: $(head -n 1 <<<"$out")"
		return 1
	fi
	CHECKSUM=$(head -n 1 <<<"$out")
	MS=$(field time_ms "$out")
}

run_node() {
	local out
	if ! out=$(timeout "$TIMEOUT" node bench/v8.js "$OUT/$1.wasm" 2>&1); then
		ERROR="node failed: $(tail -n 1 <<<"$out")"
		return 1
	fi
	CHECKSUM=$(head -n 1 <<<"$out")
	MS=$(field time_ms "$out")
}

run_wasmos() {
	local out start end rc=0 errfile=$OUT/$1.wasmos.err
	start=$(now_us)
	out=$(timeout "$TIMEOUT" "$WASMOS" run --invoke run "$OUT/$1.wasm" 2>"$errfile") || rc=$?
	end=$(now_us)
	if ((rc != 0)); then
		if ((rc == 124)); then
			ERROR="timed out after ${TIMEOUT}s"
		else
			ERROR="exit $rc: $(head -n 1 "$errfile")"
		fi
		return 1
	fi
	CHECKSUM=$(head -n 1 <<<"$out")
	MS=$(awk -v us=$((end - start)) 'BEGIN { printf "%.3f", us / 1000 }')
}

# Run engine $1 on program $2 RUNS times.  Sets ENGINE_SUM and ENGINE_MS (the median),
# or returns 1 with ERROR set.  A checksum that changes between runs is a mismatch.
measure() {
	local engine=$1 name=$2 i times=() first=
	for ((i = 0; i < RUNS; i++)); do
		"run_$engine" "$name" || return 1
		if [[ -z $first ]]; then
			first=$CHECKSUM
		elif [[ $CHECKSUM != "$first" ]]; then
			ERROR="MISMATCH between runs: $first then $CHECKSUM"
			return 1
		fi
		times+=("$MS")
	done
	ENGINE_SUM=$first
	ENGINE_MS=$(median "${times[@]}")
}

# ---- the table -----------------------------------------------------------------------

declare -A available=([wasmos]=1 [node]=1)
if [[ ! -x $WASMOS ]]; then
	available[wasmos]=0
	notes+=("wasmos: unavailable ($WASMOS not built)")
fi
if ! command -v node >/dev/null; then
	available[node]=0
	notes+=("node: unavailable (not on PATH)")
fi

rows=() # "name native_ms wasmos_ms node_ms"; '-' or MISMATCH where there is no time

echo "bench: $RUNS run(s) per engine, median reported; native = $NATIVE_CC -O2"
for name in "${PROGS[@]}"; do
	if [[ ! -f bench/progs/$name.c ]]; then
		fail "no such program: bench/progs/$name.c"
		continue
	fi
	if ! build "$name"; then
		fail "$name: build failed"
		continue
	fi

	if ! measure native "$name"; then
		fail "$name: $ERROR"
		continue
	fi
	want=$ENGINE_SUM
	native_ms=$ENGINE_MS
	line="$name: native $want"

	# An engine that runs and disagrees with native is a MISMATCH; an engine that
	# cannot run the program is reported beside the table and the others go on.
	wasmos_ms=- node_ms=-
	for engine in wasmos node; do
		((available[$engine])) || continue
		if ! measure "$engine" "$name"; then
			if [[ $ERROR == MISMATCH* ]]; then
				echo "*** MISMATCH $name: $engine: ${ERROR#MISMATCH }"
				mismatches=$((mismatches + 1))
				printf -v "${engine}_ms" MISMATCH
			elif [[ $engine == wasmos ]]; then
				notes+=("wasmos: unavailable for $name ($ERROR)")
			else
				fail "$name: $ERROR"
			fi
			continue
		fi
		if [[ $ENGINE_SUM != "$want" ]]; then
			echo "*** MISMATCH $name: native $want, $engine $ENGINE_SUM"
			mismatches=$((mismatches + 1))
			printf -v "${engine}_ms" MISMATCH
			continue
		fi
		printf -v "${engine}_ms" '%s' "$ENGINE_MS"
		line+=", $engine ok"
	done
	echo "$line"
	rows+=("$name $native_ms $wasmos_ms $node_ms")
done

echo
((${#rows[@]})) && printf '%s\n' "${rows[@]}" | awk '
	# Columns: name, native ms, wasmos ms, node ms ("-" when the engine could not run
	# the program, MISMATCH when it returned a wrong checksum).  Ratios are time over
	# time, so above 1 means slower than the reference.  Geometric means summarise
	# ratios fairly (a 2x loss and a 2x win cancel); a column mean is taken over the
	# programs that have a value, with the count when that is not all of them.
	function num(v) { return v ~ /^[0-9.]+$/ }
	function cell(v) { return num(v) ? sprintf("%.1f", v) : v == "-" ? "unavailable" : v }
	function ratio(a, b) { return (num(a) && num(b)) ? a / b : "-" }
	function rcell(v) { return v == "-" ? "-" : sprintf("%.2fx", v) }
	function add(col, v) { if (num(v)) { logsum[col] += log(v); n[col]++ } }
	function mean(col, isratio,   g) {
		if (!n[col]) return "-"
		g = exp(logsum[col] / n[col])
		g = isratio ? sprintf("%.2fx", g) : sprintf("%.1f", g)
		return n[col] < NR ? g " (" n[col] "/" NR ")" : g
	}
	BEGIN { fmt = "%-10s %11s %11s %11s %14s %12s %12s\n" }
	NR == 1 {
		printf fmt, "program", "native ms", "wasmos ms", "node ms",
			"wasmos/native", "wasmos/node", "node/native"
	}
	{
		wn = ratio($3, $2); wv = ratio($3, $4); vn = ratio($4, $2)
		printf fmt, $1, cell($2), cell($3), cell($4), rcell(wn), rcell(wv), rcell(vn)
		add(2, $2); add(3, $3); add(4, $4); add(5, wn); add(6, wv); add(7, vn)
	}
	END {
		if (NR)
			printf fmt, "geomean", mean(2), mean(3), mean(4), mean(5, 1), mean(6, 1), mean(7, 1)
	}'

for note in "${notes[@]}"; do
	echo "$note"
done
if ((mismatches)); then
	echo "bench: MISMATCH: $mismatches checksum(s) differ between engines" >&2
	exit 1
fi
if ((failures)); then
	echo "bench: $failures benchmark(s) failed to build or run" >&2
	exit 1
fi
