// What the HTTP server needs beyond the config schema: the TLS files of http.tls (readable, PEM, a
// certificate and its key) and the reverse proxies of http.trustProxy. loadIngestConfig reports
// their problems with the schema's, every one at once; buildApp then reads the files once to
// build Fastify's server options (HTTPS only when http.tls is set).
import { readFileSync } from 'node:fs'
import { isIP } from 'node:net'
import { createSecureContext } from 'node:tls'
import type { ConfigIssue } from '@shennong/core/config.ts'
import { ShennongError } from '@shennong/core/errors.ts'
import type { HttpConfig } from './config.ts'

/** proxy-addr's names for reserved ranges, which Fastify's trustProxy accepts besides addresses. */
const NAMED_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal'])

function isProxyAddress (entry: string): boolean {
  if (NAMED_RANGES.has(entry)) return true
  const [address, prefix, ...rest] = entry.split('/')
  const version = isIP(address)
  if (version === 0 || rest.length > 0) return false
  if (prefix === undefined) return true
  if (!/^\d{1,3}$/.test(prefix)) return version === 4 && isIP(prefix) === 4 // a netmask
  return Number(prefix) <= (version === 4 ? 32 : 128)
}

function readPem (file: string, path: string, issues: ConfigIssue[]): Buffer | undefined {
  try {
    return readFileSync(file)
  } catch (err) {
    issues.push({ path, message: `cannot read ${file}: ${(err as Error).message}` })
    return undefined
  }
}

/** Problems of http.tls and http.trustProxy in a completed config document (valid or not). */
export function httpConfigIssues (completed: unknown): ConfigIssue[] {
  const http = (completed as { http?: { tls?: { cert?: unknown, key?: unknown }, trustProxy?: unknown } } | undefined)?.http
  const issues: ConfigIssue[] = []
  if (Array.isArray(http?.trustProxy)) {
    http.trustProxy.forEach((entry: unknown, i) => {
      if (typeof entry === 'string' && entry !== '' && !isProxyAddress(entry)) {
        issues.push({ path: `http.trustProxy.${i}`, message: `${JSON.stringify(entry)} is not an address, a CIDR range (10.0.0.0/8) or one of loopback, linklocal, uniquelocal` })
      }
    })
  }
  const cert = typeof http?.tls?.cert === 'string' ? http.tls.cert : ''
  const key = typeof http?.tls?.key === 'string' ? http.tls.key : ''
  if (cert === '' && key === '') return issues
  if (cert === '') issues.push({ path: 'http.tls.cert', message: 'is required when http.tls.key is set: the PEM certificate file' })
  if (key === '') issues.push({ path: 'http.tls.key', message: 'is required when http.tls.cert is set: the PEM private key file' })
  const certPem = cert === '' ? undefined : readPem(cert, 'http.tls.cert', issues)
  const keyPem = key === '' ? undefined : readPem(key, 'http.tls.key', issues)
  if (certPem !== undefined && keyPem !== undefined) {
    try {
      createSecureContext({ cert: certPem, key: keyPem })
    } catch (err) {
      issues.push({ path: 'http.tls', message: `${cert} and ${key} are not a PEM certificate and its private key: ${(err as Error).message}` })
    }
  }
  return issues
}

export interface HttpServerOptions {
  /** Set when http.tls is: Fastify then serves HTTPS only. */
  https: { cert: Buffer, key: Buffer } | null
  trustProxy: string[] | false
}

/** Reads the TLS files (checked at config load; a file gone since is still a clear error). */
export function buildHttpServerOptions (http: Pick<HttpConfig, 'tls' | 'trustProxy'>): HttpServerOptions {
  const trustProxy = http.trustProxy.length === 0 ? false : [...http.trustProxy]
  if (http.tls.cert === '' && http.tls.key === '') return { https: null, trustProxy }
  const issues: ConfigIssue[] = []
  const cert = readPem(http.tls.cert, 'http.tls.cert', issues)
  const key = readPem(http.tls.key, 'http.tls.key', issues)
  if (cert === undefined || key === undefined) {
    throw new ShennongError('ERR_CONFIG_INVALID', `cannot serve HTTPS:\n${issues.map(i => `  - ${i.path}: ${i.message}`).join('\n')}`, { details: { issues } })
  }
  return { https: { cert, key }, trustProxy }
}
