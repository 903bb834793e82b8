// client.mjs: a second Helia node that acts once against a given peer, for tests.
//
//   node tests/ipfs/client.mjs fetch MULTIADDR CID        prints "SHA256HEX SIZE"
//   node tests/ipfs/client.mjs identify MULTIADDR         prints one JSON line
//   node tests/ipfs/client.mjs ping MULTIADDR             prints "pong"
//   node tests/ipfs/client.mjs providers MULTIADDR CID    prints the provider peer ids
//   node tests/ipfs/client.mjs echo MULTIADDR BYTES       prints "echoed BYTES" when a
//        stream of /wasmos/echo/1.0.0 (wasmos node --echo) gave back the same BYTES
//        random bytes: flow control both ways, with Helia's own yamux
//
// MULTIADDR ends in /p2p/PEERID.  fetch reads a raw CID as one block and anything else
// as a UnixFS file.  Every network wait is bounded by TIMEOUT_MS (env, default 20000);
// on failure the reason goes to stderr and the exit status is 1.
import { createNode } from './node.mjs'
import { unixfs } from '@helia/unixfs'
import { multiaddr } from '@multiformats/multiaddr'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { createHash } from 'node:crypto'

const TIMEOUT_MS = Number(process.env.TIMEOUT_MS ?? 20000)
const [cmd, addrText, arg] = process.argv.slice(2)
const usage = 'usage: node client.mjs fetch|identify|ping|providers MULTIADDR [CID]'
if (cmd == null || addrText == null) {
  process.stderr.write(`client.mjs: ${usage}\n`)
  process.exit(2)
}

const helia = await createNode({ listen: false })
const libp2p = helia.libp2p
let status = 0
try {
  const addr = multiaddr(addrText)
  const signal = () => AbortSignal.timeout(TIMEOUT_MS)
  if (cmd === 'fetch') {
    const cid = CID.parse(arg)
    await libp2p.dial(addr, { signal: signal() })
    const hash = createHash('sha256')
    let size = 0
    if (cid.code === raw.code) {
      const block = await helia.blockstore.get(cid, { signal: signal() })
      hash.update(block)
      size = block.length
    } else {
      for await (const chunk of unixfs(helia).cat(cid, { signal: signal() })) {
        hash.update(chunk)
        size += chunk.length
      }
    }
    process.stdout.write(`${hash.digest('hex')} ${size}\n`)
  } else if (cmd === 'identify') {
    const identified = new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no identify within ${TIMEOUT_MS} ms`)), TIMEOUT_MS)
      libp2p.addEventListener('peer:identify', (e) => { clearTimeout(timer); resolve(e.detail) }, { once: true })
    })
    const conn = await libp2p.dial(addr, { signal: signal() })
    const id = await identified
    process.stdout.write(JSON.stringify({
      peerId: id.peerId.toString(),
      remotePeer: conn.remotePeer.toString(),
      protocols: id.protocols,
      listenAddrs: id.listenAddrs.map((a) => a.toString()),
      agentVersion: id.agentVersion,
      protocolVersion: id.protocolVersion
    }) + '\n')
  } else if (cmd === 'ping') {
    await libp2p.services.ping.ping(addr, { signal: signal() })
    process.stdout.write('pong\n')
  } else if (cmd === 'echo') {
    const size = Number(arg)
    const data = new Uint8Array(size)
    for (let off = 0; off < size; off += 65536) {
      crypto.getRandomValues(data.subarray(off, Math.min(size, off + 65536)))
    }
    const stream = await libp2p.dialProtocol(addr, '/wasmos/echo/1.0.0', { signal: signal() })
    const reading = (async () => {
      const back = new Uint8Array(size)
      let got = 0
      for await (const chunk of stream.source) {
        const bytes = chunk.subarray()
        if (got + bytes.length > size) throw new Error(`echo: more than ${size} bytes came back`)
        back.set(bytes, got)
        got += bytes.length
        if (got === size) break
      }
      return { back, got }
    })()
    // written in 64 KiB pieces, so the peer's window and ours both have to move
    await stream.sink((function * () {
      for (let off = 0; off < size; off += 65536) yield data.subarray(off, Math.min(size, off + 65536))
    })())
    const timer = setTimeout(() => stream.abort(new Error(`echo: no answer within ${TIMEOUT_MS} ms`)), TIMEOUT_MS)
    const { back, got } = await reading
    clearTimeout(timer)
    if (got !== size || Buffer.compare(Buffer.from(back), Buffer.from(data)) !== 0) {
      throw new Error(`echo: got ${got} of ${size} bytes, or different ones`)
    }
    await stream.close()
    process.stdout.write(`echoed ${size}\n`)
  } else if (cmd === 'providers') {
    const cid = CID.parse(arg)
    await libp2p.dial(addr, { signal: signal() })
    const seen = new Set()
    for await (const p of libp2p.contentRouting.findProviders(cid, { signal: signal() })) {
      if (!seen.has(p.id.toString())) {
        seen.add(p.id.toString())
        process.stdout.write(`${p.id.toString()} ${p.multiaddrs.map((a) => a.toString()).join(' ')}\n`)
      }
    }
  } else {
    throw new Error(usage)
  }
} catch (err) {
  // an AggregateError (several routes tried) names each reason
  const reasons = err.errors?.map((e) => e.message ?? String(e)).join('; ')
  process.stderr.write(`client.mjs ${cmd}: ${err.message ?? err}${reasons ? ` (${reasons})` : ''}\n`)
  status = 1
}
await helia.stop()
process.exit(status)
