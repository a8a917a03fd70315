/**
 * The HTTP transports for when a WebSocket cannot open (reference §16, docs/transports.md):
 * Server-Sent Events and long-polling. Each is a {@link WebSocketLike}, so the connection
 * treats every transport the same way.
 * @module
 */
import type { WebSocketLike } from './connection.js'

/** A transport: a WebSocket, Server-Sent Events, or HTTP long-polling. */
export type TransportName = 'websocket' | 'sse' | 'http'

/** The fallback order used unless `transports` says otherwise. */
export const DEFAULT_TRANSPORTS: readonly TransportName[] = ['websocket', 'sse', 'http']

/** The part of `fetch` the HTTP transports use (the browser's and Node's both fit). */
export type FetchLike = (url: string, init?: {
  method?: string
  headers?: Record<string, string>
  body?: string | Uint8Array | ArrayBuffer
  signal?: AbortSignal
}) => Promise<ResponseLike>

/** The part of a `fetch` response the HTTP transports use. */
export interface ResponseLike {
  readonly status: number
  readonly ok: boolean
  readonly body: ReadableStream<Uint8Array> | null
  json(): Promise<unknown>
}

/** The header that carries a session's token. */
const SESSION_HEADER = 'X-Live-Session'
/** SSE opens only on a `session` event within this long. */
const SESSION_TIMEOUT_MS = 10_000
/** The close code a refused origin (HTTP 403) becomes, as on a WebSocket. */
const ORIGIN_REFUSED = 4003

const CONNECTING = 0
const OPEN = 1
const CLOSED = 3

/** `ws(s)://host/…/ws` → `http(s)://host/…/sse` (or `/http`). */
export function httpUrl(wsUrl: string, tail: 'sse' | 'http'): string {
  return wsUrl.replace(/^ws(s?):/, 'http$1:').replace(/\/ws$/, `/${tail}`)
}

/** What the two HTTP transports share: the socket events and POSTing frames one at a time. */
abstract class HttpSocket implements WebSocketLike {
  readyState = CONNECTING
  binaryType = 'arraybuffer'
  onopen: ((event: any) => void) | null = null
  onmessage: ((event: any) => void) | null = null
  onclose: ((event: any) => void) | null = null
  onerror: ((event: any) => void) | null = null

  protected token: string | null = null
  protected readonly abort = new AbortController()
  private readonly outbox: Array<string | Uint8Array> = []
  private sending = false

  constructor(protected readonly base: string, protected readonly fetch: FetchLike) {
    queueMicrotask(() => { void this.run().catch(() => this.fail(1006)) })
  }

  /** Opens the session and reads what the server sends until it ends. */
  protected abstract run(): Promise<void>
  /** `POST …/send`. */
  protected abstract sendPath(): string
  /** `POST …/close`. */
  protected abstract closePath(): string

  send(data: string | ArrayBuffer | Uint8Array): void {
    if (this.readyState !== OPEN) throw new Error('not open')
    this.outbox.push(typeof data === 'string' ? data : data instanceof Uint8Array ? data : new Uint8Array(data))
    void this.drain()
  }

  close(): void {
    if (this.readyState === CLOSED) return
    const token = this.token
    this.readyState = CLOSED
    this.abort.abort()
    if (token) {
      void this.fetch(this.closePath(), { method: 'POST', headers: { [SESSION_HEADER]: token } }).catch(() => {})
    }
  }

  /** Every frame its own POST, one at a time, in order. 401/404/410: the session is lost. */
  private async drain(): Promise<void> {
    if (this.sending) return
    this.sending = true
    try {
      while (this.outbox.length > 0 && this.readyState === OPEN && this.token) {
        const frame = this.outbox.shift()!
        const binary = typeof frame !== 'string'
        const response = await this.fetch(this.sendPath(), {
          method: 'POST',
          headers: { [SESSION_HEADER]: this.token, 'Content-Type': binary ? 'application/octet-stream' : 'application/json' },
          body: frame,
          signal: this.abort.signal,
        })
        if (response.status === 401 || response.status === 404 || response.status === 410) this.fail(1006)
        // Any other refusal (413 included) loses this frame only.
      }
    } catch {
      this.fail(1006)
    } finally {
      this.sending = false
    }
  }

  protected opened(token: string): void {
    if (this.readyState !== CONNECTING) return
    this.token = token
    this.readyState = OPEN
    this.onopen?.({})
  }

  protected deliver(data: string | ArrayBuffer): void {
    if (this.readyState === OPEN) this.onmessage?.({ data })
  }

  /** Ends the socket with `code`, as a WebSocket close event would. */
  protected fail(code: number, reason = ''): void {
    if (this.readyState === CLOSED) return
    this.readyState = CLOSED
    this.abort.abort()
    this.onclose?.({ code, reason })
  }

