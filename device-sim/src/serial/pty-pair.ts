// A virtual serial cable: two pseudo-terminals joined by socat. The agent opens one end, a
// simulator the other, exactly as they would open /dev/ttyUSB0 on a gateway.
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface PtyPair {
  /** The end a device (simulator) opens. */
  device: string
  /** The end the agent opens. */
  host: string
  close: () => Promise<void>
}

export async function openPtyPair (dir: string = mkdtempSync(join(tmpdir(), 'shennong-pty-'))): Promise<PtyPair> {
  const device = join(dir, 'device')
  const host = join(dir, 'host')
  const child: ChildProcess = spawn('socat', [`pty,raw,echo=0,link=${device}`, `pty,raw,echo=0,link=${host}`], { stdio: 'ignore' })
  const deadline = Date.now() + 5000
  while (!(existsSync(device) && existsSync(host))) {
    if (child.exitCode !== null) throw new Error(`socat exited with ${child.exitCode}; is socat installed?`)
    if (Date.now() > deadline) { child.kill(); throw new Error('socat did not create the pty pair within 5 s') }
    await new Promise(resolve => setTimeout(resolve, 20))
  }
  return {
    device,
    host,
    close: async () => {
      if (child.exitCode !== null) return
      const exited = new Promise(resolve => child.once('exit', resolve))
      child.kill('SIGTERM')
      await exited
    }
  }
}
