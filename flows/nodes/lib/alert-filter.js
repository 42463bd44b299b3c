// Which alert events a `shennong alert in` node passes on (ARCHITECTURE §7: blue IV < yellow III <
// orange II < red I). Lists are comma-separated; an empty list passes everything.
'use strict'

const SEVERITIES = ['blue', 'yellow', 'orange', 'red']

function list (text) {
  return String(text || '').split(',').map(s => s.trim()).filter(s => s.length > 0)
}

/** Shell-style globs (* and ?) as in rule scopes. */
function glob (pattern) {
  const re = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')
  return new RegExp(`^${re}$`)
}

function compileAlertFilter (config) {
  const minRank = SEVERITIES.indexOf(config.minSeverity || 'blue')
  const rules = list(config.rules).map(glob)
  const kinds = list(config.kinds)
  const events = list(config.events)
  const devices = list(config.devices).map(glob)
  return function accept (alert) {
    if (typeof alert !== 'object' || alert === null) return false
    if (SEVERITIES.indexOf(alert.severity) < Math.max(minRank, 0)) return false
    if (rules.length > 0 && !rules.some(r => r.test(String(alert.rule)))) return false
    if (kinds.length > 0 && !kinds.includes(alert.kind)) return false
    if (devices.length > 0 && !devices.some(d => d.test(String(alert.device)))) return false
    if (events.length > 0 && !events.includes(alert.event)) return false
    return true
  }
}

module.exports = { SEVERITIES, compileAlertFilter, list }
