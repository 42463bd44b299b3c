// `shennong alert in`: alerts published by the rule engine on `…/{site}/{device}/alert`
// (ARCHITECTURE §7), filtered by site, minimum severity, rule, kind, device and event type.
// msg.payload = the alert (with `event`, `eventId`, `at`, `by`); msg.topic, msg.site, msg.device.
'use strict'
const { topicFilter, parseTopic, isSegment } = require('./lib/topics.js')
const { compileAlertFilter } = require('./lib/alert-filter.js')

module.exports = function (RED) {
  function ShennongAlertInNode (def) {
    RED.nodes.createNode(this, def)
    const node = this
    const broker = RED.nodes.getNode(def.broker)
    if (!broker) { node.status({ fill: 'red', shape: 'ring', text: 'no shennong-config' }); node.error('choose a shennong-config (broker) node'); return }
    const site = String(def.site || '').trim()
    if (site !== '' && !isSegment(site)) { node.status({ fill: 'red', shape: 'ring', text: 'bad site' }); node.error(`site "${site}" must match [a-z0-9][a-z0-9_-]{0,63}`); return }
    const accept = compileAlertFilter(def)
    const filter = topicFilter({ site: site === '' ? undefined : site, channel: 'alert' })

    const handler = (topic, payload) => {
      let alert
      try { alert = JSON.parse(payload.toString('utf8')) } catch { node.warn(`an alert on ${topic} is not JSON; ignored`); return }
      if (!accept(alert)) return
      const parts = parseTopic(topic)
      node.send({ topic, payload: alert, site: alert.site || (parts && parts.site), device: alert.device || (parts && parts.id), severity: alert.severity, rule: alert.rule })
    }
    const onState = state => node.status(state === 'connected' ? { fill: 'green', shape: 'dot', text: 'connected' } : { fill: 'red', shape: 'ring', text: state })
    broker.on('shennong-state', onState)
    node.status({ fill: 'yellow', shape: 'ring', text: 'subscribing' })
    broker.subscribe(filter, handler).then(() => {
      node.status(broker.connected() ? { fill: 'green', shape: 'dot', text: 'connected' } : { fill: 'yellow', shape: 'ring', text: 'connecting' })
    }, err => { node.status({ fill: 'red', shape: 'ring', text: 'refused' }); node.error(err.message) })

    node.on('close', () => {
      broker.removeListener('shennong-state', onState)
      broker.unsubscribe(filter, handler)
    })
  }
  RED.nodes.registerType('shennong alert in', ShennongAlertInNode)
}
