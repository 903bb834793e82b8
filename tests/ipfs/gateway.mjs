// gateway.mjs: an HTTP trustless gateway in front of a Helia node, the test server of
// wasmos's gateway fetch (docs/network.md).
//
//   node tests/ipfs/gateway.mjs [--port N] [--tamper] [--hang CID]... [--verbose] [FILE...]
//
// Starts a Helia node (node.mjs; its libp2p side does not listen), adds each FILE as
// peer.mjs does (a raw block when it is at most 1 MiB, a UnixFS file with Helia's
// defaults, a UnixFS file forced to a dag-pb root), and serves the trustless-gateway
// protocol (ipfs/specs src/http-gateways/trustless-gateway.md) from its blockstore on
// 127.0.0.1:
//   GET|HEAD /ipfs/CID?format=raw  (or Accept: application/vnd.ipld.raw): the block
//   GET|HEAD /ipfs/CID?format=car  (or Accept: application/vnd.ipld.car): CARv1 of the
//            DAG in depth-first order (dag-scope=block: the root block only), chunked
//   404 when the root block is absent, 400 without a format.
// No npm package serves this from Helia (ipfs-notes §3), hence these lines.  Hostile
// modes for the tests: --tamper changes one byte of every block it sends (the CIDs in
// a CAR stay), --hang CID answers nothing to requests for CID (the socket stays open).
// It prints one JSON line on stdout,
//   {"url":"http://127.0.0.1:P","files":[{"path","size","sha256","raw","unixfs","unixfsPb"}]}
// and serves until stdin closes or it gets SIGTERM/SIGINT.
import { createNode } from './node.mjs'
import { unixfs } from '@helia/unixfs'
import * as dagPb from '@ipld/dag-pb'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { createServer } from 'node:http'

const MAX_RAW_BLOCK = 1024 * 1024

function usage (why) {
  process.stderr.write(`gateway.mjs: ${why}\nusage: node gateway.mjs [--port N] [--tamper] [--hang CID]... [--verbose] [FILE...]\n`)
  process.exit(2)
}

const opts = { files: [], hang: new Set(), port: 0 }
const args = process.argv.slice(2)
for (let i = 0; i < args.length; i++) {
  const a = args[i]
  if (a === '--port') opts.port = Number(args[++i] ?? usage('--port needs a value'))
  else if (a === '--tamper') opts.tamper = true
  else if (a === '--hang') opts.hang.add(args[++i] ?? usage('--hang needs a CID'))
  else if (a === '--verbose') opts.verbose = true
  else if (a.startsWith('--')) usage(`unknown option ${a}`)
  else opts.files.push(a)
}

const helia = await createNode({ listen: false })
const fs = unixfs(helia)
const files = []
for (const path of opts.files) {
  const bytes = await readFile(path)
  let rawCid = null
  if (bytes.length <= MAX_RAW_BLOCK) {
    rawCid = CID.createV1(raw.code, await sha256.digest(bytes))
    await helia.blockstore.put(rawCid, bytes)
  }
  files.push({
    path,
    size: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    raw: rawCid?.toString() ?? null,
    unixfs: (await fs.addBytes(bytes)).toString(),
    unixfsPb: (await fs.addBytes(bytes, { reduceSingleLeafToSelf: false })).toString()
  })
}

// The bytes a block is sent as: itself, or with its last byte changed (--tamper).
function sent (bytes) {
  if (!opts.tamper || bytes.length === 0) return bytes
  const copy = Uint8Array.from(bytes)
  copy[copy.length - 1] ^= 0x01
  return copy
}

function varint (n) {
  const out = []
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80)
    n = Math.floor(n / 128)
  }
  out.push(n)
  return Uint8Array.from(out)
}

// The CARv1 header: varint(len) and the dag-cbor map {"roots": [root], "version": 1}
// (ipfs-notes §3; CID as tag 42 over a byte string with a leading 0x00).
function carHeader (root) {
  const cid = root.bytes
  const body = Buffer.concat([
    Buffer.from([0xa2, 0x65]), Buffer.from('roots'), Buffer.from([0x81, 0xd8, 0x2a, 0x58, cid.length + 1, 0x00]),
    Buffer.from(cid), Buffer.from([0x67]), Buffer.from('version'), Buffer.from([0x01])
  ])
  return Buffer.concat([varint(body.length), body])
}

// Writes the DAG under cid in depth-first order, each block once.
async function writeCar (res, cid, scope, seen) {
  const key = cid.toString()
  if (seen.has(key)) return
  seen.add(key)
  const bytes = await helia.blockstore.get(cid)
  const data = sent(bytes)
  res.write(Buffer.concat([varint(cid.bytes.length + data.length), Buffer.from(cid.bytes), Buffer.from(data)]))
  if (scope === 'block' || cid.code !== dagPb.code) return
  for (const link of dagPb.decode(bytes).Links) await writeCar(res, link.Hash, scope, seen)
}

function answer (res, status, text) {
  res.writeHead(status, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(text) })
  res.end(text)
}

async function serve (req, res) {
  const url = new URL(req.url, 'http://gateway')
  const m = url.pathname.match(/^\/ipfs\/([^/]+)$/)
  if (opts.verbose) process.stderr.write(`gateway: ${req.method} ${req.url} accept=${req.headers.accept}\n`)
  if (req.method !== 'GET' && req.method !== 'HEAD') return answer(res, 405, 'GET or HEAD\n')
  if (!m) return answer(res, 404, 'not /ipfs/CID\n')
  if (opts.hang.has(m[1])) return // never answered
  let cid
  try {
    cid = CID.parse(m[1])
  } catch (e) {
    return answer(res, 400, `not a CID: ${e.message}\n`)
  }
  const accept = req.headers.accept ?? ''
  const format = url.searchParams.get('format') ??
    (accept.includes('application/vnd.ipld.raw') ? 'raw' : accept.includes('application/vnd.ipld.car') ? 'car' : null)
  if (format !== 'raw' && format !== 'car') return answer(res, 400, 'format=raw or format=car wanted\n')
  if (!(await helia.blockstore.has(cid))) return answer(res, 404, `${cid} not found\n`)
  if (format === 'raw') {
    const bytes = sent(await helia.blockstore.get(cid))
    res.writeHead(200, { 'Content-Type': 'application/vnd.ipld.raw', 'Content-Length': bytes.length })
    return res.end(req.method === 'HEAD' ? undefined : Buffer.from(bytes))
  }
  res.writeHead(200, { 'Content-Type': 'application/vnd.ipld.car; version=1; order=dfs; dups=n' })
  if (req.method === 'HEAD') return res.end()
  res.write(carHeader(cid))
  try {
    await writeCar(res, cid, url.searchParams.get('dag-scope') ?? 'all', new Set())
    res.end()
  } catch (e) {
    // a block missing under the root: the stream breaks, as the spec says it may
    if (opts.verbose) process.stderr.write(`gateway: car of ${cid}: ${e.message}\n`)
    res.destroy()
  }
}

const server = createServer((req, res) => {
  serve(req, res).catch((e) => {
    process.stderr.write(`gateway: ${req.url}: ${e.stack}\n`)
    res.destroy()
  })
})
await new Promise((resolve) => server.listen(opts.port, '127.0.0.1', resolve))

process.stdout.write(JSON.stringify({ url: `http://127.0.0.1:${server.address().port}`, files }) + '\n')

let stopping = false
async function stop () {
  if (stopping) return
  stopping = true
  server.closeAllConnections()
  server.close()
  await helia.stop()
  process.exit(0)
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
process.stdin.on('end', stop)
process.stdin.on('close', stop)
process.stdin.resume()
