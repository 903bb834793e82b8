#!/usr/bin/env bash
# p2p_test.sh: wasmos speaks libp2p with a real IPFS peer (Helia, tests/ipfs/peer.mjs):
# TCP, multistream-select, Noise XX, yamux, identify and ping, both ways, and hostile
# bytes on a connection.
#
# Usage: tests/ipfs/p2p_test.sh path/to/wasmos
#   wasmos -> Helia: `wasmos ping` connects to the Helia peer (whose peer id is known
#   from its seed), pings it, and reports what it told identify; a wrong /p2p/ id is
#   refused by the Noise check.  Helia -> wasmos: `wasmos node --listen` is dialled by
#   client.mjs, which identifies and pings it; `wasmos node --peer` dials Helia, which
#   learns our listen address from identify.  Garbage on a wasmos connection closes
#   that connection and the node goes on serving.  3 MB go through an echo stream of
#   `wasmos node --echo` and back, so yamux window updates work both ways.
# Prints each test's name with ok or FAIL, then "N passed, N failed".  Every run is
# bounded by `timeout`; servers are stopped by their pid.
# shellcheck disable=SC2015
set -uo pipefail

WASMOS=${1:?usage: p2p_test.sh path/to/wasmos}
case $WASMOS in /*) ;; *) WASMOS=$PWD/$WASMOS ;; esac
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
LIMIT=60
TOP=$(mktemp -d)
export WASMOS_HOME=$TOP/home
passed=0
failed=0
COUT='' CERR='' CRC='' OUT='' ERR='' RC='' NODE_PID=''
# shellcheck source=tests/ipfs/lib.sh
. "$ROOT/tests/ipfs/lib.sh"

stop_node() {
	if [ -n "$NODE_PID" ]; then
		kill "$NODE_PID" 2>/dev/null
		wait "$NODE_PID" 2>/dev/null
		NODE_PID=''
	fi
	[ -n "${NODE_FD:-}" ] && exec {NODE_FD}<&- && NODE_FD=''
}
trap 'stop_node; peer_stop H; rm -rf "$TOP"' EXIT

fail() {
	echo "  $*" >&2
	echo "  wasmos status $RC; stdout: ${OUT:0:500}; stderr: ${ERR:0:500}" >&2
	echo "  client status $CRC; stdout: ${COUT:0:300}; stderr: ${CERR:0:300}" >&2
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

wasmos() {
	OUT=$(timeout -k 5 "$LIMIT" "$WASMOS" "$@" 2>"$TOP/err")
	RC=$?
	ERR=$(cat "$TOP/err")
}

# node_start ARGS...: `wasmos node ARGS` in the background; waits for its listen
# line (through a FIFO, bounded by LIMIT) and sets NODE_ADDR; stderr to $TOP/node.err.
node_start() {
	rm -f "$TOP/node.fifo"
	mkfifo "$TOP/node.fifo"
	# -k: a node that does not end on SIGTERM is killed (a hang at exit fails, never blocks)
	timeout -k 5 "$LIMIT" "$WASMOS" node -v "$@" >"$TOP/node.fifo" 2>"$TOP/node.err" &
	NODE_PID=$!
	exec {NODE_FD}<"$TOP/node.fifo"
	NODE_ADDR='' NODE_ID=''
	local line
	while IFS= read -r -t "$LIMIT" line <&"$NODE_FD"; do
		case $line in
		"peer id "*) NODE_ID=${line#peer id } ;;
		"listening on "*) NODE_ADDR=${line#listening on } && break ;;
		esac
	done
	[ -n "$NODE_ADDR" ]
}

# waits (bounded) until file $1 has a line matching the extended regex $2
wait_for_line() {
	local n=0
	while ! grep -Eq "$2" "$1" 2>/dev/null; do
		[ $n -ge $((LIMIT * 10)) ] && return 1
		sleep 0.1
		n=$((n + 1))
	done
}

if ! peer_start H --seed "$SEED00" --verbose; then
	echo "p2p_test.sh: the Helia peer did not start:" >&2
	cat "$TOP/H.err" >&2
	echo "0 passed, 1 failed"
	exit 1
fi
HELIA=$(json 'j.multiaddrs[0]')

test_wasmos_pings_helia_and_both_identify() {
	wasmos ping -c 3 "$HELIA"
	[ "$RC" -eq 0 ] || fail "ping failed" || return 1
	[ "$(grep -c "^pong from $SEED00_ID in [0-9]* ms$" <<<"$OUT")" -eq 3 ] || fail "want 3 pongs from $SEED00_ID" || return 1
	grep -q '^identified .*/ipfs/bitswap/1.2.0' <<<"$OUT" && grep -q '^identified .*/ipfs/kad/1.0.0' <<<"$OUT" ||
		fail "no identify answer with bitswap and kad" || return 1
	# and Helia identified us: our peer id, our agent
	wasmos id
	wait_for_line "$TOP/H.err" "^event identify .*\"$OUT\".*wasmos/" ||
		fail "Helia logged no identify of $OUT: $(head -c 600 "$TOP/H.err")"
}

