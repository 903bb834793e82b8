// v8.js: runs one benchmark module on Node's V8.
//
// Usage: node bench/v8.js FILE.wasm
//
// bench/run.sh times the whole `node bench/v8.js FILE.wasm` process, start to exit, as
// it times the native program and wasmos; that is the time its ratios use, and it
// includes Node's own start-up (tens of ms).  This script also times its own part,
// compiling, instantiating and the first call of run(), which run.sh shows in an
// extra in-process column for reference.
//
// There is deliberately no warm-up call: wasmos runs each program once, cold, so V8
// does too.  A single long call mostly runs V8's baseline (Liftoff) code: V8 has no
// on-stack replacement for Wasm, so a loop that never leaves run() is not tiered up
// to TurboFan while it runs.
//
// Output, the same shape as bench/native_main.c:
//     <checksum as signed decimal>
//     time_ms <compile + instantiate + first call>
//     compile_ms <compile + instantiate>
//     call_ms <first call>
'use strict';

const fs = require('node:fs');
const { performance } = require('node:perf_hooks');

async function main() {
  if (process.argv.length !== 3) {
    console.error('usage: node bench/v8.js FILE.wasm');
    process.exit(2);
  }
  const bytes = fs.readFileSync(process.argv[2]);

  const start = performance.now();
  // The benchmark modules import nothing, so the import object is empty.
  const { instance } = await WebAssembly.instantiate(bytes, {});
  const ready = performance.now();
  const result = instance.exports.run();
  const done = performance.now();

  // An i32 result arrives as a Number already in signed range and an i64 as a BigInt;
  // String() prints either as signed decimal, which is how wasmos prints results.
  console.log(String(result));
  console.log(`time_ms ${(done - start).toFixed(3)}`);
  console.log(`compile_ms ${(ready - start).toFixed(3)}`);
  console.log(`call_ms ${(done - ready).toFixed(3)}`);
}

main().catch((err) => {
  console.error(`v8.js: ${err.message}`);
  process.exit(1);
});
