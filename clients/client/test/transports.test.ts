import { afterEach, describe, expect, it, vi } from 'vitest'
import { LiveConnection, parseEvent, httpUrl, type FetchLike, type LiveConnectionOptions, type ResponseLike, type WebSocketLike } from '../src/index.js'
import { flush } from './helpers/fake-server.js'

/** A request the fake HTTP server saw. */
interface Seen { method: string; url: string; headers: Record<string, string>; body?: string }

/** An open SSE response: the test pushes events into it. */
interface Stream { push(text: string): void; end(): void }

const encoder = new TextEncoder()

/**
 * A scripted Live server over HTTP: SSE and long-polling as reference §16 describes, enough
 * for the connection to open, send and be closed.
 */
class FakeHttp {
  readonly seen: Seen[] = []
  readonly streams: Stream[] = []
  /** Status for `GET /sse` and `GET /http` (200 opens a session). */
  openStatus = 200
  /** Status for POSTs of frames. */
  sendStatus = 204
  /** Long-polling answers waiting to be handed out, in order; an empty queue holds the poll. */
  readonly polls: Array<{ frames: Array<{ t?: string; b?: string }>; closed?: { code: number; reason: string } }> = []
  private waitingPoll: (() => void) | null = null

  readonly fetch: FetchLike = async (url, init = {}) => {
    const method = init.method ?? 'GET'
    const body = typeof init.body === 'string' ? init.body : init.body === undefined ? undefined : '<binary>'
    this.seen.push({ method, url, headers: init.headers ?? {}, body })
    const path = new URL(url).pathname
    if (method === 'GET' && path.endsWith('/sse')) {
      if (this.openStatus !== 200) return response(this.openStatus)
      let controller!: ReadableStreamDefaultController<Uint8Array>
      const body = new ReadableStream<Uint8Array>({ start: (c) => { controller = c } })
      const stream = { push: (text: string) => controller.enqueue(encoder.encode(text)), end: () => controller.close() }
      init.signal?.addEventListener('abort', () => { try { controller.error(new Error('aborted')) } catch { /* closed */ } })
      this.streams.push(stream)
      stream.push(`event: session\ndata: {"token":"${'a'.repeat(64)}"}\n\n`)
      stream.push('event: message\ndata: {"type":"CONNECTION_ESTABLISHED","connectionId":"sse1"}\n\n')
      return response(200, null, body)
    }
    if (method === 'GET' && path.endsWith('/http')) {
      if (this.openStatus !== 200) return response(this.openStatus)
      this.polls.push({ frames: [{ t: '{"type":"CONNECTION_ESTABLISHED","connectionId":"poll1"}' }] })
      return response(200, { token: 'b'.repeat(64) })
    }
    if (method === 'GET' && path.endsWith('/http/poll')) {
      while (this.polls.length === 0) {
        await new Promise<void>((resolve, reject) => {
          this.waitingPoll = resolve
          init.signal?.addEventListener('abort', () => reject(new Error('aborted')))
        })
      }
      return response(200, this.polls.shift())
    }
    if (method === 'POST') return response(path.endsWith('/send') ? this.sendStatus : 204)
    return response(404)
  }

  /** Queues a poll answer (and releases a held poll). */
  answerPoll(answer: FakeHttp['polls'][number]): void {
    this.polls.push(answer)
    this.waitingPoll?.()
    this.waitingPoll = null
  }

  posts(): Seen[] { return this.seen.filter((s) => s.method === 'POST') }
}

function response(status: number, json: unknown = null, body: ReadableStream<Uint8Array> | null = null): ResponseLike {
  return { status, ok: status >= 200 && status < 300, body, json: async () => json }
}

/** A WebSocket that never opens: every attempt closes with 1006 (a proxy that blocks it). */
function blockedWebSocket(attempts: string[]): new (url: string) => WebSocketLike {
  return class {
    readyState = 0
    binaryType = 'blob'
    onopen: ((event: any) => void) | null = null
    onmessage: ((event: any) => void) | null = null
    onclose: ((event: any) => void) | null = null
    onerror: ((event: any) => void) | null = null
    constructor(url: string) {
      attempts.push(url)
      queueMicrotask(() => { this.readyState = 3; this.onclose?.({ code: 1006 }) })
    }
    send(): void { throw new Error('not open') }
    close(): void {}
  }
}

const connections: LiveConnection[] = []
function connect(options: LiveConnectionOptions): LiveConnection {
  const conn = new LiveConnection({ url: 'ws://h/api/live/ws', storage: null, heartbeatMs: 0, reconnect: { jitter: false, initialDelayMs: 10 }, ...options })
  connections.push(conn)
  return conn
}

afterEach(() => {
  for (const conn of connections.splice(0)) conn.close()
  vi.useRealTimers()
})

