// `shennong reading in`: telemetry (ARCHITECTURE §2, §3) of a site, device and kind, one message
// per reading. A reading without `device` belongs to the sender (the topic's id), as ingest reads it.
// msg.payload = the reading; msg.topic, msg.site, msg.device, msg.kind, msg.sender.
'use strict'
const { topicFilter, parseTopic } = require('./lib/topics.js')
const { configNode, siteFilter, subscribeNode } = require('./lib/node-setup.js')
const { list } = require('./lib/alert-filter.js')

module.exports = function (RED) {
  function ShennongReadingInNode (def) {
    RED.nodes.createNode(this, def)
    const node = this
    const broker = configNode(RED, node, def)
    if (broker === null) return
    const site = siteFilter(node, def)
    if (site === null) return
    const devices = list(def.devices)
    const kinds = list(def.kinds)
    const filter = topicFilter({ site: site === '' ? undefined : site, channel: 'telemetry' })

    const handler = (topic, payload) => {
      const parts = parseTopic(topic)
      if (parts === null) return
      let body
      try { body = JSON.parse(payload.toString('utf8')) } catch { return } // ingest quarantines it
      for (const reading of Array.isArray(body) ? body : [body]) {
        if (typeof reading !== 'object' || reading === null) continue
        const device = typeof reading.device === 'string' ? reading.device : parts.id
        if (devices.length > 0 && !devices.includes(device)) continue
        if (kinds.length > 0 && !kinds.includes(reading.kind)) continue
        node.send({ topic, payload: { ...reading, device }, site: parts.site, device, kind: reading.kind, sender: parts.id })
      }
    }
    subscribeNode(node, broker, filter, handler)
  }
  RED.nodes.registerType('shennong reading in', ShennongReadingInNode)
}
