// peer.mjs: the Helia test peer.
//
//   node tests/ipfs/peer.mjs [--seed HEX64] [--port N] [--verbose] [FILE...]
//
// Starts a Helia node on 127.0.0.1 (node.mjs), adds each FILE twice: as one raw block
// (only for files up to 1 MiB, the largest block every implementation accepts) and as a
// UnixFS file with Helia's defaults (CIDv1, raw leaves, 1 MiB chunks; a file of one
// chunk is then the raw block itself), plus a UnixFS file forced to have a dag-pb root.
// Then it prints one JSON line on stdout:
//   {"peerId":"12D3KooW...","multiaddrs":["/ip4/127.0.0.1/tcp/P/p2p/12D3KooW..."],
//    "protocols":[...],"files":[{"path":..,"size":..,"sha256":..,"raw":..|null,
//    "unixfs":..,"unixfsPb":..}]}
// and serves until stdin closes or it gets SIGTERM/SIGINT.  With --verbose it logs
// connections and identify results of its peers to stderr, one line each, as
//   event connect|disconnect|identify JSON
// which tests read to check that the peer saw us.
import { createNode } from './node.mjs'
import { unixfs } from '@helia/unixfs'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'

const MAX_RAW_BLOCK = 1024 * 1024

function usage (why) {
  process.stderr.write(`peer.mjs: ${why}\nusage: node peer.mjs [--seed HEX64] [--port N] [--verbose] [FILE...]\n`)
  process.exit(2)
}

const opts = { files: [] }
const args = process.argv.slice(2)
for (let i = 0; i < args.length; i++) {
  const a = args[i]
  if (a === '--seed') opts.seed = args[++i] ?? usage('--seed needs a value')
  else if (a === '--port') opts.port = Number(args[++i] ?? usage('--port needs a value'))
  else if (a === '--verbose') opts.verbose = true
  else if (a.startsWith('--')) usage(`unknown option ${a}`)
  else opts.files.push(a)
}

const helia = await createNode({ seed: opts.seed, port: opts.port ?? 0 })
const libp2p = helia.libp2p
const log = (kind, obj) => { if (opts.verbose) process.stderr.write(`event ${kind} ${JSON.stringify(obj)}\n`) }
libp2p.addEventListener('peer:connect', (e) => log('connect', { peerId: e.detail.toString() }))
libp2p.addEventListener('peer:disconnect', (e) => log('disconnect', { peerId: e.detail.toString() }))
libp2p.addEventListener('peer:identify', (e) => log('identify', {
  peerId: e.detail.peerId.toString(),
  protocols: e.detail.protocols,
  listenAddrs: e.detail.listenAddrs.map((a) => a.toString()),
  agentVersion: e.detail.agentVersion,
  protocolVersion: e.detail.protocolVersion
}))

const fs = unixfs(helia)
const files = []
for (const path of opts.files) {
  const bytes = await readFile(path)
  let rawCid = null
  if (bytes.length <= MAX_RAW_BLOCK) {
    rawCid = CID.createV1(raw.code, await sha256.digest(bytes))
    await helia.blockstore.put(rawCid, bytes)
  }
  const unixfsCid = await fs.addBytes(bytes)
  const unixfsPbCid = await fs.addBytes(bytes, { reduceSingleLeafToSelf: false })
  files.push({
    path,
    size: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    raw: rawCid?.toString() ?? null,
    unixfs: unixfsCid.toString(),
    unixfsPb: unixfsPbCid.toString()
  })
}

process.stdout.write(JSON.stringify({
  peerId: libp2p.peerId.toString(),
  multiaddrs: libp2p.getMultiaddrs().map((a) => a.toString()),
  protocols: libp2p.getProtocols(),
  files
}) + '\n')

let stopping = false
async function stop () {
  if (stopping) return
  stopping = true
  await helia.stop()
  process.exit(0)
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
process.stdin.on('end', stop)
process.stdin.on('close', stop)
process.stdin.resume()
