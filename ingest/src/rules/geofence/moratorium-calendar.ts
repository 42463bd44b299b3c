// Recurring yearly windows ("05-01T12:00" → "09-16T12:00") in a fixed UTC offset, as China's summer
// fishing moratorium is published per sea area (Beijing time). A window whose end is before its
// start runs over the new year.
export interface YearlyWindow { from: [number, number, number, number], until: [number, number, number, number] }

const MD = /^(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}))?$/

export function parseMonthDay (text: string): [number, number, number, number] | null {
  const m = MD.exec(text)
  if (m === null) return null
  const parts: [number, number, number, number] = [Number(m[1]), Number(m[2]), Number(m[3] ?? 0), Number(m[4] ?? 0)]
  if (parts[0] < 1 || parts[0] > 12 || parts[1] < 1 || parts[1] > 31 || parts[2] > 23 || parts[3] > 59) return null
  return parts
}

export function parseUtcOffset (text: string): number | null {
  const m = /^([+-])(\d{2}):(\d{2})$/.exec(text)
  if (m === null) return null
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) * 60_000
}

function at (year: number, p: [number, number, number, number], offsetMs: number): number {
  return Date.UTC(year, p[0] - 1, p[1], p[2], p[3]) - offsetMs
}

/** The window containing t, as [start, end) epoch ms, or null. */
export function activeWindow (t: number, windows: readonly YearlyWindow[], offsetMs: number): [number, number] | null {
  const year = new Date(t + offsetMs).getUTCFullYear()
  for (const w of windows) {
    for (const y of [year - 1, year]) {
      const start = at(y, w.from, offsetMs)
      let end = at(y, w.until, offsetMs)
      if (end <= start) end = at(y + 1, w.until, offsetMs)
      if (t >= start && t < end) return [start, end]
    }
  }
  return null
}
