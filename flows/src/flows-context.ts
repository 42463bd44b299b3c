// What the shipped flows' function nodes read from `global.get('shennong')`: the parts of
// flows.yaml they act on (webhooks, retry policy, e-mail recipients, valves, the ingest API) as plain
// values and closures. Secrets (SMTP password, API token) live only inside the closures, so the
// editor's context view never shows them.
import { parseDuration } from '@shennong/core/duration.ts'
import { formatToken } from '@shennong/core/principals.ts'
import type { FlowsConfig } from './config.ts'
import type { Mailer, MailMessage } from './mailer.ts'

export const SEVERITY_ORDER = ['blue', 'yellow', 'orange', 'red'] as const

export interface ValveTarget {
  gateway: string
  valve: string
  command: string
  openValue: number
}

export interface FlowsContext {
  webhooks: Array<{ url: string, headers: Record<string, string> }>
  webhookRetry: { attempts: number, initialDelayMs: number, maxDelayMs: number }
  email: {
    enabled: boolean
    minSeverity: string
    recipients: (site: string) => string[]
    send: (message: MailMessage) => Promise<{ messageId: string, accepted: string[] }>
  }
  irrigation: {
    minSeverity: string
    confirmTimeoutMs: number
    valveFor: (site: string, plot: string) => ValveTarget | undefined
  }
  ingest: {
    alertsUrl: (query: Record<string, string | number>) => string
    headers: () => Record<string, string>
  }
  digest: { sites: string[], periodMs: number }
  /** 0 blue … 3 red; -1 for anything else. */
  severityRank: (severity: string) => number
}

export function buildFlowsContext (config: FlowsConfig, deps: { mailer?: Mailer }): FlowsContext {
  const { mailer } = deps
  const ingestPrincipal = config.ingest.principal ?? config.mqtt.principal
  const ingestSecret = config.ingest.secret ?? (config.ingest.principal === undefined ? config.mqtt.secret : undefined)
  const base = config.ingest.url.replace(/\/+$/, '')
  return Object.freeze({
    webhooks: config.webhooks.map(w => ({ url: w.url, headers: { ...w.headers } })),
    webhookRetry: {
      attempts: config.webhookRetry.attempts,
      initialDelayMs: parseDuration(config.webhookRetry.initialDelay),
      maxDelayMs: parseDuration(config.webhookRetry.maxDelay)
    },
    email: {
      enabled: mailer !== undefined,
      minSeverity: config.email.minSeverity,
      recipients: (site: string) => [...new Set([...config.email.to, ...(config.email.sites[site] ?? [])])],
      send: async (message: MailMessage) => {
        if (mailer === undefined) throw new Error('no SMTP server is configured (smtp: in flows.yaml)')
        return await mailer.send(message)
      }
    },
    irrigation: {
      minSeverity: config.irrigation.minSeverity,
      confirmTimeoutMs: parseDuration(config.irrigation.confirmTimeout),
      valveFor: (site: string, plot: string) => {
        const v = config.irrigation.valves.find(x => x.site === site && x.plot === plot)
        return v === undefined ? undefined : { gateway: v.gateway, valve: v.valve, command: v.command, openValue: v.openValue }
      }
    },
    ingest: {
      alertsUrl: (query: Record<string, string | number>) => {
        const qs = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)])).toString()
        return `${base}/v1/alerts${qs === '' ? '' : `?${qs}`}`
      },
      headers: (): Record<string, string> => ingestSecret === undefined ? {} : { authorization: `Bearer ${formatToken(ingestPrincipal, ingestSecret)}` }
    },
    digest: { sites: [...config.digest.sites], periodMs: parseDuration(config.digest.period) },
    severityRank: (severity: string) => (SEVERITY_ORDER as readonly string[]).indexOf(severity)
  })
}
