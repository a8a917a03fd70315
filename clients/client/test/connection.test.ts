import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { LiveConnection, LiveError, type LiveConnectionOptions } from '../src/index.js'
import { FakeServer, flush } from './helpers/fake-server.js'

let server: FakeServer
const connections: LiveConnection[] = []

function connect(options: LiveConnectionOptions = {}): LiveConnection {
  // The fake server speaks WebSocket only; the fallback to SSE and long-polling is transports.test.ts's.
  const conn = new LiveConnection({ WebSocket: server.WebSocket, transports: ['websocket'], storage: null, heartbeatMs: 0, reconnect: { jitter: false }, ...options })
  connections.push(conn)
  return conn
}

beforeEach(() => { server = new FakeServer() })
afterEach(() => {
  for (const conn of connections.splice(0)) conn.close()
  vi.useRealTimers()
  vi.restoreAllMocks()
  vi.unstubAllGlobals()
})

describe('connecting', () => {
  it('opens after CONNECTION_ESTABLISHED and notifies subscribers', async () => {
    const conn = connect()
    const seen: string[] = []
    conn.subscribe(() => seen.push(conn.status))
    expect(conn.status).toBe('connecting')
    expect(conn.connected).toBe(false)
    expect(server.socket.binaryType).toBe('arraybuffer')
    await flush()
    expect(conn.status).toBe('open')
    expect(conn.connected).toBe(true)
    expect(conn.getSnapshot()).toBe(true)
    expect(conn.connectionId).toBe('conn1')
    expect(seen).toEqual(['open'])
  })

  it('is not open before the server greets it, even if the socket is open', async () => {
    server.autoAccept = false
    const conn = connect()
    server.socket.open()
    await flush()
    expect(conn.connected).toBe(false)
    server.socket.deliver({ type: 'CONNECTION_ESTABLISHED', connectionId: 'late' })
    await flush()
    expect(conn.connected).toBe(true)
  })

  it('uses the default URL outside and inside a browser', () => {
    expect(connect().url).toBe('ws://localhost:3000/api/live/ws')
    vi.stubGlobal('location', { protocol: 'https:', host: 'app.example:8443' })
    expect(connect().url).toBe('wss://app.example:8443/api/live/ws')
    expect(connect({ url: 'ws://h/x' }).url).toBe('ws://h/x')
    expect(server.sockets.map((s) => s.url)).toEqual(['ws://localhost:3000/api/live/ws', 'wss://app.example:8443/api/live/ws', 'ws://h/x'])
  })

  it('explains that Node needs a WebSocket implementation', () => {
    vi.stubGlobal('WebSocket', undefined)
    expect(() => new LiveConnection({ storage: null, transports: ['websocket'] })).toThrow(/pass options.WebSocket/)
  })

  it('does not connect before connect() when autoConnect is false', async () => {
    const conn = connect({ autoConnect: false })
    expect(server.sockets).toHaveLength(0)
    expect(conn.status).toBe('closed')
    conn.connect()
    await flush()
    expect(conn.connected).toBe(true)
  })
})

