// CPU time and resident memory of a process, from /proc (Linux), for the benchmarks.
import { readFileSync } from 'node:fs'

export function cpuAndRss (pid: number | undefined): { cpuMs: number, rssMb: number } {
  if (pid === undefined) return { cpuMs: 0, rssMb: 0 }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
    const ticks = Number(stat[11]) + Number(stat[12])
    const rss = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return { cpuMs: ticks * 10, rssMb: Math.round(Number(rss?.[1] ?? 0) / 1024) }
  } catch {
    return { cpuMs: 0, rssMb: 0 }
  }
}
