// polyfill.mjs: Promise.withResolvers for Node 20.  Every libp2p/Helia line calls it
// (it-queue, mortice) but Node has it only from 22.  Imported first by node.mjs, so it
// runs before any of those modules is evaluated.
if (typeof Promise.withResolvers !== 'function') {
  Promise.withResolvers = function withResolvers () {
    let resolve, reject
    const promise = new this((res, rej) => { resolve = res; reject = rej })
    return { promise, resolve, reject }
  }
}
