// Clock sanity (issue 3 §4): a gateway without RTC or NTP boots in 1970 or jumps when NTP finally
// syncs. The monitor compares the wall clock against a sane epoch and against the monotonic clock;
// readings taken while the state is not `synchronised` are flagged `suspect` and the status says why.

export type ClockState = 'synchronised' | 'unsynchronised' | 'jumped'

export interface ClockMonitorOptions {
  /** Wall-clock times before this (epoch ms) mean the clock was never set. */
  saneAfterMs: number
  /** A wall-clock step larger than this (against the monotonic clock) is a jump. */
  jumpThresholdMs: number
  /** How long readings stay flagged after a jump. */
  holdMs: number
  now?: () => number
  monotonic?: () => number
}

export interface ClockMonitor {
  check: () => ClockState
  status: () => { state: ClockState, lastJumpMs: number | null, lastJumpAt: number | null }
}

export function createClockMonitor (options: ClockMonitorOptions): ClockMonitor {
  const now = options.now ?? Date.now
  const monotonic = options.monotonic ?? (() => performance.now())
  let lastWall = now()
  let lastMono = monotonic()
  let jumpedUntilMono = -Infinity
  let lastJumpMs: number | null = null
  let lastJumpAt: number | null = null
  let state: ClockState = 'synchronised'

  function check (): ClockState {
    const wall = now()
    const mono = monotonic()
    const drift = (wall - lastWall) - (mono - lastMono)
    if (Math.abs(drift) > options.jumpThresholdMs) {
      jumpedUntilMono = mono + options.holdMs
      lastJumpMs = Math.round(drift)
      lastJumpAt = wall
    }
    lastWall = wall
    lastMono = mono
    if (wall < options.saneAfterMs) state = 'unsynchronised'
    else if (mono < jumpedUntilMono) state = 'jumped'
    else state = 'synchronised'
    return state
  }

  return {
    check,
    status: () => ({ state: check(), lastJumpMs, lastJumpAt })
  }
}
