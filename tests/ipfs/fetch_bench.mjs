// fetch_bench.mjs: Helia fetching from Helia, for bench/ipfs_fetch.sh: a fresh node
// dials MULTIADDR, then reads each CID as a UnixFS file (a raw CID as one block).
// Prints one line per CID: "CID BYTES MS", MS from the start of the dial to the last
// byte (Node's and Helia's own start-up are not counted).
import { createNode } from './node.mjs'
import { unixfs } from '@helia/unixfs'
import { multiaddr } from '@multiformats/multiaddr'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { setMaxListeners } from 'node:events'

const [addr, ...cids] = process.argv.slice(2)
const helia = await createNode({ listen: false })
// one bound for the whole run; many operations listen to it
const bound = AbortSignal.timeout(120000)
setMaxListeners(1000, bound)
const signal = () => bound
try {
  const t0 = performance.now()
  await helia.libp2p.dial(multiaddr(addr), { signal: signal() })
  const fs = unixfs(helia)
  for (const text of cids) {
    const cid = CID.parse(text)
    let bytes = 0
    if (cid.code === raw.code) {
      bytes = (await helia.blockstore.get(cid, { signal: signal() })).length
    } else {
      for await (const chunk of fs.cat(cid, { signal: signal() })) bytes += chunk.length
    }
    process.stdout.write(`${text} ${bytes} ${(performance.now() - t0).toFixed(1)}\n`)
  }
} finally {
  await helia.stop()
}
