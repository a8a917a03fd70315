import type { BinaryField } from './binary-delta.js'
import type { SignedStateStore } from './signed-state.js'

/** One server → client JSON message (a text frame carries one, or an array of them). */
export interface ServerMessage {
  type: string
  componentId?: string
  requestId?: string
  success?: boolean
  result?: unknown
  error?: unknown
  payload?: unknown
  [field: string]: unknown
}

/** One client → server JSON message. */
export interface ClientMessage {
  type: string
  componentId?: string
  payload?: unknown
  [field: string]: unknown
}

/** Error raised for failed requests; `response` is the server frame that caused it, if any. */
export class LiveError extends Error {
  override name = 'LiveError'

  constructor(message: string, readonly response?: ServerMessage) {
    super(message)
  }
}

/** The error text of a server frame: `error`, else `payload.error`, else `fallback`. */
export function errorText(msg: ServerMessage, fallback = 'Request failed'): string {
  if (typeof msg.error === 'string') return msg.error
  const nested = (msg.payload as { error?: unknown } | undefined)?.error
  return typeof nested === 'string' ? nested : fallback
}

/**
 * What component and room handles need from their connection.
 * @internal
 */
export interface ConnectionPort {
  readonly requestTimeoutMs: number
  readonly store: SignedStateStore
  send(msg: ClientMessage): boolean
  request(msg: ClientMessage, timeoutMs?: number): Promise<ServerMessage>
  /** Sends a binary upload chunk with a fresh `requestId` in its header. */
  requestBinary(header: ClientMessage, bytes: Uint8Array, timeoutMs?: number): Promise<ServerMessage>
  /** Routes frames for `id` to `handle` and replays frames buffered for `id`. */
  register(id: string, handle: { _receive(msg: ServerMessage): void }): void
  unregister(id: string): void
  /** Adds the handle to the set that is (re)attached whenever a session opens. */
  activate(handle: { _attach(): void }): void
  deactivate(handle: object): void
  /** The binary delta fields of component type `name`, if the app gave them. */
  binaryFields(name: string): readonly BinaryField[] | undefined
}