describe('requests', () => {
  it('adds an 8-character requestId and expectResponse, and resolves with the matching frame', async () => {
    const conn = connect()
    await flush()
    server.on('CUSTOM', (msg, socket) => socket.deliver({ type: 'REPLY', requestId: msg.requestId, result: 42 }))
    const reply = await conn.request({ type: 'CUSTOM' })
    const sent = server.socket.sentOf('CUSTOM')[0]!
    expect(sent.requestId).toMatch(/^[A-Za-z0-9_-]{8}$/)
    expect(sent.expectResponse).toBe(true)
    expect(reply).toMatchObject({ type: 'REPLY', result: 42, requestId: sent.requestId })
  })

  it('processes JSON array frames in order', async () => {
    const conn = connect()
    await flush()
    const order: string[] = []
    server.on('A', () => {})
    server.on('B', () => {
      const [a, b] = server.socket.sent.slice(-2)
      server.socket.deliver([
        { type: 'R', requestId: b!.requestId, result: 'b' },
        42 as never, // non-objects inside an array are skipped
        { type: 'R', requestId: a!.requestId, result: 'a' },
      ])
    })
    const pa = conn.request({ type: 'A' }).then((r) => order.push(r.result as string))
    const pb = conn.request({ type: 'B' }).then((r) => order.push(r.result as string))
    await Promise.all([pa, pb])
    expect(order).toEqual(['b', 'a'])
  })

  it('rejects on success:false and on type ERROR with the server error text', async () => {
    const conn = connect()
    await flush()
    server.on('FAIL', (msg, s) => s.deliver({ type: 'MESSAGE_RESPONSE', success: false, error: 'nope', requestId: msg.requestId }))
    server.on('ERR', (msg, s) => s.deliver({ type: 'ERROR', error: 'Invalid message: missing type', requestId: msg.requestId }))
    const failure = await conn.request({ type: 'FAIL' }).catch((e: unknown) => e)
    expect(failure).toBeInstanceOf(LiveError)
    expect((failure as LiveError).message).toBe('nope')
    expect((failure as LiveError).response?.type).toBe('MESSAGE_RESPONSE')
    await expect(conn.request({ type: 'ERR' })).rejects.toThrow('Invalid message: missing type')
  })

  it('resolves COMPONENT_REHYDRATION_REQUIRED failures so the caller can react', async () => {
    const conn = connect()
    await flush()
    server.on('CALL', (msg, s) => s.deliver({ type: 'ACTION_RESPONSE', success: false, error: 'COMPONENT_REHYDRATION_REQUIRED:abc', requestId: msg.requestId }))
    await expect(conn.request({ type: 'CALL' })).resolves.toMatchObject({ success: false })
  })

  it('is settled by the first matching frame only', async () => {
    const conn = connect()
    await flush()
    server.on('TWICE', (msg, s) => s.deliver([
      { type: 'R', requestId: msg.requestId, result: 1 },
      { type: 'R', requestId: msg.requestId, success: false, error: 'late' },
    ]))
    await expect(conn.request({ type: 'TWICE' })).resolves.toMatchObject({ result: 1 })
  })

  it('times out after requestTimeoutMs', async () => {
    vi.useFakeTimers()
    const conn = connect({ requestTimeoutMs: 3000 })
    await flush()
    server.on('SILENT', () => {})
    const outcome = conn.request({ type: 'SILENT' }).then(() => 'resolved', (e: Error) => e.message)
    await vi.advanceTimersByTimeAsync(2999)
    expect(await Promise.race([outcome, Promise.resolve('pending')])).toBe('pending')
    await vi.advanceTimersByTimeAsync(1)
    expect(await outcome).toBe('Request SILENT timed out after 3000ms')
  })

  it('defaults to a 10 s timeout', async () => {
    vi.useFakeTimers()
    const conn = connect()
    await flush()
    server.on('SILENT', () => {})
    const outcome = conn.request({ type: 'SILENT' }).catch((e: Error) => e.message)
    await vi.advanceTimersByTimeAsync(10_000)
    expect(await outcome).toMatch(/timed out after 10000ms/)
  })

  it('rejects pending requests when the socket closes, and refuses to send while closed', async () => {
    const conn = connect({ reconnect: false })
    await flush()
    server.on('SILENT', () => {})
    const pending = conn.request({ type: 'SILENT' })
    server.socket.serverClose(1006)
    await expect(pending).rejects.toThrow('Connection closed')
    await expect(conn.request({ type: 'X' })).rejects.toThrow('Not connected')
    expect(conn.send({ type: 'PING' })).toBe(false)
  })

  it('ignores frames it cannot parse and frames for nobody', async () => {
    const conn = connect()
    await flush()
    server.socket.deliver('not json')
    server.socket.deliver({ type: 'ERROR', error: 'Rate limit exceeded' })
    server.socket.deliver('"a string"')
    await flush()
    expect(conn.connected).toBe(true)
  })
})

describe('reconnect', () => {
  it('backs off exponentially up to maxDelayMs and resets after a successful connection', async () => {
    vi.useFakeTimers()
    server.autoAccept = false
    const conn = connect()
    const delays: number[] = []
    for (let i = 0; i < 7; i++) {
      const before = server.sockets.length
      server.socket.serverClose(1006)
      await flush()
      expect(conn.status).toBe('connecting')
      let waited = 0
      while (server.sockets.length === before) {
        await vi.advanceTimersByTimeAsync(100)
        waited += 100
      }
      delays.push(waited)
    }
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16000, 16000, 16000])

    server.accept(server.socket)
    await flush()
    expect(conn.connected).toBe(true)
    server.socket.serverClose(1006)
    await flush()
    await vi.advanceTimersByTimeAsync(999)
    expect(server.sockets).toHaveLength(8)
    await vi.advanceTimersByTimeAsync(1)
    expect(server.sockets).toHaveLength(9)
  })

  it('honours initialDelayMs and maxDelayMs', async () => {
    vi.useFakeTimers()
    server.autoAccept = false
    connect({ reconnect: { initialDelayMs: 300, maxDelayMs: 500, jitter: false } })
    for (const expected of [300, 500, 500]) {
      const before = server.sockets.length
      server.socket.serverClose(1006)
      await flush()
      await vi.advanceTimersByTimeAsync(expected - 1)
      expect(server.sockets).toHaveLength(before)
      await vi.advanceTimersByTimeAsync(1)
      expect(server.sockets).toHaveLength(before + 1)
    }
  })

  it('jitters each delay into [delay/2, delay]', async () => {
    vi.useFakeTimers()
    server.autoAccept = false
    const random = vi.spyOn(Math, 'random')
    connect({ reconnect: { initialDelayMs: 1000 } })
    random.mockReturnValue(0)
    server.socket.serverClose(1006)
    await flush()
    await vi.advanceTimersByTimeAsync(500)
    expect(server.sockets).toHaveLength(2)
    random.mockReturnValue(0.5)
    server.socket.serverClose(1006) // attempt 2: base 2000 → 1000 + 0.5 * 1000
    await flush()
    await vi.advanceTimersByTimeAsync(1499)
    expect(server.sockets).toHaveLength(2)
    await vi.advanceTimersByTimeAsync(1)
    expect(server.sockets).toHaveLength(3)
  })

  it('treats close code 4003 as fatal', async () => {
    vi.useFakeTimers()
    const conn = connect()
    await flush()
    server.socket.serverClose(4003, 'Origin not allowed')
    await flush()
    expect(conn.status).toBe('closed')
    expect(conn.error).toBe('Connection rejected: origin not allowed')
    await vi.advanceTimersByTimeAsync(60_000)
    expect(server.sockets).toHaveLength(1)
  })

  it('does not reconnect after close() or with reconnect: false', async () => {
    vi.useFakeTimers()
    const conn = connect()
    await flush()
    conn.close()
    expect(conn.status).toBe('closed')
    expect(server.socket.readyState).toBe(3)
    const other = connect({ reconnect: false })
    await flush()
    server.socket.serverClose(1006)
    await flush()
    expect(other.status).toBe('closed')
    await vi.advanceTimersByTimeAsync(60_000)
    expect(server.sockets).toHaveLength(2)
  })
})

