// The topic helpers the Shennong nodes use. Node-RED loads node files itself, as CommonJS; this
// requires core/src/topics.ts (Node 24 loads an ES module with require() and strips its types), so
// the nodes build topics with the same code as every other process and never spell one out.
'use strict'
const core = require('@shennong/core/topics.ts')

/** MQTT 3.1.1 §4.7: does a concrete topic match a filter with + and #? */
function matches (filter, topic) {
  const f = filter.split('/')
  const t = topic.split('/')
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true
    if (i >= t.length) return false
    if (f[i] !== '+' && f[i] !== t[i]) return false
  }
  return f.length === t.length
}

module.exports = {
  buildTopic: core.buildTopic,
  parseTopic: core.parseTopic,
  topicFilter: core.topicFilter,
  isSegment: core.isSegment,
  matches
}
