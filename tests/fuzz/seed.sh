#!/bin/sh
# seed.sh: fills the fuzzers' seed corpus, build/fuzz/corpus, with every .wasm file
# wast2json made from the spec tests (build/spec/NAME/NAME.N.wasm: the names are
# unique), every saved input in tests/fuzz/regress and regress-net, and the
# content-format seeds in tests/fuzz/seeds (a CAR, a dag-pb node, a bitswap message).
# Run from the repository
# root after the spec tests are converted (make fuzz does both).  The corpus is a
# build product, not kept in git.
set -eu

out=build/fuzz/corpus
mkdir -p "$out"
find build/spec -name '*.wasm' -exec cp -t "$out" {} +
find tests/fuzz/regress tests/fuzz/regress-net tests/fuzz/seeds -type f ! -name '.*' -exec cp -t "$out" {} +
echo "seed.sh: $(find "$out" -type f | wc -l) inputs in $out"
