# lib.sh: shell helpers for the tests in tests/ipfs/ (sourced, not run).
#
# Needs: ROOT (the repository), TOP (a scratch folder the caller removes), LIMIT
# (seconds any one wait may take).  The Helia peer and client are tests/ipfs/peer.mjs
# and client.mjs; `make test` installs their node_modules (npm ci from the committed
# package-lock.json).  Nothing waits on a clock: a peer's first stdout line is read
# through a FIFO with a bound of LIMIT seconds, and every client run is under `timeout`.

IPFS=$ROOT/tests/ipfs
# The seed 00 01 .. 1f gives this peer id (libsodium and Helia agree; ipfs-notes §2).
SEED00=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
SEED00_ID=12D3KooWA4Xop1JaT3MHxwYMkCepYsv4iPVopMXwCz5iHYdBfeSB

# peer_start NAME ARGS...: starts peer.mjs ARGS (or $PEER_SCRIPT ARGS: liar.mjs) in
# the background as peer NAME.  Its
# stdin is a FIFO held open by this shell (peer_stop closes it, which ends the peer);
# its stderr goes to $TOP/NAME.err.  Sets PEER_JSON to its JSON line and PEER_PID.
# Returns 1 when the peer ends (or LIMIT passes) before printing it.
peer_start() {
	local name=$1 fd_in fd_out
	shift
	mkfifo "$TOP/$name.in" "$TOP/$name.out"
	timeout "$LIMIT" sleep 0 # fail early if coreutils timeout is missing
	node "$IPFS/${PEER_SCRIPT:-peer.mjs}" "$@" <"$TOP/$name.in" >"$TOP/$name.out" 2>"$TOP/$name.err" &
	PEER_PID=$!
	eval "PEER_PID_$name=$PEER_PID"
	exec {fd_in}>"$TOP/$name.in"
	eval "PEER_IN_$name=$fd_in"
	exec {fd_out}<"$TOP/$name.out"
	eval "PEER_OUT_$name=$fd_out"
	PEER_JSON=
	IFS= read -r -t "$LIMIT" PEER_JSON <&"$fd_out"
	[ -n "$PEER_JSON" ]
}

# peer_stop NAME: closes the peer's stdin, so it stops, and waits for it (killing it by
# its pid if it has not ended within LIMIT seconds).
peer_stop() {
	local name=$1 pid fd_in fd_out
	eval "pid=\${PEER_PID_$name:-} fd_in=\${PEER_IN_$name:-} fd_out=\${PEER_OUT_$name:-}"
	[ -n "$pid" ] || return 0
	[ -n "$fd_in" ] && exec {fd_in}>&-
	local n=0
	while kill -0 "$pid" 2>/dev/null && [ $n -lt $((LIMIT * 10)) ]; do
		sleep 0.1
		n=$((n + 1))
	done
	kill -0 "$pid" 2>/dev/null && kill "$pid"
	wait "$pid" 2>/dev/null
	[ -n "$fd_out" ] && exec {fd_out}<&-
	eval "PEER_PID_$name="
}

# json EXPR: evaluates the JavaScript expression EXPR on j = the JSON in PEER_JSON.
json() {
	node -e 'const j = JSON.parse(process.argv[1]); const v = eval(process.argv[2]);
		process.stdout.write(typeof v === "string" ? v + "\n" : JSON.stringify(v) + "\n")' "$PEER_JSON" "$1"
}

# client ARGS...: runs client.mjs ARGS; its stdout in COUT, stderr in CERR, status in CRC.
client() {
	COUT=$(timeout "$LIMIT" node "$IPFS/client.mjs" "$@" 2>"$TOP/client.err")
	CRC=$?
	CERR=$(cat "$TOP/client.err")
}

# wasmos ARGS...: runs $WASMOS ARGS under LIMIT with empty stdin, its output in the
# test's folder T; sets RC, OUT and ERR.  (p2p_test.sh has its own.)
wasmos() {
	timeout "$LIMIT" "$WASMOS" "$@" >"$T/out" 2>"$T/err" </dev/null
	RC=$?
	OUT=$(cat "$T/out")
	ERR=$(cat "$T/err")
}

# store_is_empty: whether the test's store ($WASMOS_HOME) holds no block.
store_is_empty() {
	[ -z "$(ls -A "$WASMOS_HOME/blocks" 2>/dev/null)" ]
}

# run_tests: every test_ function of the script, through its own run_test (which counts
# passed and failed), then the closing line; fails when a test failed.
run_tests() {
	local t
	for t in $(declare -F | awk '$3 ~ /^test_/ { print $3 }'); do
		run_test "$t"
	done
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}
