// A JSON schema (written with TypeBox) for the parts of Grafana's dashboard model that matter to
// Grafana 10/11 when it provisions a dashboard (public/app/features/dashboard/state,
// @grafana/schema Dashboard): schemaVersion, uid and title, panels with id, type, gridPos,
// datasource and targets, templating variables and annotations. Unknown extra keys are allowed
// (Grafana keeps them), missing or mistyped known keys are errors.
import Type from 'typebox'

const DatasourceRef = Type.Object({ type: Type.String({ minLength: 1 }), uid: Type.String({ minLength: 1 }) })

const GridPos = Type.Object({
  x: Type.Integer({ minimum: 0, maximum: 23 }),
  y: Type.Integer({ minimum: 0 }),
  w: Type.Integer({ minimum: 1, maximum: 24 }),
  h: Type.Integer({ minimum: 1 })
})

const InfluxTarget = Type.Object({
  refId: Type.String({ pattern: '^[A-Z]$' }),
  datasource: DatasourceRef,
  query: Type.String({ minLength: 1 }),
  rawQuery: Type.Literal(true),
  resultFormat: Type.Union([Type.Literal('time_series'), Type.Literal('table'), Type.Literal('logs')])
})

const PromTarget = Type.Object({
  refId: Type.String({ pattern: '^[A-Z]$' }),
  datasource: DatasourceRef,
  expr: Type.String({ minLength: 1 })
})

export const PANEL_TYPES = ['timeseries', 'stat', 'table', 'geomap', 'bargauge', 'state-timeline', 'text', 'gauge', 'barchart'] as const

const Threshold = Type.Object({ color: Type.String({ minLength: 1 }), value: Type.Union([Type.Number(), Type.Null()]) })

const Panel = Type.Object({
  id: Type.Integer({ minimum: 1 }),
  type: Type.Union(PANEL_TYPES.map(t => Type.Literal(t))),
  title: Type.String({ minLength: 1 }),
  gridPos: GridPos,
  datasource: Type.Optional(DatasourceRef),
  targets: Type.Optional(Type.Array(Type.Union([InfluxTarget, PromTarget]), { minItems: 1 })),
  fieldConfig: Type.Optional(Type.Object({
    defaults: Type.Object({
      thresholds: Type.Optional(Type.Object({ mode: Type.Union([Type.Literal('absolute'), Type.Literal('percentage')]), steps: Type.Array(Threshold, { minItems: 1 }) })),
      unit: Type.Optional(Type.String())
    }),
    overrides: Type.Array(Type.Object({ matcher: Type.Object({ id: Type.String(), options: Type.Optional(Type.Unknown()) }), properties: Type.Array(Type.Object({ id: Type.String(), value: Type.Optional(Type.Unknown()) })) }))
  })),
  options: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  transformations: Type.Optional(Type.Array(Type.Object({ id: Type.String({ minLength: 1 }), options: Type.Record(Type.String(), Type.Unknown()) })))
})

const Variable = Type.Object({
  name: Type.String({ pattern: '^[a-zA-Z_][a-zA-Z0-9_]*$' }),
  type: Type.Union(['query', 'custom', 'textbox', 'constant', 'interval', 'datasource'].map(t => Type.Literal(t))),
  query: Type.String(),
  datasource: Type.Optional(DatasourceRef),
  refresh: Type.Optional(Type.Union([Type.Literal(0), Type.Literal(1), Type.Literal(2)])),
  multi: Type.Optional(Type.Boolean()),
  includeAll: Type.Optional(Type.Boolean()),
  hide: Type.Union([Type.Literal(0), Type.Literal(1), Type.Literal(2)])
})

const Annotation = Type.Object({
  name: Type.String({ minLength: 1 }),
  datasource: DatasourceRef,
  enable: Type.Boolean(),
  iconColor: Type.String(),
  builtIn: Type.Optional(Type.Integer()),
  query: Type.Optional(Type.String())
})

export const DashboardSchema = Type.Object({
  uid: Type.String({ pattern: '^[a-zA-Z0-9_-]{1,40}$' }),
  title: Type.String({ minLength: 1 }),
  schemaVersion: Type.Integer({ minimum: 36 }),
  version: Type.Optional(Type.Integer()),
  editable: Type.Optional(Type.Boolean()),
  tags: Type.Array(Type.String()),
  time: Type.Object({ from: Type.String(), to: Type.String() }),
  refresh: Type.Optional(Type.Union([Type.String(), Type.Literal(false)])),
  templating: Type.Object({ list: Type.Array(Variable) }),
  annotations: Type.Object({ list: Type.Array(Annotation) }),
  panels: Type.Array(Panel, { minItems: 1 })
})
