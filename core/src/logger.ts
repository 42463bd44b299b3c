// A small JSON-lines logger for the processes that do not run Fastify (broker, edge, sim).
// Fastify's own pino logger writes the same shape: {level, time, name, msg, …}.
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent'

const ORDER: Record<LogLevel, number> = { debug: 20, info: 30, warn: 40, error: 50, silent: 100 }

export interface Logger {
  debug: (msg: string, fields?: Record<string, unknown>) => void
  info: (msg: string, fields?: Record<string, unknown>) => void
  warn: (msg: string, fields?: Record<string, unknown>) => void
  error: (msg: string, fields?: Record<string, unknown>) => void
  child: (name: string) => Logger
}

export function createLogger (name: string, level: LogLevel = 'info', write: (line: string) => void = line => process.stderr.write(line)): Logger {
  const min = ORDER[level]
  const emit = (lvl: Exclude<LogLevel, 'silent'>) => (msg: string, fields?: Record<string, unknown>): void => {
    if (ORDER[lvl] < min) return
    const extra: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(fields ?? {})) extra[k] = v instanceof Error ? { message: v.message, code: (v as { code?: string }).code } : v
    write(JSON.stringify({ level: ORDER[lvl], time: Date.now(), name, msg, ...extra }) + '\n')
  }
  return {
    debug: emit('debug'),
    info: emit('info'),
    warn: emit('warn'),
    error: emit('error'),
    child: (child: string) => createLogger(`${name}.${child}`, level, write)
  }
}
