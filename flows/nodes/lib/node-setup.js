// What the Shennong nodes share: their shennong-config (broker) node and the optional site filter,
// checked with a red status and an error on the node; and, for the input nodes, a subscription
// whose status follows the broker connection and which ends when the node closes.
'use strict'
const { isSegment } = require('./topics.js')

/** The node's shennong-config, or null (the node then shows why). */
function configNode (RED, node, def) {
  const broker = RED.nodes.getNode(def.broker)
  if (!broker) { node.status({ fill: 'red', shape: 'ring', text: 'no shennong-config' }); node.error('choose a shennong-config (broker) node'); return null }
  return broker
}

/** The node's site filter ('' for every site), or null when it is not a valid site id. */
function siteFilter (node, def) {
  const site = String(def.site || '').trim()
  if (site !== '' && !isSegment(site)) { node.status({ fill: 'red', shape: 'ring', text: 'bad site' }); node.error(`site "${site}" must match [a-z0-9][a-z0-9_-]{0,63}`); return null }
  return site
}

/** Subscribes `handler` to `filter`; the node's status follows the connection; unsubscribes on close. */
function subscribeNode (node, broker, filter, handler) {
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

module.exports = { configNode, siteFilter, subscribeNode }
