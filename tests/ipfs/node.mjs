// node.mjs: one Helia node on loopback, as the network tests need it.  The Helia-5 stack
// is assembled from @helia/utils + libp2p 2 (what helia@5's createHelia does inside),
// because the helia package itself cannot be installed offline.  TCP only, Noise,
// yamux, identify, ping, bitswap 1.2.0, kad-dht in server mode; no bootstrap peers,
// no public routers or gateways: nothing leaves 127.0.0.1.
import './polyfill.mjs'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { bitswap } from '@helia/block-brokers'
import { libp2pRouting } from '@helia/routers'
import { Helia } from '@helia/utils'
import { generateKeyPair, generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { identify } from '@libp2p/identify'
import { kadDHT, passthroughMapper } from '@libp2p/kad-dht'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { MemoryBlockstore } from 'blockstore-core'
import { MemoryDatastore } from 'datastore-core'
import { createLibp2p } from 'libp2p'

// Protocol ids the wasmos side speaks too.
export const KAD_PROTOCOL = '/ipfs/kad/1.0.0'

// createNode({ seed, port, listen }): a started Helia node.  seed: 64 hex digits (an
// Ed25519 seed, so the peer id is known in advance) or undefined (a random key).
// listen: false for a node that only dials.
export async function createNode ({ seed, port = 0, listen = true } = {}) {
  let privateKey
  if (seed != null) {
    if (!/^[0-9a-fA-F]{64}$/.test(seed)) throw new Error(`seed must be 64 hex digits, got '${seed}'`)
    privateKey = await generateKeyPairFromSeed('Ed25519', Buffer.from(seed, 'hex'))
  } else {
    privateKey = await generateKeyPair('Ed25519')
  }
  const datastore = new MemoryDatastore()
  const blockstore = new MemoryBlockstore()
  const libp2p = await createLibp2p({
    privateKey,
    datastore,
    addresses: { listen: listen ? [`/ip4/127.0.0.1/tcp/${port}`] : [] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    // Tests reconnect quickly; libp2p's default drops the 6th inbound connection per
    // second from one host.
    connectionManager: { inboundConnectionThreshold: 1000 },
    services: {
      identify: identify(),
      ping: ping(),
      dht: kadDHT({
        protocol: KAD_PROTOCOL,
        clientMode: false,
        // keep 127.0.0.1 addresses: the default mapper drops private ones
        peerInfoMapper: passthroughMapper,
        allowQueryWithZeroPeers: true
      })
    }
  })
  const helia = new Helia({
    libp2p,
    datastore,
    blockstore,
    blockBrokers: [bitswap()],
    routers: [libp2pRouting(libp2p)]
  })
  await helia.start()
  return helia
}

// withTimeout(ms): an AbortSignal for one network operation; every wait is bounded.
export function withTimeout (ms) {
  return AbortSignal.timeout(ms)
}
