// Freezes a config and everything in it: a loaded config (config.ts) and the config the running
// agent receives as JSON (main.ts) are read-only.
export function deepFreeze<T> (value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const child of Object.values(value)) deepFreeze(child)
  }
  return value
}
