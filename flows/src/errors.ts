// Error codes raised by the flows process. Documented in docs/errors.md and docs/flows.md.
export const flowsErrors = {
  ERR_FLOWS_RUNNING: 'Node-RED runs once per process and is already running here; start another flows process instead.',
  ERR_FLOWS_START: 'Node-RED did not start its flows (a node type is missing, the flow file is broken, or the start timed out); the message names the cause.',
  ERR_FLOWS_LISTEN: 'The flows HTTP server could not listen (port in use, bad host).'
} as const

export type FlowsErrorCode = keyof typeof flowsErrors
