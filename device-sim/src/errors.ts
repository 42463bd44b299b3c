// Error codes raised by the device simulator. Documented in docs/errors.md.
export const simErrors = {
  ERR_SIM_OPTIONS: 'A command-line option or runSim option is missing or malformed; every problem is listed.',
  ERR_SIM_CREDENTIALS: 'The credentials file cannot be read, is not JSON, or lacks a gateway for a kind with devices.',
  ERR_SIM_CONNECT: 'A gateway could not connect to the broker (refused credentials, unreachable, timeout).'
} as const

export type SimErrorCode = keyof typeof simErrors
