// `shennong-config`: one MQTT connection to the Shennong broker as a service principal, shared by
// every Shennong node that names it. Empty fields take the process's own settings (flows.yaml
// `mqtt:` and SHENNONG_FLOWS_SECRET), so the shipped flows carry no address and no secret.
'use strict'
const mqtt = require('mqtt')
const { matches } = require('./lib/topics.js')

module.exports = function (RED) {
  function ShennongConfigNode (def) {
    RED.nodes.createNode(this, def)
    const node = this
    const host = (RED.settings.shennong && RED.settings.shennong.broker) || {}
    const creds = node.credentials || {}
    node.url = def.url || host.url
    const username = creds.username || host.username
    const password = creds.password || host.password
    const subscriptions = new Map() // filter → { handlers, ready, granted }
    let client = null
    let closing = false
    let warned = false

    const report = () => {
      if (typeof host.report === 'function') host.report(node.id, { connected: client !== null && client.connected, subscriptions: [...subscriptions].filter(([, s]) => s.granted).map(([f]) => f) })
    }

    function connect () {
      if (client !== null) return client
      if (!node.url) throw new Error('shennong-config: no broker URL (set one here or mqtt.url in flows.yaml)')
      client = mqtt.connect(node.url, {
        protocolVersion: 4,
        username,
        password,
        clientId: `shennong-flows-${node.id.replace(/[^A-Za-z0-9]/g, '')}-${Math.random().toString(16).slice(2, 8)}`,
        reconnectPeriod: host.reconnectMs || 1000,
        connectTimeout: 10000,
        clean: true,
        resubscribe: false // trySubscribe() on every connect, so each node learns when it is granted
      })
      client.setMaxListeners(0)
      client.on('connect', () => {
        warned = false
        node.emit('shennong-state', 'connected')
        for (const [filter, sub] of subscriptions) { sub.granted = false; trySubscribe(filter, sub) }
        report()
      })
      client.on('close', () => {
        if (closing) return
        if (!warned) {
          warned = true
          node.warn(`broker ${node.url}: connection lost; reconnecting every ${host.reconnectMs || 1000} ms`)
        }
        node.emit('shennong-state', 'disconnected')
        report()
      })
      // One warning per outage, not one per reconnect attempt.
      client.on('error', err => {
        if (warned) return
        warned = true
        node.warn(`broker ${node.url}: ${err.message}; reconnecting every ${host.reconnectMs || 1000} ms`)
      })
      client.on('message', (topic, payload) => {
        for (const [filter, sub] of subscriptions) {
          if (!matches(filter, topic)) continue
          for (const handler of sub.handlers) {
            try { handler(topic, payload) } catch (err) { node.error(err) }
          }
        }
      })
      return client
    }

    // A subscription is made on every (re)connect (clean sessions); a connection lost before the
    // SUBACK is retried on the next connect. Only the broker's refusal (ACL) is an error.
    function trySubscribe (filter, sub) {
      if (client === null || !client.connected) return
      client.subscribe(filter, { qos: 1 }, (err, granted) => {
        if (err || !subscriptions.has(filter)) return
        if (granted.some(g => g.qos === 128)) {
          sub.reject(new Error(`the broker refused the subscription ${filter} (ACL: the flows principal needs role service)`))
          return
        }
        sub.granted = true
        sub.resolve()
        report()
      })
    }

    /** Subscribes (QoS 1); resolves once the broker granted it, rejects when it refused it. */
    node.subscribe = function (filter, handler) {
      connect()
      let sub = subscriptions.get(filter)
      if (sub === undefined) {
        sub = { handlers: new Set(), granted: false }
        sub.ready = new Promise((resolve, reject) => { sub.resolve = resolve; sub.reject = reject })
        sub.ready.catch(() => {})
        subscriptions.set(filter, sub)
        trySubscribe(filter, sub)
      }
      sub.handlers.add(handler)
      return sub.ready
    }

    node.unsubscribe = function (filter, handler) {
      const sub = subscriptions.get(filter)
      if (sub === undefined) return
      sub.handlers.delete(handler)
      if (sub.handlers.size === 0) {
        subscriptions.delete(filter)
        if (client !== null && !closing) client.unsubscribe(filter)
        report()
      }
    }

    /** Publishes with QoS 1, not retained; resolves on PUBACK. */
    node.publish = function (topic, payload) {
      return connect().publishAsync(topic, typeof payload === 'string' ? payload : JSON.stringify(payload), { qos: 1, retain: false })
    }

    node.connected = () => client !== null && client.connected

    node.on('close', function (done) {
      closing = true
      const c = client
      client = null
      subscriptions.clear()
      if (typeof host.report === 'function') host.report(node.id, null)
      if (c === null) return done()
      let finished = false
      const finish = () => { if (!finished) { finished = true; clearTimeout(timer); done() } }
      const timer = setTimeout(() => { c.end(true); finish() }, 2000)
      // Unconnected (the broker is away): stop reconnecting at once; connected: let PUBACKs finish.
      c.end(!c.connected, {}, finish)
    })
  }

  RED.nodes.registerType('shennong-config', ShennongConfigNode, {
    credentials: {
      username: { type: 'text' },
      password: { type: 'password' }
    }
  })
}
