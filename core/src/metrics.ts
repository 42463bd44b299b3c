// Prometheus text exposition (format 0.0.4) for counters, gauges and histograms, with labels.
// Every process exposes one registry; nothing here is global.

type Labels = Record<string, string>

interface Series { labels: Labels, value: number }

function key (labels: Labels): string {
  return Object.keys(labels).sort().map(k => `${k}=${labels[k]}`).join(',')
}

function formatLabels (labels: Labels): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`)
  return parts.length === 0 ? '' : `{${parts.join(',')}}`
}

export interface Counter { inc: (labels?: Labels, by?: number) => void, get: (labels?: Labels) => number }
export interface Gauge { set: (value: number, labels?: Labels) => void, get: (labels?: Labels) => number }
export interface Histogram { observe: (value: number, labels?: Labels) => void }

interface Metric { name: string, help: string, type: 'counter' | 'gauge' | 'histogram', render: () => string[] }

export interface MetricsRegistry {
  counter: (name: string, help: string) => Counter
  gauge: (name: string, help: string, collect?: () => Array<{ value: number, labels?: Labels }> | number) => Gauge
  histogram: (name: string, help: string, buckets: number[]) => Histogram
  /** Prometheus text; `collect` callbacks of gauges run first. */
  render: () => string
}

export function createMetricsRegistry (): MetricsRegistry {
  const metrics: Metric[] = []
  return {
    counter (name, help) {
      const series = new Map<string, Series>()
      metrics.push({ name, help, type: 'counter', render: () => [...series.values()].map(s => `${name}${formatLabels(s.labels)} ${s.value}`) })
      return {
        inc (labels = {}, by = 1) {
          const k = key(labels)
          const s = series.get(k)
          if (s === undefined) series.set(k, { labels, value: by })
          else s.value += by
        },
        get: (labels = {}) => series.get(key(labels))?.value ?? 0
      }
    },
    gauge (name, help, collect) {
      const series = new Map<string, Series>()
      const set = (value: number, labels: Labels = {}): void => { series.set(key(labels), { labels, value }) }
      metrics.push({
        name,
        help,
        type: 'gauge',
        render: () => {
          if (collect !== undefined) {
            const v = collect()
            if (typeof v === 'number') set(v)
            else for (const s of v) set(s.value, s.labels)
          }
          return [...series.values()].map(s => `${name}${formatLabels(s.labels)} ${s.value}`)
        }
      })
      return { set, get: (labels = {}) => series.get(key(labels))?.value ?? 0 }
    },
    histogram (name, help, buckets) {
      const series = new Map<string, { labels: Labels, counts: number[], sum: number, count: number }>()
      metrics.push({
        name,
        help,
        type: 'histogram',
        render: () => {
          const lines: string[] = []
          for (const s of series.values()) {
            let cumulative = 0
            buckets.forEach((b, i) => {
              cumulative += s.counts[i]
              lines.push(`${name}_bucket${formatLabels({ ...s.labels, le: String(b) })} ${cumulative}`)
            })
            lines.push(`${name}_bucket${formatLabels({ ...s.labels, le: '+Inf' })} ${s.count}`)
            lines.push(`${name}_sum${formatLabels(s.labels)} ${s.sum}`)
            lines.push(`${name}_count${formatLabels(s.labels)} ${s.count}`)
          }
          return lines
        }
      })
      return {
        observe (value, labels = {}) {
          const k = key(labels)
          let s = series.get(k)
          if (s === undefined) { s = { labels, counts: buckets.map(() => 0), sum: 0, count: 0 }; series.set(k, s) }
          const i = buckets.findIndex(b => value <= b)
          if (i >= 0) s.counts[i]++
          s.sum += value
          s.count++
        }
      }
    },
    render () {
      const out: string[] = []
      for (const m of metrics) {
        const lines = m.render()
        out.push(`# HELP ${m.name} ${m.help}`, `# TYPE ${m.name} ${m.type}`, ...lines)
      }
      return out.join('\n') + '\n'
    }
  }
}
