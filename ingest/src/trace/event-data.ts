// What each client event type carries in `data` (TypeBox, checked before an event is hashed).
// Fields the service adds itself (a catch's vessel position, a transport's cold-chain profile,
// an inspection's pass/fail) are refused from clients, so a record never mixes claimed and measured.
import Type, { type TSchema } from 'typebox'
import { describeSchemaErrors } from '@shennong/core/config.ts'
import type { ClientEventType } from './trace-model.ts'
import { traceError } from './trace-errors.ts'

const Text = (description?: string) => Type.String({ minLength: 1, maxLength: 500, ...(description === undefined ? {} : { description }) })
const Opt = <T extends TSchema>(s: T) => Type.Optional(s)
export const QuantitySchema = Type.Object({ value: Type.Number({ minimum: 0 }), unit: Type.String({ minLength: 1, maxLength: 16 }) }, { additionalProperties: false })
const Note = Opt(Type.String({ maxLength: 2000 }))
const Epoch = Type.Integer({ minimum: 0, description: 'epoch ms' })

export const EVENT_DATA: Record<ClientEventType, TSchema> = {
  planting: Type.Object({ variety: Opt(Text()), seedLot: Opt(Text()), seedSupplier: Opt(Text()), area: Opt(QuantitySchema), note: Note }, { additionalProperties: false }),
  stocking: Type.Object({ species: Text(), count: Opt(Type.Integer({ minimum: 0 })), source: Opt(Text()), quantity: Opt(QuantitySchema), note: Note }, { additionalProperties: false }),
  input: Type.Object({
    category: Type.Union(['pesticide', 'fertiliser', 'feed', 'veterinary-drug', 'other'].map(c => Type.Literal(c))),
    product: Text('trade name'),
    registrationNumber: Opt(Text('pesticide registration (PD…), fertiliser registration or feed licence number')),
    activeIngredient: Opt(Text()),
    dose: QuantitySchema,
    area: Opt(QuantitySchema),
    method: Opt(Text()),
    operator: Text('actor id of whoever applied it'),
    preHarvestIntervalDays: Opt(Type.Integer({ minimum: 0 })),
    note: Note
  }, { additionalProperties: false }),
  irrigation: Type.Object({ volume: Opt(QuantitySchema), durationMinutes: Opt(Type.Number({ minimum: 0 })), source: Opt(Text()), note: Note }, { additionalProperties: false }),
  inspection: Type.Object({
    lab: Text('laboratory or inspection body'),
    reportNumber: Opt(Text()),
    sampledAt: Opt(Epoch),
    results: Type.Array(Type.Object({
      item: Text('what was measured, e.g. chlorpyrifos'),
      value: Type.Number(),
      unit: Type.String({ maxLength: 16 }),
      limit: Type.Number(),
      /** max (default): pass when value ≤ limit; min: pass when value ≥ limit. */
      limitType: Opt(Type.Union([Type.Literal('max'), Type.Literal('min')])),
      standard: Opt(Text('e.g. GB 2763-2021'))
    }, { additionalProperties: false }), { minItems: 1, maxItems: 200 }),
    note: Note
  }, { additionalProperties: false }),
  harvest: Type.Object({ quantity: QuantitySchema, note: Note }, { additionalProperties: false }),
  catch: Type.Object({ quantity: QuantitySchema, species: Opt(Text()), gear: Opt(Text()), note: Note }, { additionalProperties: false }),
  processing: Type.Object({ process: Text(), output: Opt(QuantitySchema), note: Note }, { additionalProperties: false }),
  storage: Type.Object({ from: Epoch, to: Opt(Epoch), temperature: Opt(Text()), note: Note }, { additionalProperties: false }),
  transport: Type.Object({
    from: Text('where it left'),
    to: Text('where it arrived'),
    vehicle: Opt(Text()),
    departedAt: Epoch,
    arrivedAt: Epoch,
    coldChain: Opt(Type.Object({
      site: Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,63}$' }),
      device: Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,63}$' }),
      range: Opt(Type.Object({ min: Type.Number(), max: Type.Number() }, { additionalProperties: false }))
    }, { additionalProperties: false })),
    note: Note
  }, { additionalProperties: false }),
  sale: Type.Object({
    to: Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,63}$', description: 'the organisation that takes it over' }),
    shop: Opt(Text('shop or market name as shown to buyers')),
    quantity: Opt(QuantitySchema),
    note: Note
  }, { additionalProperties: false })
}

/** Validates a client event's data; throws ERR_TRACE_INVALID naming every problem. */
export function checkEventData (type: ClientEventType, data: unknown): Record<string, unknown> {
  const issues = describeSchemaErrors(EVENT_DATA[type], data)
  if (issues.length > 0) throw traceError(400, 'ERR_TRACE_INVALID', `data of a ${type} event: ${issues.map(i => `${i.path === '' ? '(data)' : i.path}: ${i.message}`).join('; ')}`)
  const d = structuredClone(data) as Record<string, unknown>
  if (type === 'transport' && (d.arrivedAt as number) < (d.departedAt as number)) throw traceError(400, 'ERR_TRACE_INVALID', 'data.arrivedAt is before data.departedAt')
  if (type === 'inspection') {
    // Pass/fail is computed, not claimed: value ≤ limit (max) or ≥ limit (min).
    const results = (d.results as Array<Record<string, unknown>>).map(r => {
      const pass = r.limitType === 'min' ? (r.value as number) >= (r.limit as number) : (r.value as number) <= (r.limit as number)
      return { ...r, limitType: r.limitType ?? 'max', pass }
    })
    d.results = results
    d.pass = results.every(r => r.pass)
  }
  return d
}
