// E-mail for the flows: one nodemailer SMTP transport built from `smtp:` in flows.yaml. Function
// nodes reach it as `global.get('shennong').email.send(...)`; the password stays in this closure.
import { createRequire } from 'node:module'
import { parseDuration } from '@shennong/core/duration.ts'
import type { FlowsConfig } from './config.ts'

export interface MailMessage {
  to: string[]
  subject: string
  text: string
}

export interface Mailer {
  send: (message: MailMessage) => Promise<{ messageId: string, accepted: string[] }>
  close: () => void
}

interface Transport {
  sendMail: (message: Record<string, unknown>) => Promise<{ messageId: string, accepted: unknown[] }>
  close: () => void
}

const require = createRequire(import.meta.url)
const nodemailer = require('nodemailer') as { createTransport: (options: Record<string, unknown>) => Transport }

export function createMailer (smtp: NonNullable<FlowsConfig['smtp']>): Mailer {
  const timeout = parseDuration(smtp.timeout)
  const transport = nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.security === 'tls',
    requireTLS: smtp.security === 'starttls',
    ignoreTLS: smtp.security === 'none',
    auth: smtp.user === undefined ? undefined : { user: smtp.user, pass: smtp.password ?? '' },
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout
  })
  return {
    async send (message) {
      const info = await transport.sendMail({ from: smtp.from, to: message.to, subject: message.subject, text: message.text })
      return { messageId: info.messageId, accepted: info.accepted.map(String) }
    },
    close () { transport.close() }
  }
}
