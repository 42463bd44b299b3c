// `shennong alert in`: alerts published by the rule engine on `…/{site}/{device}/alert`
// (ARCHITECTURE §7), filtered by site, minimum severity, rule, kind, device and event type.
// msg.payload = the alert (with `event`, `eventId`, `at`, `by`); msg.topic, msg.site, msg.device.
'use strict'
const { topicFilter, parseTopic } = require('./lib/topics.js')
const { configNode, siteFilter, subscribeNode } = require('./lib/node-setup.js')
const { compileAlertFilter } = require('./lib/alert-filter.js')

module.exports = function (RED) {
  function ShennongAlertInNode (def) {
    RED.nodes.createNode(this, def)
    const node = this
    const broker = configNode(RED, node, def)
    if (broker === null) return
    const site = siteFilter(node, def)
    if (site === null) return
    const accept = compileAlertFilter(def)
    const filter = topicFilter({ site: site === '' ? undefined : site, channel: 'alert' })

    const handler = (topic, payload) => {
      let alert
      try { alert = JSON.parse(payload.toString('utf8')) } catch { node.warn(`an alert on ${topic} is not JSON; ignored`); return }
      if (!accept(alert)) return
      const parts = parseTopic(topic)
      node.send({ topic, payload: alert, site: alert.site || (parts && parts.site), device: alert.device || (parts && parts.id), severity: alert.severity, rule: alert.rule })
    }
    subscribeNode(node, broker, filter, handler)
  }
  RED.nodes.registerType('shennong alert in', ShennongAlertInNode)
}
