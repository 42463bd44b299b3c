// `shennong command out`: sends a command {id, name, args} to a gateway's `cmd` topic (ARCHITECTURE §2)
// and waits for the `cmd-result` with the same id. Output 1: the gateway confirmed it (ok: true);
// output 2: it refused or failed (ok: false), or no result came within the timeout.
//
// Input (each overrides the node's own setting): msg.site, msg.gateway, msg.command = { name, args },
// msg.timeout (ms). The edge agent's commands are `{ name, args: { device, value } }` (docs/edge.md).
'use strict'
const { configNode } = require('./lib/node-setup.js')
const { randomUUID } = require('node:crypto')
const { buildTopic, isSegment } = require('./lib/topics.js')

module.exports = function (RED) {
  function ShennongCommandOutNode (def) {
    RED.nodes.createNode(this, def)
    const node = this
    const broker = configNode(RED, node, def)
    if (broker === null) return
    const defaultTimeout = Number(def.timeout) > 0 ? Number(def.timeout) * 1000 : 30000
    let defaultArgs = {}
    try { defaultArgs = def.args ? JSON.parse(def.args) : {} } catch { node.error('args must be a JSON object') }
    const pending = new Map() // command id → { resolve }
    const parseResult = payload => {
      try {
        const result = JSON.parse(payload.toString('utf8'))
        return result !== null && typeof result === 'object' ? result : null
      } catch { return null }
    }
    let waiting = 0
    const showWaiting = () => node.status(waiting > 0 ? { fill: 'blue', shape: 'dot', text: `waiting for ${waiting}` } : {})

    node.on('input', function (msg, send, done) {
      const site = String(msg.site || def.site || '')
      const gateway = String(msg.gateway || def.gateway || '')
      const command = msg.command && typeof msg.command === 'object' ? msg.command : {}
      const name = String(command.name || def.command || '')
      const args = command.args && typeof command.args === 'object' ? command.args : defaultArgs
      const timeoutMs = Number(msg.timeout) > 0 ? Number(msg.timeout) : defaultTimeout
      if (!isSegment(site) || !isSegment(gateway) || name === '') {
        done(new Error(`a command needs a site and a gateway (topic segments) and a name; got site "${site}", gateway "${gateway}", name "${name}"`))
        return
      }
      const cmd = { id: `flows-${randomUUID()}`, name, args }
      const resultTopic = buildTopic({ site, id: gateway, channel: 'cmd-result' })
      const finish = (ok, result, error) => {
        clearTimeout(timer)
        if (!pending.delete(cmd.id)) return
        broker.unsubscribe(resultTopic, onResult)
        waiting--
        showWaiting()
        const out = { ...msg, command: { ...cmd, site, gateway }, payload: result }
        if (ok) send([out, null])
        else send([null, { ...out, error }])
        done()
      }
      const timer = setTimeout(() => finish(false, null, { code: 'timeout', message: `no cmd-result from ${gateway} within ${timeoutMs} ms` }), timeoutMs)
      pending.set(cmd.id, {
        cancel: () => { clearTimeout(timer); pending.delete(cmd.id); done() },
        resolve: result => result.ok === true
          ? finish(true, result)
          : finish(false, result, { code: (result.error && result.error.code) || 'failed', message: (result.error && result.error.message) || 'the gateway answered ok: false' })
      })
      const onResult = (topic, payload) => {
        const result = parseResult(payload)
        if (result !== null && String(result.id) === cmd.id && pending.has(cmd.id)) pending.get(cmd.id).resolve(result)
      }
      waiting++
      showWaiting()
      // Subscribe to the result before the command goes out, so a quick answer is not missed.
      Promise.resolve()
        .then(() => broker.subscribe(resultTopic, onResult))
        .then(() => broker.publish(buildTopic({ site, id: gateway, channel: 'cmd' }), cmd))
        .catch(err => finish(false, null, { code: 'publish', message: err.message }))
    })

    node.on('close', () => {
      for (const waiter of [...pending.values()]) waiter.cancel()
    })
  }
  RED.nodes.registerType('shennong command out', ShennongCommandOutNode)
}
