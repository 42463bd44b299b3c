import t from 'tap'
import { createMetricsRegistry } from './metrics.ts'

t.test('renders counters, gauges and histograms in Prometheus text', async t => {
  const m = createMetricsRegistry()
  const c = m.counter('x_total', 'things')
  c.inc({ reason: 'a "b"' })
  c.inc({ reason: 'a "b"' }, 2)
  m.gauge('depth', 'queue depth', () => 7)
  const h = m.histogram('lat_seconds', 'latency', [0.1, 1])
  h.observe(0.05)
  h.observe(0.5)
  h.observe(5)
  const text = m.render()
  t.match(text, /# TYPE x_total counter\nx_total\{reason="a \\"b\\""\} 3/)
  t.match(text, /depth 7/)
  t.match(text, /lat_seconds_bucket\{le="0.1"\} 1\nlat_seconds_bucket\{le="1"\} 2\nlat_seconds_bucket\{le="\+Inf"\} 3/)
  t.match(text, /lat_seconds_count 3/)
  t.equal(c.get({ reason: 'a "b"' }), 3)
})
