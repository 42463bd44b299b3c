// Rule engine benchmark (issue 4): reading → alert published latency at a steady 5,000 readings/s
// with 1,000 rules loaded, plus the process's CPU and RSS. Everything is real and in one process:
// a SQLite ingest log, the engine, the alert store, the MQTT sink, an Aedes broker and a
// subscriber. Prints JSON lines. Run: node bench/rules.ts [--seconds 20] [--rate 5000] [--rules 1000]
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { createLogger } from '@shennong/core/logger.ts'
import { startAedes, subscribeAlerts, startEngineRig, telemetry, writeRules } from '../ingest/src/rules/engine-fixture.ts'

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '30' }, rate: { type: 'string', default: '5000' }, rules: { type: 'string', default: '1000' } } })
const seconds = Number(values.seconds)
const rate = Number(values.rate)
const ruleCount = Number(values.rules)
const devicesPerSite = 5

const dataDir = mkdtempSync(join(tmpdir(), 'shennong-bench-rules-'))
let yaml = 'rules:\n'
for (let i = 0; i < ruleCount; i++) {
  yaml += `  - id: temp-${i}\n    kind: threshold\n    scope: { sites: ['site-${i}'], kinds: [water] }\n    threshold:\n      metric: temperature_c\n      levels: [{ severity: yellow, above: 30 }, { severity: red, above: 35 }]\n`
}
writeRules(join(dataDir, 'rules'), 'bench.yaml', yaml)

const broker = await startAedes()
const sub = await subscribeAlerts(broker.url)
const rig = await startEngineRig({ dataDir, brokerUrl: broker.url, config: { watch: 'off', batchEntries: 1000, pollInterval: '5ms' }, logger: createLogger('rules', 'warn') })

const latencies: number[] = []
sub.client.on('message', (_topic, payload) => {
  const alert = JSON.parse(payload.toString()) as { ts: number, at: number }
  latencies.push(Date.now() - alert.ts)
  if (process.env.BENCH_TRACE !== undefined && latencies.length % 1000 === 0) process.stderr.write(`${Math.round(performance.now() - t0)} total ${Date.now() - alert.ts} engine ${alert.at - alert.ts}\n`)
})

// Each device cycles through 60 readings (one a second at 5,000/s over 5,000 devices): 25 °C, then
// 32 (yellow), 37 (red), back to 25 (resolved), starting at a random phase: about 250 alert events/s.
const seqs = new Map<string, number>()
let sent = 0
const tickMs = 10
const cpu0 = process.cpuUsage()
const t0 = performance.now()
let rssMax = 0
await new Promise<void>(resolve => {
  const timer = setInterval(() => {
    if (performance.now() - t0 >= seconds * 1000) { clearInterval(timer); resolve(); return }
    const items = []
    // Send what is due by now, so late timer ticks do not lower the offered rate.
    const due = Math.floor(rate * (performance.now() - t0) / 1000) - sent
    for (let i = 0; i < due; i++) {
      const site = `site-${sent % ruleCount}`
      const device = `dev-${Math.floor(sent / ruleCount) % devicesPerSite}`
      const key = `${site}/${device}`
      const seq = (seqs.get(key) ?? Math.floor(Math.random() * 60)) + 1
      seqs.set(key, seq)
      const phase = seq % 60
      const temperature = phase < 40 ? 25 : phase < 50 ? 32 : phase < 55 ? 37 : 25
      items.push(telemetry(site, 'gw', [{ device, kind: 'water', ts: Date.now(), seq, metrics: { temperature_c: temperature } }]))
      sent++
    }
    void rig.log.append(items)
    rssMax = Math.max(rssMax, process.memoryUsage().rss)
  }, tickMs)
})
const elapsed = (performance.now() - t0) / 1000
await new Promise(resolve => setTimeout(resolve, 1000))
const cpu = process.cpuUsage(cpu0)
latencies.sort((a, b) => a - b)
const q = (p: number): number => latencies.length === 0 ? NaN : latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]
const out = (o: Record<string, unknown>): void => { process.stdout.write(JSON.stringify({ bench: 'rules', ...o }) + '\n') }
out({ metric: 'setup', rules: ruleCount, sites: ruleCount, devices: ruleCount * devicesPerSite, targetRate: rate, seconds: Math.round(elapsed * 10) / 10 })
out({ metric: 'throughput', readings: sent, readingsPerSecond: Math.round(sent / elapsed), evaluatedEntries: rig.engine.evaluated(), backlog: (await rig.log.stats()).consumers.rules.pending })
out({ metric: 'alert_latency_ms', alerts: latencies.length, p50: q(0.5), p90: q(0.9), p99: q(0.99), max: latencies.at(-1), targetP99: 50 })
out({ metric: 'process', note: 'whole process: engine, SQLite log, load generator, Aedes broker and subscriber', cpuPercentOfOneCore: Math.round((cpu.user + cpu.system) / 1000 / (elapsed * 1000 + 1000) * 100), rssMaxMiB: Math.round(rssMax / 1048576), rssNowMiB: Math.round(process.memoryUsage().rss / 1048576) })
await sub.client.endAsync()
await rig.close()
await broker.close()
rmSync(dataDir, { recursive: true, force: true })