describe('fallback', () => {
  it('moves from a WebSocket that cannot open to SSE after two failures, then sends over POST', async () => {
    vi.useFakeTimers()
    const http = new FakeHttp()
    const attempts: string[] = []
    const conn = connect({ WebSocket: blockedWebSocket(attempts), fetch: http.fetch })
    await vi.advanceTimersByTimeAsync(100)
    expect(attempts).toEqual(['ws://h/api/live/ws', 'ws://h/api/live/ws'])
    expect(conn.transport).toBe('sse')
    expect(conn.status).toBe('open')
    expect(conn.connectionId).toBe('sse1')
    expect(http.seen[0]).toMatchObject({ method: 'GET', url: 'http://h/api/live/sse' })

    expect(conn.send({ type: 'PING' })).toBe(true)
    expect(conn.send({ type: 'PING', n: 2 })).toBe(true)
    await vi.advanceTimersByTimeAsync(10)
    expect(http.posts().map((p) => [p.url, p.headers['X-Live-Session'], p.headers['Content-Type'], p.body])).toEqual([
      ['http://h/api/live/sse/send', 'a'.repeat(64), 'application/json', '{"type":"PING"}'],
      ['http://h/api/live/sse/send', 'a'.repeat(64), 'application/json', '{"type":"PING","n":2}'],
    ])
  })

  it('skips a missing WebSocket at once', async () => {
    const http = new FakeHttp()
    vi.stubGlobal('WebSocket', undefined)
    const conn = connect({ fetch: http.fetch })
    await vi.waitFor(() => expect(conn.status).toBe('open'))
    expect(conn.transport).toBe('sse')
    expect(http.seen[0]!.url).toBe('http://h/api/live/sse')
    vi.unstubAllGlobals()
  })

  it('can be forced onto long-polling: CONNECTION_ESTABLISHED comes with the first poll, frames are t and b', async () => {
    const http = new FakeHttp()
    const attempts: string[] = []
    const conn = connect({ WebSocket: blockedWebSocket(attempts), fetch: http.fetch, transports: ['http'] })
    await vi.waitFor(() => expect(conn.status).toBe('open'))
    expect(attempts).toEqual([])
    expect(conn.transport).toBe('http')
    expect(conn.connectionId).toBe('poll1')
    const reply = conn.request({ type: 'NOPE' })
    await vi.waitFor(() => expect(http.posts()).toHaveLength(1))
    const requestId = JSON.parse(http.posts()[0]!.body!).requestId
    expect(http.posts()[0]!.url).toBe('http://h/api/live/http/send')
    http.answerPoll({ frames: [{ b: 'AQID' }, { t: JSON.stringify({ type: 'MESSAGE_RESPONSE', success: true, requestId }) }] })
    await expect(reply).resolves.toMatchObject({ requestId })
  })

  it('treats a 403 at connect as the origin close: fatal, no retry', async () => {
    const http = new FakeHttp()
    http.openStatus = 403
    const conn = connect({ fetch: http.fetch, transports: ['sse'] })
    await vi.waitFor(() => expect(conn.status).toBe('closed'))
    expect(conn.error).toBe('Connection rejected: origin not allowed')
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(http.seen).toHaveLength(1)
  })

  it('reconnects through the same transport when an open session is lost', async () => {
    const http = new FakeHttp()
    const conn = connect({ fetch: http.fetch, transports: ['sse'] })
    await vi.waitFor(() => expect(conn.status).toBe('open'))
    http.streams[0]!.push('event: close\ndata: {"code":1001,"reason":"Server shutting down"}\n\n')
    await vi.waitFor(() => expect(http.streams).toHaveLength(2))
    await vi.waitFor(() => expect(conn.status).toBe('open'))
    expect(conn.transport).toBe('sse')
  })

  it('a 404 on send means the session is lost: it reconnects; a 413 only loses the frame', async () => {
    const http = new FakeHttp()
    const conn = connect({ fetch: http.fetch, transports: ['sse'] })
    await vi.waitFor(() => expect(conn.status).toBe('open'))
    http.sendStatus = 413
    conn.send({ type: 'PING' })
    await vi.waitFor(() => expect(http.posts()).toHaveLength(1))
    await flush()
    expect(http.streams).toHaveLength(1)
    http.sendStatus = 404
    conn.send({ type: 'PING' })
    await vi.waitFor(() => expect(http.streams).toHaveLength(2))
  })
})

describe('the SSE format', () => {
  it('joins data lines, defaults the name, drops comments and events without data', () => {
    expect(parseEvent('event: message\ndata: {"a":\ndata: 1}')).toEqual({ name: 'message', data: '{"a":\n1}' })
    expect(parseEvent('data: x')).toEqual({ name: 'message', data: 'x' })
    expect(parseEvent(': ping')).toBeNull()
    expect(parseEvent('event: close')).toBeNull()
  })

  it('derives the endpoints from the WebSocket URL', () => {
    expect(httpUrl('wss://h:1/api/live/ws', 'sse')).toBe('https://h:1/api/live/sse')
    expect(httpUrl('ws://h/api/live/ws', 'http')).toBe('http://h/api/live/http')
  })
})
