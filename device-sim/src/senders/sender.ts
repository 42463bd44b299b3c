// What the fleet needs from a transport: open one session per site gateway, send a payload and
// learn whether the far end acknowledged it (MQTT PUBACK, HTTP 202), close. `send` never throws:
// a failure is a result, and the transport counts its errors by kind for the report.

export interface GatewayEndpoint {
  site: string
  id: string
  secret: string
  /** How many devices it speaks for (reported in its status). */
  devices: number
}

export type SendResult = { ok: true } | { ok: false, reason: string }

export interface Sender {
  readonly transport: string
  open: (gateways: readonly GatewayEndpoint[]) => Promise<void>
  send: (gateway: GatewayEndpoint, payload: string) => Promise<SendResult>
  /** Ends every session; pending sends resolve as not acknowledged. */
  close: () => Promise<void>
  /** Error counts by kind, e.g. `{ "status_503": 4, "network": 1 }`. */
  errors: () => Record<string, number>
}
