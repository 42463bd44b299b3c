// Test fixture for the flows tests: a real broker in process (port 0) with a real principal store,
// a real HTTP webhook receiver, a real SMTP receiver (smtp-server), and the flows process itself
// (Node-RED embedded, the shipped flows.json, the Shennong nodes), all on port 0. Node-RED runs once
// per process, so each test file starts one stack.
import { createServer, type Server } from 'node:http'
import type { Test } from 'tap'
import mqtt, { type MqttClient } from 'mqtt'
import { SMTPServer } from 'smtp-server'
import { createLogger } from '@shennong/core/logger.ts'
import { formatToken, type PrincipalInput } from '@shennong/core/principals.ts'
import { startBroker, type RunningBroker } from '../../broker/src/main.ts'
import { startFlows, type RunningFlows } from './main.ts'

export interface WebhookRequest { method: string, url: string, headers: Record<string, unknown>, body: string, status: number }
export interface Mail { from: string, to: string[], subject: string, text: string }

export interface Stack {
  dataDir: string
  broker: RunningBroker
  flows: RunningFlows
  secrets: Record<string, string>
  webhook: { url: string, requests: WebhookRequest[], failNext: (n: number) => void }
  mails: Mail[]
  /** Error lines Node-RED and the flows process logged. */
  errors: Array<Record<string, unknown>>
  logs: Array<Record<string, unknown>>
  connect: (id: string) => Promise<MqttClient>
  /** HTTP against the flows server. */
  http: (path: string, init?: RequestInit) => Promise<Response>
  /** Resolves when `check` holds, polling every 20 ms; rejects after `ms`. */
  until: (check: () => boolean | Promise<boolean>, ms?: number, what?: string) => Promise<void>
}

export const PRINCIPALS: PrincipalInput[] = [
  { id: 'flows', kind: 'service' },
  { id: 'alerts', kind: 'service', description: 'stands in for the rule engine publishing alerts' },
  { id: 'ops-admin', kind: 'user', role: 'admin' },
  { id: 'farmer-1', kind: 'user', role: 'farmer', sites: ['farm-1'] },
  { id: 'reader', kind: 'user', role: 'inspector', description: 'reads the alerts API for the digest' },
  { id: 'gw-1', kind: 'gateway', sites: ['farm-1'] }
]

async function until (check: () => boolean | Promise<boolean>, ms = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 20))
  }
}

async function listen (server: Server | SMTPServer): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const address = (server as Server).address?.() ?? (server as unknown as { server: Server }).server.address()
  return typeof address === 'object' && address !== null ? address.port : 0
}

export interface StackOptions {
  /** The data directory (principals.db is shared with the broker); default a fresh test directory. */
  dataDir?: string
  /** More flows config, given every principal's secret. */
  flows?: (secrets: Record<string, string>) => Record<string, unknown>
}

export async function startStack (t: Test, options: StackOptions = {}): Promise<Stack> {
  const dataDir = options.dataDir ?? t.testdir()
  const broker = await startBroker({ dataDir, mqtt: { port: 0 }, http: { port: 0 }, logLevel: 'silent' })
  const secrets: Record<string, string> = {}
  for (const p of PRINCIPALS) secrets[p.id] = (await broker.principals.add(p)).secret

  // The webhook receiver: answers 500 while `failing` > 0, then 200.
  const requests: WebhookRequest[] = []
  let failing = 0
  const receiver = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', c => chunks.push(c))
    req.on('end', () => {
      const status = failing > 0 ? 500 : 200
      if (failing > 0) failing--
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), status })
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: status === 200 }))
    })
  })
  const webhookPort = await listen(receiver)

  const mails: Mail[] = []
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData (stream, session, callback) {
      const chunks: Buffer[] = []
      stream.on('data', (c: Buffer) => chunks.push(c))
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8')
        const [head, ...body] = raw.split(/\r?\n\r?\n/)
        const unfolded = head.replace(/\r?\n[ \t]+/g, ' ')
        const subject = /^Subject: (.*)$/mi.exec(unfolded)?.[1] ?? ''
        mails.push({
          from: session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address,
          to: session.envelope.rcptTo.map(r => r.address),
          subject,
          text: body.join('\n\n').replace(/=\r?\n/g, '')
        })
        callback()
      })
    }
  })
  const smtpPort = await listen(smtp)

  const logs: Array<Record<string, unknown>> = []
  const logger = createLogger('flows', 'debug', line => { logs.push(JSON.parse(line) as Record<string, unknown>) })
  const flows = await startFlows({
    dataDir,
    http: { port: 0 },
    mqtt: { url: `mqtt://127.0.0.1:${broker.ports.mqttPort}`, principal: 'flows', secret: secrets.flows, reconnect: '200ms' },
    smtp: { host: '127.0.0.1', port: smtpPort, security: 'none', from: 'shennong@farm.example', timeout: '5s' },
    email: { to: ['ops@farm.example'], sites: { 'farm-1': ['farmer@farm.example'] }, minSeverity: 'yellow' },
    webhooks: [{ url: `http://127.0.0.1:${webhookPort}/hook`, headers: { authorization: 'Bearer hook-secret' } }],
    webhookRetry: { attempts: 5, initialDelay: '50ms', maxDelay: '400ms' },
    irrigation: { confirmTimeout: '1500ms', valves: [{ site: 'farm-1', plot: 'plot-a', gateway: 'gw-1', valve: 'valve-0001' }] },
    logLevel: 'info',
    ...options.flows?.(secrets)
  }, { logger })

  const clients: MqttClient[] = []
  t.teardown(async () => {
    for (const c of clients) c.end(true)
    await flows.close()
    await new Promise(resolve => receiver.close(resolve))
    await new Promise<void>(resolve => smtp.close(() => resolve()))
    await broker.close()
  })
  const stack: Stack = {
    dataDir,
    broker,
    flows,
    secrets,
    webhook: { url: `http://127.0.0.1:${webhookPort}/hook`, requests, failNext: n => { failing = n } },
    mails,
    get errors () { return logs.filter(l => Number(l.level) >= 50) },
    logs,
    connect: async id => {
      const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${broker.ports.mqttPort}`, { protocolVersion: 4, username: id, password: secrets[id], reconnectPeriod: 0, connectTimeout: 5000 })
      clients.push(client)
      return client
    },
    http: async (path, init) => await fetch(`${flows.url}${path}`, init),
    until
  }
  // Ready when the flows run and the broker granted the Shennong nodes' subscriptions.
  await until(async () => (await stack.http('/healthz')).status === 200 && Object.values(flows.server.status().brokers).some(b => b.subscriptions.length > 0), 15_000, 'the flows to connect and subscribe')
  return stack
}

export function bearer (id: string, secret: string): Record<string, string> {
  return { authorization: `Bearer ${formatToken(id, secret)}` }
}
