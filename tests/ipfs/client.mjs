// client.mjs: a second Helia node that acts once against a given peer, for tests.
//
//   node tests/ipfs/client.mjs fetch MULTIADDR CID        prints "SHA256HEX SIZE"
//   node tests/ipfs/client.mjs identify MULTIADDR         prints one JSON line
//   node tests/ipfs/client.mjs ping MULTIADDR             prints "pong"
//   node tests/ipfs/client.mjs providers MULTIADDR CID    prints the provider peer ids
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
