// Aedes preConnect: MQTT 3.1.1 only, and remember the client's last will for authenticate.
import type { Client, ConnectPacket } from 'aedes'
import type { HookContext } from '../hook-context.ts'

export function createPreConnect (ctx: HookContext) {
  return function preConnect (client: Client, packet: ConnectPacket, callback: (error: Error | null, success: boolean) => void): void {
    if (packet.protocolVersion !== 4) {
      // MQTT 3.1.1 §3.1.2.2 [MQTT-3.1.2-2]: an unsupported protocol level is answered with CONNACK
      // 0x01. Aedes does that for levels outside 3..4 itself; MQTT 3.1 (level 3) is moved out of that
      // range so it gets the same answer instead of a session.
      ctx.refuse('protocol', { protocolVersion: packet.protocolVersion, remote: (client.conn as { remoteAddress?: string }).remoteAddress })
      ;(packet as { protocolVersion: number }).protocolVersion = 0
    }
    if (packet.will != null) ctx.wills.set(client, packet.will)
    callback(null, true)
  }
}
