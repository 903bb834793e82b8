// liar.mjs: a bitswap peer that lies (or stalls), for tests of a hostile peer.
//
//   node tests/ipfs/liar.mjs [--seed HEX64] [--stall]
//
// A libp2p node on 127.0.0.1 (TCP, Noise, yamux, identify: the packages node.mjs uses)
// that speaks /ipfs/bitswap/1.2.0 itself, with no block store: every block wanted of
// it is answered, on a new stream it opens to the asker (as Helia answers), with a
// Block whose prefix is the wanted CID's (so it claims to be that block) and whose
// data are other bytes, so their hash is not the CID's.  Helia itself cannot be made
// to send wrong bytes, hence this peer.
//
// With --stall it answers nothing at all: it takes every want (and logs it) and sends
// no block, no presence, no error, keeping the connection open, as a stuck peer would.
//
// It prints one JSON line on stdout, {"peerId":..,"multiaddrs":[..]}, and serves
// until stdin closes or SIGTERM/SIGINT.  On stderr, one line per wantlist entry
// received and per lie sent, for tests to read:
//   want CID | cancel CID | lied CID
import './polyfill.mjs'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { generateKeyPair, generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { identify } from '@libp2p/identify'
import { tcp } from '@libp2p/tcp'
import * as lp from 'it-length-prefixed'
import { createLibp2p } from 'libp2p'
import { CID } from 'multiformats/cid'

const BITSWAP = '/ipfs/bitswap/1.2.0'
const MAX_MESSAGE = 4 << 20

function usage (why) {
  process.stderr.write(`liar.mjs: ${why}\nusage: node liar.mjs [--seed HEX64] [--stall]\n`)
  process.exit(2)
}

let seed
let stall = false
const args = process.argv.slice(2)
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--seed') seed = args[++i] ?? usage('--seed needs a value')
  else if (args[i] === '--stall') stall = true
  else usage(`unknown argument ${args[i]}`)
}
if (seed != null && !/^[0-9a-fA-F]{64}$/.test(seed)) usage(`seed must be 64 hex digits, got '${seed}'`)

// ---- protobuf, by hand: the few fields of a bitswap Message this peer needs ----

function readVarint (b, at) {
  let v = 0
  let mul = 1
  for (;;) {
    if (at >= b.length) throw new Error('truncated varint')
    const x = b[at++]
    v += (x & 0x7f) * mul
    if (!(x & 0x80)) return [v, at]
    mul *= 128
    if (mul > 2 ** 49) throw new Error('varint too long')
  }
}

// fields(b): [[fieldNumber, wireType, value]] where value is a number (varint) or the
// bytes of a length-delimited field; other wire types are skipped.
function fields (b) {
  const out = []
  let at = 0
  while (at < b.length) {
    let key
    ;[key, at] = readVarint(b, at)
    const num = Math.floor(key / 8)
    const wt = key & 7
    if (wt === 0) {
      let v
      ;[v, at] = readVarint(b, at)
      out.push([num, wt, v])
    } else if (wt === 2) {
      let n
      ;[n, at] = readVarint(b, at)
      if (at + n > b.length) throw new Error('truncated field')
      out.push([num, wt, b.subarray(at, at + n)])
      at += n
    } else if (wt === 1) at += 8
    else if (wt === 5) at += 4
    else throw new Error(`wire type ${wt}`)
  }
  return out
}

function varint (v) {
  const out = []
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80)
    v = Math.floor(v / 128)
  }
  out.push(v)
  return Uint8Array.from(out)
}

function lenField (num, bytes) {
  return Buffer.concat([varint(num * 8 + 2), varint(bytes.length), bytes])
}

// The wanted entries of a Message: [{ cid (bytes), cancel }].
function wantsOf (msg) {
  const wants = []
  for (const [num, wt, wl] of fields(msg)) {
    if (num !== 1 || wt !== 2) continue
    for (const [en, ewt, entry] of fields(wl)) {
      if (en !== 1 || ewt !== 2) continue
      let cid = null
      let cancel = false
      for (const [f, fwt, v] of fields(entry)) {
        if (f === 1 && fwt === 2) cid = v
        else if (f === 3 && fwt === 0) cancel = v !== 0
      }
      if (cid != null) wants.push({ cid, cancel })
    }
  }
  return wants
}

// A Message { 3: Block { 1: prefix, 2: data } } claiming to be cid with bytes that are not.
function lieAbout (cid) {
  const c = CID.decode(cid)
  const prefix = Buffer.concat([varint(c.version), varint(c.code), varint(c.multihash.code),
    varint(c.multihash.size)])
  const data = Buffer.from(`not the block ${c.toString()}\n`)
  return lenField(3, Buffer.concat([lenField(1, prefix), lenField(2, data)]))
}

// ---- the node ----

const privateKey = seed != null
  ? await generateKeyPairFromSeed('Ed25519', Buffer.from(seed, 'hex'))
  : await generateKeyPair('Ed25519')
const libp2p = await createLibp2p({
  privateKey,
  addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
  transports: [tcp()],
  connectionEncrypters: [noise()],
  streamMuxers: [yamux()],
  connectionManager: { inboundConnectionThreshold: 1000 },
  services: { identify: identify() }
})

async function answer (peer, wants) {
  const lies = []
  for (const w of wants) {
    let text
    try {
      text = CID.decode(w.cid).toString()
    } catch {
      process.stderr.write('want (not a CID)\n')
      continue
    }
    process.stderr.write(`${w.cancel ? 'cancel' : 'want'} ${text}\n`)
    if (!w.cancel) lies.push([text, lieAbout(w.cid)])
  }
  if (!lies.length || stall) return
  const stream = await libp2p.dialProtocol(peer, BITSWAP, { signal: AbortSignal.timeout(20000) })
  await stream.sink(lp.encode(lies.map(([, m]) => m)))
  for (const [text] of lies) process.stderr.write(`lied ${text}\n`)
}

await libp2p.handle(BITSWAP, async ({ stream, connection }) => {
  try {
    for await (const m of lp.decode(stream.source, { maxDataLength: MAX_MESSAGE })) {
      await answer(connection.remotePeer, wantsOf(m.subarray()))
    }
  } catch (err) {
    process.stderr.write(`error ${err.message}\n`)
    stream.abort(err)
  }
}, { runOnLimitedConnection: false })

process.stdout.write(JSON.stringify({
  peerId: libp2p.peerId.toString(),
  multiaddrs: libp2p.getMultiaddrs().map((a) => a.toString())
}) + '\n')

let stopping = false
async function stop () {
  if (stopping) return
  stopping = true
  await libp2p.stop()
  process.exit(0)
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
process.stdin.on('end', stop)
process.stdin.on('close', stop)
process.stdin.resume()
