// GET /openapi.json: the OpenAPI 3 document @fastify/swagger builds from the route schemas.
// GET /docs: a plain HTML page listing every endpoint from that document, with a link to it.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'

interface Operation { summary?: string, description?: string, tags?: string[] }
type OpenApi = { info?: { title?: string, version?: string }, paths?: Record<string, Record<string, Operation>> }

function escapeHtml (text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

export function renderDocsPage (doc: OpenApi): string {
  const rows: string[] = []
  for (const [path, ops] of Object.entries(doc.paths ?? {})) {
    for (const [method, op] of Object.entries(ops)) {
      rows.push(`<tr><td><code>${escapeHtml(method.toUpperCase())}</code></td><td><code>${escapeHtml(path)}</code></td><td><b>${escapeHtml(op.summary ?? '')}</b><br>${escapeHtml(op.description ?? '')}</td></tr>`)
    }
  }
  const title = escapeHtml(doc.info?.title ?? 'Shennong ingest API')
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${title}</title>
<style>body{font-family:system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem}table{border-collapse:collapse;width:100%}td{border-top:1px solid #ddd;padding:.5rem;vertical-align:top}code{white-space:nowrap}</style>
</head><body>
<h1>${title} ${escapeHtml(doc.info?.version ?? '')}</h1>
<p>Authenticate with <code>Authorization: Bearer &lt;id&gt;.&lt;secret&gt;</code> (create a principal with <code>shennong principal add</code>).
Errors are <code>{ statusCode, code, error, message }</code>; the codes are listed in docs/errors.md.
The machine-readable description is <a href="/openapi.json">/openapi.json</a> (OpenAPI 3).</p>
<table><thead><tr><th>method</th><th>path</th><th>what</th></tr></thead><tbody>
${rows.join('\n')}
</tbody></table></body></html>
`
}

export const docsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger())
  app.get('/docs', { schema: { hide: true } }, async (_request, reply) => {
    reply.type('text/html; charset=utf-8')
    return renderDocsPage(app.swagger() as OpenApi)
  })
}
