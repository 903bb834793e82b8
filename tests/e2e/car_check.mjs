// car_check.mjs: reads a CARv1 file with code of its own (not lib/car.c), for
// pack_test.sh to check what `wasmos pack` writes.  Usage:
//   node tests/e2e/car_check.mjs FILE.car [OUTDIR]
// Prints "root CID", then "CID SIZE" per block in file order, CIDs in base32
// ("bafkrei..."); with OUTDIR, writes each block's bytes to OUTDIR/CID.  Exits 1,
// naming the block, when the header is not the canonical dag-cbor {roots: [CID],
// version: 1}, the root is not raw sha2-256, a block's CID is neither raw nor dag-pb
// (a UnixFS node of a program over 1 MiB) sha2-256, or its bytes hash to another CID.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';

const [file, outdir] = process.argv.slice(2);
const car = readFileSync(file);
let at = 0;

function die(why) {
  console.error(`car_check: ${file}: byte ${at}: ${why}`);
  process.exit(1);
}

function varint() {
  let v = 0, shift = 0;
  for (;;) {
    if (at >= car.length) die('the file ends inside a varint');
    const b = car[at++];
    v += (b & 0x7f) * 2 ** shift;
    if (!(b & 0x80)) return v;
    shift += 7;
  }
}

function base32(bytes) {
  const abc = 'abcdefghijklmnopqrstuvwxyz234567';
  let bits = 0, acc = 0, out = 'b';
  for (const b of bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += abc[(acc >> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits) out += abc[(acc << (5 - bits)) & 31];
  return out;
}

// A raw sha2-256 CIDv1 is 01 55 12 20 and 32 bytes of digest; a dag-pb one 01 70 12 20.
function rawCid(bytes, dagPbToo) {
  const codecOk = bytes[1] === 0x55 || (dagPbToo && bytes[1] === 0x70);
  if (bytes.length !== 36 || bytes[0] !== 1 || !codecOk || bytes[2] !== 0x12 || bytes[3] !== 0x20)
    die(`not a ${dagPbToo ? 'raw or dag-pb' : 'raw'} sha2-256 CIDv1: ${bytes.toString('hex')}`);
  return bytes;
}

const hlen = varint();
const header = car.subarray(at, at + hlen);
const want = Buffer.concat([
  Buffer.from([0xa2, 0x65]), Buffer.from('roots'), Buffer.from([0x81, 0xd8, 0x2a, 0x58, 0x25, 0x00]),
]);
if (header.length !== hlen || !header.subarray(0, want.length).equals(want)) die('not the canonical header');
const root = rawCid(header.subarray(want.length, want.length + 36));
const tail = Buffer.concat([Buffer.from([0x67]), Buffer.from('version'), Buffer.from([0x01])]);
if (!header.subarray(want.length + 36).equals(tail)) die('the header does not end with version 1');
at += hlen;
console.log(`root ${base32(root)}`);

while (at < car.length) {
  const len = varint();
  const start = at;
  if (len < 36 || at + len > car.length) die('a block runs past the end');
  const cid = rawCid(car.subarray(at, at + 36), true);
  const data = car.subarray(at + 36, at + len);
  const digest = createHash('sha256').update(data).digest();
  if (!digest.equals(cid.subarray(4))) die(`block at ${start}: its bytes do not match ${base32(cid)}`);
  console.log(`${base32(cid)} ${data.length}`);
  if (outdir) writeFileSync(`${outdir}/${base32(cid)}`, data);
  at += len;
}
