// The in-process output: an event emitter the API and Node-RED nodes listen on. Listeners run
// synchronously, each guarded, so a failing listener never reaches the engine.
import { EventEmitter } from 'node:events'
import type { AlertEvent } from '../alert.ts'
import type { AlertSink } from './alert-sink.ts'

export interface EventSink extends AlertSink {
  /** Calls the listener with every event delivered from now on; returns the function that stops it. */
  subscribe: (listener: (event: AlertEvent) => void) => () => void
}

export function createEventSink (deps: { onListenerError?: (err: Error) => void } = {}): EventSink {
  const emitter = new EventEmitter()
  emitter.setMaxListeners(0)
  return {
    name: 'events',
    deliver (event) {
      for (const listener of emitter.listeners('alert') as Array<(e: AlertEvent) => void>) {
        try {
          listener(event)
        } catch (err) {
          deps.onListenerError?.(err as Error)
        }
      }
    },
    pending: () => 0,
    subscribe (listener) {
      emitter.on('alert', listener)
      return () => { emitter.off('alert', listener) }
    },
    async close () {
      emitter.removeAllListeners()
    }
  }
}