test_wrong_peer_id_is_refused() {
	local other=12D3KooWN5SDv7UNLQJaDSQhUoHD9R3GPtFNhBspJfd3AybWaQqn
	wasmos ping "${HELIA%/p2p/*}/p2p/$other"
	[ "$RC" -eq 1 ] && [[ $ERR == *"not the peer dialled"* ]] || fail "want status 1 and 'not the peer dialled'"
}

test_node_without_addresses_is_a_usage_error() {
	wasmos node
	[ "$RC" -eq 64 ] && [[ $ERR == *"--listen MULTIADDR or --peer MULTIADDR"* ]] || fail "want status 64"
}

test_nobody_listening_fails_cleanly() {
	wasmos ping "/ip4/127.0.0.1/tcp/1/p2p/$SEED00_ID"
	[ "$RC" -eq 1 ] && [[ $ERR == *"cannot connect"* ]] || fail "want status 1 and 'cannot connect'"
}

test_identity_persists_with_mode_0600() {
	wasmos id
	local first=$OUT
	wasmos id
	[ "$RC" -eq 0 ] && [ "$OUT" = "$first" ] && [[ $first == 12D3KooW* ]] || fail "ids differ: $first / $OUT" || return 1
	[ "$(stat -c %a "$WASMOS_HOME/identity")" = 600 ] && [ "$(stat -c %s "$WASMOS_HOME/identity")" = 32 ] ||
		fail "identity file: $(stat -c '%a %s' "$WASMOS_HOME/identity")"
}