  /** The close code a failed open answer means. */
  protected refused(status: number): number {
    return status === 403 ? ORIGIN_REFUSED : 1006
  }
}

/** Server-Sent Events down (`GET /sse`), one POST per frame up (`POST /sse/send`). */
export class SseSocket extends HttpSocket {
  constructor(wsUrl: string, fetch: FetchLike) {
    super(httpUrl(wsUrl, 'sse'), fetch)
  }

  protected sendPath(): string { return `${this.base}/send` }
  protected closePath(): string { return `${this.base}/close` }

  protected async run(): Promise<void> {
    const timer = setTimeout(() => this.fail(1006), SESSION_TIMEOUT_MS)
    try {
      const response = await this.fetch(this.base, { headers: { Accept: 'text/event-stream' }, signal: this.abort.signal })
      if (!response.ok || !response.body) return this.fail(this.refused(response.status))
      const reader = response.body.getReader()
      const decoder = new TextDecoder()
      let buffered = ''
      for (;;) {
        const { value, done } = await reader.read()
        if (done) break
        buffered += decoder.decode(value, { stream: true }).replace(/\r\n/g, '\n')
        let end: number
        while ((end = buffered.indexOf('\n\n')) >= 0) {
          const block = buffered.slice(0, end)
          buffered = buffered.slice(end + 2)
          const event = parseEvent(block)
          if (event) this.onEvent(event.name, event.data, timer)
          if (this.readyState === CLOSED) return
        }
      }
      this.fail(1006)
    } finally {
      clearTimeout(timer)
    }
  }

  private onEvent(name: string, data: string, timer: ReturnType<typeof setTimeout>): void {
    if (this.readyState === CONNECTING) {
      if (name !== 'session') return
      const token = parseJson(data)?.token
      if (typeof token !== 'string') return
      clearTimeout(timer)
      this.opened(token)
    } else if (name === 'message') {
      this.deliver(data)
    } else if (name === 'binary') {
      this.deliver(base64ToBuffer(data))
    } else if (name === 'close') {
      const close = parseJson(data)
      this.fail(typeof close?.code === 'number' ? close.code : 1005, typeof close?.reason === 'string' ? close.reason : '')
    }
  }
}

/** Long-polling: `GET /http` for a token, `GET /http/poll` again and again, `POST /http/send`. */
export class PollingSocket extends HttpSocket {
  constructor(wsUrl: string, fetch: FetchLike) {
    super(httpUrl(wsUrl, 'http'), fetch)
  }

  protected sendPath(): string { return `${this.base}/send` }
  protected closePath(): string { return `${this.base}/close` }

  protected async run(): Promise<void> {
    const opening = await this.fetch(this.base, { signal: this.abort.signal })
    if (!opening.ok) return this.fail(this.refused(opening.status))
    const token = (await opening.json() as { token?: unknown } | null)?.token
    if (typeof token !== 'string') return this.fail(1006)
    this.opened(token)
    while (this.readyState === OPEN) {
      const response = await this.fetch(`${this.base}/poll`, { headers: { [SESSION_HEADER]: token }, signal: this.abort.signal })
      if (!response.ok) return this.fail(1006)
      const answer = await response.json() as { frames?: unknown; closed?: { code?: unknown; reason?: unknown } } | null
      for (const frame of Array.isArray(answer?.frames) ? answer.frames : []) {
        if (typeof frame?.t === 'string') this.deliver(frame.t)
        else if (typeof frame?.b === 'string') this.deliver(base64ToBuffer(frame.b))
      }
      const closed = answer?.closed
      if (closed) return this.fail(typeof closed.code === 'number' ? closed.code : 1005, typeof closed.reason === 'string' ? closed.reason : '')
    }
  }
}

/** One SSE block: its event name (default `message`) and its data lines joined; null without data. */
export function parseEvent(block: string): { name: string; data: string } | null {
  let name = 'message'
  const data: string[] = []
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) continue
    const colon = line.indexOf(':')
    const field = colon < 0 ? line : line.slice(0, colon)
    let value = colon < 0 ? '' : line.slice(colon + 1)
    if (value.startsWith(' ')) value = value.slice(1)
    if (field === 'event') name = value
    else if (field === 'data') data.push(value)
  }
  return data.length > 0 ? { name, data: data.join('\n') } : null
}

function parseJson(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text)
    return typeof value === 'object' && value !== null ? value as Record<string, unknown> : null
  } catch {
    return null
  }
}

function base64ToBuffer(base64: string): ArrayBuffer {
  const binary = atob(base64)
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  return bytes.buffer
}
