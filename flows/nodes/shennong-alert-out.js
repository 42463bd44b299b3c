// `shennong alert out`: publishes msg.payload, an alert (ARCHITECTURE §7, at least site, device,
// rule, severity, message), on `…/{site}/{device}/alert` for every alert subscriber, as the
// service principal. For alerts a flow raises itself, such as `valve-unconfirmed`.
'use strict'
const { configNode } = require('./lib/node-setup.js')
const { buildTopic } = require('./lib/topics.js')
const { SEVERITIES } = require('./lib/alert-filter.js')

module.exports = function (RED) {
  function ShennongAlertOutNode (def) {
    RED.nodes.createNode(this, def)
    const node = this
    const broker = configNode(RED, node, def)
    if (broker === null) return

    node.on('input', function (msg, send, done) {
      const alert = msg.payload
      if (typeof alert !== 'object' || alert === null || typeof alert.rule !== 'string' || typeof alert.message !== 'string' || !SEVERITIES.includes(alert.severity)) {
        done(new Error('msg.payload must be an alert: { site, device, rule, severity (blue|yellow|orange|red), message, … }'))
        return
      }
      let topic
      try { topic = buildTopic({ site: alert.site, id: alert.device, channel: 'alert' }) } catch (err) { done(err); return }
      broker.publish(topic, alert).then(() => {
        node.status({ fill: 'green', shape: 'dot', text: `${alert.rule} ${alert.site}/${alert.device}` })
        send({ ...msg, topic })
        done()
      }, err => done(err))
    })
  }
  RED.nodes.registerType('shennong alert out', ShennongAlertOutNode)
}
