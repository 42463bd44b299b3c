// Error codes raised by the ingest service. Documented in docs/errors.md.
export const ingestErrors = {
  ERR_INFLUX_UNAVAILABLE: 'InfluxDB cannot be reached or answers 5xx; the write is retried with backoff.',
  ERR_INFLUX_TIMEOUT: 'InfluxDB did not answer within the configured timeout; the write is retried.',
  ERR_INFLUX_REJECTED: 'InfluxDB refused points (e.g. a field type conflict); they are quarantined with its message.',
  ERR_INFLUX_AUTH: 'InfluxDB refused the credentials (401/403); fix influx.username/password or influx.token.',
  ERR_INFLUX_ABORTED: 'A write was abandoned because the service is shutting down; the log entry stays unreleased.',
  ERR_INFLUX_QUERY: 'An InfluxQL query failed; the message is InfluxDB\'s.'
} as const

export type IngestErrorCode = keyof typeof ingestErrors
