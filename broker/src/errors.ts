// Error codes raised by the broker. Documented in docs/broker.md ("Errors").
export const brokerErrors = {
  ERR_BROKER_NOT_AUTHORIZED: 'A publish or a last will lies outside what the principal may publish (ACL); the connection is closed (MQTT 3.1.1 §3.3.5).',
  ERR_BROKER_PAYLOAD_TOO_LARGE: 'A PUBLISH payload exceeds limits.maxPayloadBytes; the connection is closed. Send smaller batches.',
  ERR_BROKER_RATE_LIMITED: 'A principal published faster than limits.publishRate allows; the connection is closed. Slow down or raise the limit.',
  ERR_BROKER_LOG_APPEND: 'A telemetry message could not be appended to the ingest log (full or closed); no PUBACK is sent and the connection is closed, so the sender keeps it and retries.',
  ERR_BROKER_LISTEN: 'A listener could not be started (port in use, unreadable TLS files).'
} as const

export type BrokerErrorCode = keyof typeof brokerErrors