test_helia_dials_wasmos_and_identifies_it() {
	node_start --listen /ip4/127.0.0.1/tcp/0 || { stop_node; fail "no listen line: $(cat "$TOP/node.err")"; return 1; }
	[[ $NODE_ADDR == /ip4/127.0.0.1/tcp/*/p2p/$NODE_ID ]] || { stop_node; fail "address $NODE_ADDR"; return 1; }
	client identify "$NODE_ADDR"
	local ok=0
	[ "$CRC" -eq 0 ] &&
		[ "$(PEER_JSON=$COUT json j.peerId)" = "$NODE_ID" ] &&
		[ "$(PEER_JSON=$COUT json j.agentVersion)" = wasmos/0.1 ] &&
		PEER_JSON=$COUT json 'j.protocols.join(" ")' | grep -q /ipfs/ping/1.0.0 &&
		[ "$(PEER_JSON=$COUT json 'j.listenAddrs[0]')" = "${NODE_ADDR%/p2p/*}" ] || ok=1
	[ $ok -eq 0 ] || { stop_node; fail "identify of wasmos"; return 1; }
	client ping "$NODE_ADDR"
	[ "$CRC" -eq 0 ] && [ "$COUT" = pong ] || { stop_node; fail "Helia's ping of wasmos"; return 1; }
	# wasmos asked the client who it is, too
	wait_for_line "$TOP/node.err" "identified .*/ipfs/bitswap/1.2.0" || { stop_node; fail "wasmos did not identify Helia"; return 1; }
	stop_node
}

test_wasmos_node_dials_its_peers() {
	node_start --listen /ip4/127.0.0.1/tcp/0 --peer "$HELIA" || { stop_node; fail "no listen line"; return 1; }
	wait_for_line "$TOP/node.err" "identified $SEED00_ID" || { stop_node; fail "did not identify Helia: $(cat "$TOP/node.err")"; return 1; }
	# Helia learnt where we listen
	wait_for_line "$TOP/H.err" "^event identify .*\"$NODE_ID\".*\"${NODE_ADDR%/p2p/*}\"" ||
		{ stop_node; fail "Helia did not learn ${NODE_ADDR%/p2p/*}"; return 1; }
	stop_node
}

test_garbage_closes_only_that_connection() {
	node_start --listen /ip4/127.0.0.1/tcp/0 || { stop_node; fail "no listen line"; return 1; }
	local port=${NODE_ADDR#/ip4/127.0.0.1/tcp/}
	port=${port%%/*}
	# three kinds: not multistream; a Noise message 1 then junk as message 3; random bytes
	node -e '
		const net = require("net");
		const kinds = [
			Buffer.from("GET / HTTP/1.1\r\nHost: x\r\n\r\n".padEnd(200, "x")),
			Buffer.concat([Buffer.from("\x13/multistream/1.0.0\n\x07/noise\n", "latin1"),
				Buffer.from([0, 32]), Buffer.alloc(32, 9), Buffer.from([0, 64]), Buffer.alloc(64, 7)]),
			require("crypto").randomBytes(5000),
		];
		let left = kinds.length, closedByServer = 0;
		for (const k of kinds) {
			const s = net.connect(Number(process.argv[1]), "127.0.0.1", () => s.write(k));
			s.on("data", () => {});
			s.on("close", () => { closedByServer++; if (--left === 0) { console.log("closed " + closedByServer); } });
			s.on("error", () => {});
			setTimeout(() => s.destroy(), 20000).unref();
		}' "$port" >"$TOP/garbage.out" 2>&1
	local closed
	closed=$(cat "$TOP/garbage.out")
	[ "$closed" = "closed 3" ] || { stop_node; fail "garbage connections: $closed"; return 1; }
	kill -0 "$NODE_PID" || { fail "wasmos node died: $(cat "$TOP/node.err")"; return 1; }
	client ping "$NODE_ADDR"
	[ "$CRC" -eq 0 ] && [ "$COUT" = pong ] || { stop_node; fail "the node no longer serves"; return 1; }
	stop_node
}

test_megabytes_flow_both_ways_through_yamux_windows() {
	# 3 MB out and back on one stream: twelve 256 KiB windows each way, so both
	# yamux implementations must send window updates the other one honours
	node_start --echo --listen /ip4/127.0.0.1/tcp/0 || { stop_node; fail "no listen line"; return 1; }
	client echo "$NODE_ADDR" 3000000
	[ "$CRC" -eq 0 ] && [ "$COUT" = "echoed 3000000" ] || { stop_node; fail "echo through Helia's yamux"; return 1; }
	kill -0 "$NODE_PID" || { fail "wasmos node died"; return 1; }
	stop_node
}

test_run_takes_the_network_flags() {
	local hello=$ROOT/build/programs/hello.wasm
	[ -f "$hello" ] || fail "$hello is missing (make test builds it)" || return 1
	wasmos run --listen /ip4/127.0.0.1/tcp/0 --peer "$HELIA" "$hello"
	[ "$RC" -eq 0 ] && [[ $OUT == *"hello from wasmos"* ]] &&
		[[ $ERR == *"wasmos run: peer listening on /ip4/127.0.0.1/tcp/"*"/p2p/12D3KooW"* ]] ||
		fail "want hello and a peer listening line" || return 1
	wasmos run --offline --peer "$HELIA" "$hello"
	[ "$RC" -eq 0 ] && [[ $OUT == *"hello from wasmos"* ]] && [[ $ERR != *"peer listening"* ]] ||
		fail "--offline" || return 1
	wasmos run --peer /ip4/127.0.0.1/tcp/1 "$hello"
	[ "$RC" -eq 64 ] && [[ $ERR == *"/p2p/PEERID"* ]] || fail "a --peer without /p2p/ is a usage error"
}

run_tests
