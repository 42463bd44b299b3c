// Error codes raised by the edge agent. docs/errors.md documents them (test/conventions keeps the
// two in step). Each message says what the operator should do.

export const edgeErrors = {
  ERR_EDGE_CONFIG: 'The edge config names something that does not exist (a profile, a port, a device); fix edge.yaml.',
  ERR_EDGE_ARGS: 'The command line is wrong; run "shennong edge --help".',
  ERR_EDGE_POLL_TIMEOUT: 'A poll took longer than the runner allows; the device is slow or the bus is blocked.',
  ERR_MODBUS_TIMEOUT: 'A Modbus slave did not answer within the request timeout; check wiring, address and baud rate.',
  ERR_MODBUS_CRC: 'A Modbus reply failed its CRC; check termination, grounding and cable length.',
  ERR_MODBUS_FRAME: 'A Modbus reply was malformed (wrong address, function, length); check for two masters or address clashes.',
  ERR_MODBUS_EXCEPTION: 'A Modbus slave answered with an exception code; check the device profile (function, register).',
  ERR_MODBUS_PORT: 'The serial port of a Modbus bus could not be opened or failed; check the device path and permissions.',
  ERR_NMEA_PORT: 'The serial port of a GNSS receiver could not be opened or failed.',
  ERR_SERIAL_LINE_PARSE: 'A line from a serial sensor did not match the configured format.',
  ERR_CMD_INVALID: 'A command payload is not {"id","name","args"} JSON; fix the sender.',
  ERR_CMD_UNKNOWN: 'The command names a device or command that this gateway does not offer.',
  ERR_CMD_REFUSED: 'The command is known but its arguments are not allowed by the gateway config.',
  ERR_CMD_FAILED: 'The command was executed but the device did not confirm it.',
  ERR_SPOOL_FULL: 'The spool refused readings (policy backpressure); readings taken meanwhile were lost and counted.'
} as const

export type EdgeErrorCode = keyof typeof edgeErrors
