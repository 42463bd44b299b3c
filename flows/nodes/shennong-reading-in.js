// `shennong reading in`: telemetry (ARCHITECTURE §2, §3) of a site, device and kind, one message
// per reading. A reading without `device` belongs to the sender (the topic's id), as ingest reads it.
// msg.payload = the reading; msg.topic, msg.site, msg.device, msg.kind, msg.sender.
'use strict'
const { topicFilter, parseTopic, isSegment } = require('./lib/topics.js')
const { list } = require('./lib/alert-filter.js')

module.exports = function (RED) {
  function ShennongReadingInNode (def) {
    RED.nodes.createNode(this, def)
    const node = this
    const broker = RED.nodes.getNode(def.broker)
    if (!broker) { node.status({ fill: 'red', shape: 'ring', text: 'no shennong-config' }); node.error('choose a shennong-config (broker) node'); return }
    const site = String(def.site || '').trim()
    if (site !== '' && !isSegment(site)) { node.status({ fill: 'red', shape: 'ring', text: 'bad site' }); node.error(`site "${site}" must match [a-z0-9][a-z0-9_-]{0,63}`); return }
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
    const onState = state => node.status(state === 'connected' ? { fill: 'green', shape: 'dot', text: 'connected' } : { fill: 'red', shape: 'ring', text: state })
    broker.on('shennong-state', onState)
    broker.subscribe(filter, handler).then(() => {
      node.status(broker.connected() ? { fill: 'green', shape: 'dot', text: 'connected' } : { fill: 'yellow', shape: 'ring', text: 'connecting' })
    }, err => { node.status({ fill: 'red', shape: 'ring', text: 'refused' }); node.error(err.message) })

    node.on('close', () => {
      broker.removeListener('shennong-state', onState)
      broker.unsubscribe(filter, handler)
    })
  }
  RED.nodes.registerType('shennong reading in', ShennongReadingInNode)
}
