#!/usr/bin/env bash
# ipfs_fetch.sh: `make bench`'s network part: a 1 MiB and a 16 MiB program fetched
# over bitswap from a local Helia peer (tests/ipfs/peer.mjs), by wasmos and, in the
# same run, by a second Helia node (tests/ipfs/fetch_bench.mjs).  Reports the median of
# BENCH_RUNS (3) runs and the throughput; no thresholds.
#
#   wasmos  `wasmos fetch --peer ADDR CID` into an empty store, timed as a whole
#           process: start, connection (TCP, Noise, yamux), bitswap, every block
#           checked, stored with fsync
#   helia   a fresh Helia node: dial and fetch, timed inside the process (Node's and
#           Helia's start-up, about a second, are left out), blocks kept in memory
# The 1 MiB program is one raw block; the 16 MiB one a dag-pb root over 16 leaves.
set -euo pipefail
export LC_ALL=C
cd "$(dirname "${BASH_SOURCE[0]}")/.."
RUNS=${BENCH_RUNS:-3}
WASMOS=${WASMOS:-build/release/wasmos}
TOP=$(mktemp -d)
ROOT=$PWD
LIMIT=120
# shellcheck source=tests/ipfs/lib.sh
. tests/ipfs/lib.sh
trap 'peer_stop P; rm -rf "$TOP"' EXIT

# Two valid programs: hello with a custom section of random bytes.
python3 - build/programs/hello.wasm "$TOP" <<'PY'
import os, sys
d = open(sys.argv[1], 'rb').read()
def leb(n):
    out = b''
    while True:
        b, n = n & 0x7f, n >> 7
        out += bytes([b | 0x80]) if n else bytes([b])
        if not n:
            return out
for name, size in (('p1m.wasm', 1 << 20), ('p16m.wasm', 16 << 20)):
    body = size - len(d) - 1           # the section's size and body together
    n = body - len(leb(body))          # the section body: b'\x03pad' and the padding
    sec = b'\x03pad' + os.urandom(n - 4)
    out = d + b'\x00' + leb(len(sec)) + sec
    assert len(out) == size, (name, len(out))
    open(os.path.join(sys.argv[2], name), 'wb').write(out)
PY
peer_start P "$TOP/p1m.wasm" "$TOP/p16m.wasm" || { cat "$TOP/P.err" >&2; exit 1; }
ADDR=$(json 'j.multiaddrs[0]')
C1=$(json 'j.files[0].unixfs')
C16=$(json 'j.files[1].unixfs')

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo "== IPFS fetch over bitswap from a local Helia (median of $RUNS runs)"
printf '%-10s %-8s %10s %12s\n' program fetcher ms MiB/s
for pair in "1MiB:$C1:$((1 << 20))" "16MiB:$C16:$((16 << 20))"; do
	IFS=: read -r name cid size <<<"$pair"
	w=() h=()
	for _ in $(seq "$RUNS"); do
		rm -rf "$TOP/home"
		mkdir -p "$TOP/home"
		t0=$(date +%s%N)
		WASMOS_HOME=$TOP/home timeout "$LIMIT" "$WASMOS" fetch --peer "$ADDR" "$cid" >/dev/null
		t1=$(date +%s%N)
		w+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f", (b - a) / 1e6}')")
		h+=("$(timeout "$LIMIT" node tests/ipfs/fetch_bench.mjs "$ADDR" "$cid" | awk '{print $3}')")
	done
	for who in wasmos helia; do
		if [ $who = wasmos ]; then ms=$(printf '%s\n' "${w[@]}" | median); else ms=$(printf '%s\n' "${h[@]}" | median); fi
		printf '%-10s %-8s %10s %12s\n' "$name" "$who" "$ms" "$(awk -v s="$size" -v m="$ms" 'BEGIN {printf "%.1f", s / 1048576 / (m / 1000)}')"
	done
done
