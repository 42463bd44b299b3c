// `shennong principal add | list | remove | rotate`: manages the principals (gateways, devices,
// services, users) that the broker and ingest authenticate. Secrets are printed once and stored only
// as scrypt hashes (ARCHITECTURE §9).
import { mkdirSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { formatToken, openPrincipalStore, principalsPath, PRINCIPAL_KINDS, ROLES, type Principal, type PrincipalKind, type PrincipalStore, type Role } from '../../core/src/principals.ts'

export const USAGE = `Usage: shennong principal <command> [options]

Commands:
  add <id> --kind gateway|device|service|user [--role ${ROLES.join('|')}]
           [--site <site>]... [--description <text>]
                  create a principal; prints its secret ONCE, and the HTTP bearer token
  list            list principals (never their secrets)
  remove <id>     delete a principal; its connections are refused from then on
  rotate <id>     give a principal a new secret; the old one stops working

Options:
  --data-dir <dir>  where principals.db lives (default: $SHENNONG_DATA_DIR, else ./.data)
  --json            print JSON instead of text
  -h, --help        show this text

MQTT: user name = the principal id, password = its secret.
HTTP: Authorization: Bearer <id>.<secret>

A gateway or device belongs to exactly one site (--site); a farmer to one or more.
Default roles: gateway and device → gateway, service → service, user → farmer.
`

interface Io {
  out: (text: string) => void
  err: (text: string) => void
  env: Record<string, string | undefined>
}

const defaultIo: Io = {
  out: text => { process.stdout.write(text) },
  err: text => { process.stderr.write(text) },
  env: process.env
}

class UsageError extends Error {}

function describe (p: Principal): string {
  const sites = p.sites.length === 0 ? 'all sites' : `site${p.sites.length > 1 ? 's' : ''} ${p.sites.join(', ')}`
  return `${p.kind} "${p.id}" (role ${p.role}, ${sites})`
}

function printSecret (io: Io, id: string, secret: string): void {
  io.out(`Secret (shown once; store it now, it cannot be shown again):\n  ${secret}\n`)
  io.out(`MQTT: user name ${id}, password the secret above\n`)
  io.out(`HTTP bearer token:\n  ${formatToken(id, secret)}\n`)
}

function table (rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map(r => r[i].length)))
  return rows.map(r => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()).join('\n') + '\n'
}

function oneId (positionals: string[], command: string): string {
  if (positionals.length !== 1) throw new UsageError(`${command} takes exactly one principal id`)
  return positionals[0]
}

async function run (store: PrincipalStore, command: string, positionals: string[], values: Record<string, unknown>, io: Io): Promise<number> {
  const json = values.json === true
  switch (command) {
    case 'add': {
      const id = oneId(positionals, 'add')
      const kind = values.kind as string | undefined
      if (kind === undefined) throw new UsageError(`add needs --kind (${PRINCIPAL_KINDS.join('|')})`)
      if (!(PRINCIPAL_KINDS as readonly string[]).includes(kind)) throw new UsageError(`--kind must be one of ${PRINCIPAL_KINDS.join(', ')}, not "${kind}"`)
      const role = values.role as string | undefined
      if (role !== undefined && !(ROLES as readonly string[]).includes(role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}, not "${role}"`)
      const { principal, secret } = await store.add({
        id,
        kind: kind as PrincipalKind,
        ...(role !== undefined ? { role: role as Role } : {}),
        sites: (values.site as string[] | undefined) ?? [],
        ...(values.description !== undefined ? { description: values.description as string } : {})
      })
      if (json) io.out(JSON.stringify({ principal, secret, token: formatToken(id, secret) }) + '\n')
      else {
        io.out(`Added ${describe(principal)}.\n`)
        printSecret(io, id, secret)
      }
      return 0
    }
    case 'list': {
      if (positionals.length > 0) throw new UsageError('list takes no arguments')
      const all = store.list()
      if (json) {
        io.out(JSON.stringify(all) + '\n')
        return 0
      }
      if (all.length === 0) {
        io.out('No principals yet. Add one: shennong principal add <id> --kind gateway --site <site>\n')
        return 0
      }
      io.out(table([
        ['ID', 'KIND', 'ROLE', 'SITES', 'CREATED', 'ROTATED', 'DESCRIPTION'],
        ...all.map(p => [p.id, p.kind, p.role, p.sites.join(',') || '-', new Date(p.createdAt).toISOString(), p.rotatedAt === null ? '-' : new Date(p.rotatedAt).toISOString(), p.description])
      ]))
      return 0
    }
    case 'remove': {
      const id = oneId(positionals, 'remove')
      if (!store.remove(id)) {
        io.err(`shennong principal: no principal "${id}" (see: shennong principal list)\n`)
        return 1
      }
      if (json) io.out(JSON.stringify({ removed: id }) + '\n')
      else io.out(`Removed principal "${id}". Its secret no longer authenticates.\n`)
      return 0
    }
    case 'rotate': {
      const id = oneId(positionals, 'rotate')
      const secret = await store.rotate(id)
      if (json) io.out(JSON.stringify({ id, secret, token: formatToken(id, secret) }) + '\n')
      else {
        io.out(`Rotated the secret of "${id}"; the old secret no longer authenticates.\n`)
        printSecret(io, id, secret)
      }
      return 0
    }
    default:
      throw new UsageError(`unknown command "${command}"`)
  }
}

export async function main (argv: string[], io: Io = defaultIo): Promise<number> {
  let parsed
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        kind: { type: 'string' },
        role: { type: 'string' },
        site: { type: 'string', multiple: true },
        description: { type: 'string' },
        'data-dir': { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' }
      }
    })
  } catch (err) {
    io.err(`shennong principal: ${(err as Error).message}\n\n${USAGE}`)
    return 2
  }
  const { values, positionals } = parsed
  if (values.help === true) {
    io.out(USAGE)
    return 0
  }
  const [command, ...rest] = positionals
  if (command === undefined) {
    io.err(USAGE)
    return 2
  }
  if (!['add', 'list', 'remove', 'rotate'].includes(command)) {
    io.err(`shennong principal: unknown command "${command}"\n\n${USAGE}`)
    return 2
  }
  const fromEnv = io.env.SHENNONG_DATA_DIR
  const dataDir = values['data-dir'] ?? (fromEnv !== undefined && fromEnv !== '' ? fromEnv : '.data')
  mkdirSync(dataDir, { recursive: true })
  const store = openPrincipalStore(principalsPath(dataDir))
  try {
    return await run(store, command, rest, values, io)
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`shennong principal: ${err.message}\n\n${USAGE}`)
      return 2
    }
    const code = (err as { code?: string }).code
    if (code?.startsWith('ERR_PRINCIPAL_') === true) {
      io.err(`shennong principal: ${code}: ${(err as Error).message}\n`)
      return 1
    }
    throw err
  } finally {
    store.close()
  }
}