describe('heartbeat', () => {
  it('sends {"type":"PING"} every heartbeatMs while open', async () => {
    vi.useFakeTimers()
    connect({ heartbeatMs: 30_000 })
    await flush()
    await vi.advanceTimersByTimeAsync(29_999)
    expect(server.socket.sentOf('PING')).toHaveLength(0)
    await vi.advanceTimersByTimeAsync(1)
    expect(server.socket.sent.at(-1)).toEqual({ type: 'PING' })
    await vi.advanceTimersByTimeAsync(60_000)
    expect(server.socket.sentOf('PING')).toHaveLength(3)
  })

  it('reconnects after three failed heartbeats', async () => {
    vi.useFakeTimers()
    const conn = connect({ heartbeatMs: 1000 })
    await flush()
    server.socket.readyState = 2 // stuck closing: sends fail, no close event ever comes
    await vi.advanceTimersByTimeAsync(2000)
    expect(conn.connected).toBe(true)
    await vi.advanceTimersByTimeAsync(1000)
    expect(conn.status).toBe('connecting')
    await vi.advanceTimersByTimeAsync(1000)
    expect(server.sockets).toHaveLength(2)
    expect(conn.connected).toBe(true)
  })
})

describe('auth', () => {
  beforeEach(() => {
    server.on('AUTH', (msg, socket) => {
      const ok = msg.payload.token === 'good'
      socket.deliver({
        type: 'AUTH_RESPONSE',
        success: ok,
        payload: ok ? { authenticated: true, session: { id: 'user-42', roles: ['admin'] } } : { authenticated: false, error: 'Authentication failed' },
        requestId: msg.requestId,
      })
    })
  })

  it('sends AUTH after CONNECTION_ESTABLISHED, before opening, and again after a reconnect', async () => {
    vi.useFakeTimers()
    const conn = connect({ auth: { token: 'good' } })
    await flush()
    expect(server.socket.sent[0]).toMatchObject({ type: 'AUTH', payload: { token: 'good' }, expectResponse: true })
    expect(conn.connected).toBe(true)
    expect(conn.authenticated).toBe(true)
    expect(conn.session).toEqual({ id: 'user-42', roles: ['admin'] })
    expect(Object.isFrozen(conn.session!.roles)).toBe(true)

    server.socket.serverClose(1006)
    await flush()
    expect(conn.authenticated).toBe(false)
    await vi.advanceTimersByTimeAsync(1000)
    expect(server.socket.sent[0]).toMatchObject({ type: 'AUTH', payload: { token: 'good' } })
    expect(conn.authenticated).toBe(true)
  })

  it('stays anonymous (but open) when AUTH fails', async () => {
    const conn = connect({ auth: { token: 'bad' } })
    await flush()
    expect(conn.connected).toBe(true)
    expect(conn.authenticated).toBe(false)
    expect(conn.session).toBeNull()
    expect(await conn.authenticate({ token: 'good' })).toBe(true)
    expect(conn.session?.id).toBe('user-42')
  })

  it('sends no AUTH without credentials', async () => {
    connect()
    await flush()
    expect(server.socket.sentOf('AUTH')).toHaveLength(0)
  })
})
