import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { LiveConnection, SIGNED_STATE_MAX_AGE_MS, type LiveConnectionOptions } from '../src/index.js'
import { FakeServer, flush, MemoryStorage, type Msg } from './helpers/fake-server.js'

let server: FakeServer
const connections: LiveConnection[] = []

function connect(options: LiveConnectionOptions = {}): LiveConnection {
  const conn = new LiveConnection({ WebSocket: server.WebSocket, storage: null, heartbeatMs: 0, reconnect: { jitter: false }, ...options })
  connections.push(conn)
  return conn
}

/** Closes the socket from the server side and lets the client reconnect (fake timers). */
async function reconnect(): Promise<void> {
  server.socket.serverClose(1006)
  await flush()
  await vi.advanceTimersByTimeAsync(1000)
  await flush()
}

beforeEach(() => {
  server = new FakeServer()
  server.defaults.Counter = { count: 0, label: 'hits' }
  server.actions.Counter = {
    increment: (state) => ({ set: { count: (state.count as number) + 1 }, result: (state.count as number) + 1 }),
    add: (state, args: { by: number }) => ({ set: { count: (state.count as number) + args.by }, result: (state.count as number) + args.by }),
  }
})
afterEach(() => {
  for (const conn of connections.splice(0)) conn.close()
  vi.useRealTimers()
})

describe('mount', () => {
  it('sends COMPONENT_MOUNT and applies the STATE_UPDATE that precedes the reply in the same array frame', async () => {
    const conn = connect()
    const counter = conn.mount('Counter', { count: 5 })
    expect(counter.status).toBe('mounting')
    expect(counter.state).toBeNull()
    await counter.ready
    expect(server.socket.sentOf('COMPONENT_MOUNT')[0]).toMatchObject({ payload: { component: 'Counter', props: { count: 5 } }, expectResponse: true })
    expect(counter.status).toBe('mounted')
    expect(counter.id).toBe(server.component('Counter').id)
    expect(counter.state).toEqual({ count: 5, label: 'hits' })
    expect(Object.isFrozen(counter.state)).toBe(true)
  })

  it('works the same when events and reply come as separate frames', async () => {
    server.batch = false
    const conn = connect()
    const counter = conn.mount('Counter')
    await counter.ready
    expect(counter.state).toEqual({ count: 0, label: 'hits' })
  })

  it('buffers every frame sent for the new id before the reply, in order', async () => {
    server.on('COMPONENT_MOUNT', (msg, socket) => socket.deliver([
      { type: 'STATE_UPDATE', componentId: 'new1', payload: { state: { count: 0, items: { a: 1 } } } },
      { type: 'STATE_DELTA', componentId: 'new1', payload: { delta: { count: 1 } } },
      { type: 'STATE_DELTA', componentId: 'new1', payload: { delta: { items: { a: null, b: 2 } } } },
      { type: 'MESSAGE_RESPONSE', success: true, result: { componentId: 'new1' }, requestId: msg.requestId },
      { type: 'STATE_DELTA', componentId: 'new1', payload: { delta: { count: 2 } } },
    ]))
    const counter = connect().mount('Counter')
    await counter.ready
    await flush()
    expect(counter.state).toEqual({ count: 2, items: { b: 2 } })
  })

  it('keeps at most 32 frames per unknown component', async () => {
    server.on('COMPONENT_MOUNT', (msg, socket) => socket.deliver([
      { type: 'STATE_UPDATE', componentId: 'big', payload: { state: { n: 0 } } },
      ...Array.from({ length: 39 }, (_, i) => ({ type: 'STATE_DELTA', componentId: 'big', payload: { delta: { n: i + 1 } } })),
      { type: 'MESSAGE_RESPONSE', success: true, result: { componentId: 'big' }, requestId: msg.requestId },
    ]))
    const handle = connect().mount('Counter')
    await handle.ready
    expect(handle.state).toEqual({ n: 31 })
  })

  it('drops buffered frames after 5 seconds', async () => {
    vi.useFakeTimers()
    let mountRequest: Msg | undefined
    server.on('COMPONENT_MOUNT', (msg) => { mountRequest = msg })
    const conn = connect()
    const handle = conn.mount('Counter')
    await flush()
    server.socket.deliver({ type: 'STATE_UPDATE', componentId: 'slow', payload: { state: { stale: true } } })
    await vi.advanceTimersByTimeAsync(5001)
    server.socket.deliver({ type: 'MESSAGE_RESPONSE', success: true, result: { componentId: 'slow', initialState: { fresh: true } }, requestId: mountRequest!.requestId })
    await flush()
    expect(handle.status).toBe('mounted')
    expect(handle.state).toEqual({ fresh: true })
  })

  it('waits for the connection before mounting', async () => {
    server.autoAccept = false
    const conn = connect()
    const counter = conn.mount('Counter')
    await flush()
    expect(server.socket.sent).toHaveLength(0)
    server.accept(server.socket)
    await counter.ready
    expect(counter.state).toEqual({ count: 0, label: 'hits' })
  })

  it('mounts only after AUTH has been answered', async () => {
    server.on('AUTH', (msg, socket) => setTimeout(() => socket.deliver({ type: 'AUTH_RESPONSE', success: true, payload: { authenticated: true, session: { id: 'u' } }, requestId: msg.requestId }), 5))
    const conn = connect({ auth: { token: 't' } })
    const counter = conn.mount('Counter')
    await counter.ready
    expect(server.socket.sent.map((m) => m.type)).toEqual(['AUTH', 'COMPONENT_MOUNT'])
  })

  it('ignores a repeated CONNECTION_ESTABLISHED on the same socket', async () => {
    const counter = connect().mount('Counter')
    await counter.ready
    server.socket.deliver({ type: 'CONNECTION_ESTABLISHED', connectionId: 'again' })
    await flush()
    expect(server.socket.sentOf('COMPONENT_MOUNT')).toHaveLength(1)
    expect(counter.status).toBe('mounted')
  })

  it('reports a failed mount in status, error and ready', async () => {
    server.on('COMPONENT_MOUNT', (msg, socket) => socket.deliver({ type: 'MESSAGE_RESPONSE', success: false, error: "Component 'Nope' not found", requestId: msg.requestId }))
    const handle = connect().mount('Nope')
    await expect(handle.ready).rejects.toThrow("Component 'Nope' not found")
    expect(handle.status).toBe('error')
    expect(handle.error).toBe("Component 'Nope' not found")
    await expect(handle.call('anything')).rejects.toThrow("Component 'Nope' not found")
  })

  it('refuses a success reply without a component id', async () => {
    server.on('COMPONENT_MOUNT', (msg, socket) => socket.deliver({ type: 'MESSAGE_RESPONSE', success: true, result: {}, requestId: msg.requestId }))
    const handle = connect().mount('Counter')
    await expect(handle.ready).rejects.toThrow('Mount failed')
  })
})

describe('state and subscriptions', () => {
  it('notifies subscribers and keeps the snapshot stable between changes', async () => {
    const counter = connect().mount('Counter')
    await counter.ready
    const snapshot = counter.getSnapshot()
    expect(counter.getSnapshot()).toBe(snapshot)
    const listener = vi.fn()
    const unsubscribe = counter.subscribe(listener)
    await counter.call('increment')
    expect(listener).toHaveBeenCalled()
    expect(counter.getSnapshot()).not.toBe(snapshot)
    expect(counter.getSnapshot()).toEqual({ count: 1, label: 'hits' })
    expect(snapshot).toEqual({ count: 0, label: 'hits' })
    listener.mockClear()
    unsubscribe()
    await counter.call('increment')
    expect(listener).not.toHaveBeenCalled()
  })

  it('applies deltas with structural sharing', async () => {
    server.defaults.Board = { players: { p1: { x: 1 }, p2: { x: 5 } }, meta: { round: 1 } }
    const board = connect().mount('Board')
    await board.ready
    const before = board.state as Msg
    server.socket.deliver({ type: 'STATE_DELTA', componentId: board.id!, payload: { delta: { players: { p1: { x: 2 }, p2: null } } } })
    await flush()
    const after = board.state as Msg
    expect(after).toEqual({ players: { p1: { x: 2 } }, meta: { round: 1 } })
    expect(after.meta).toBe(before.meta)
    expect(after.players).not.toBe(before.players)
  })

  it('does not notify for a delta that changes nothing', async () => {
    const counter = connect().mount('Counter')
    await counter.ready
    const listener = vi.fn()
    counter.subscribe(listener)
    server.socket.deliver({ type: 'STATE_DELTA', componentId: counter.id!, payload: { delta: { count: 0 } } })
    await flush()
    expect(listener).not.toHaveBeenCalled()
  })

  it('replaces the whole state on STATE_UPDATE', async () => {
    const counter = connect().mount('Counter')
    await counter.ready
    server.socket.deliver({ type: 'STATE_UPDATE', componentId: counter.id!, payload: { state: { count: 9 } } })
    await flush()
    expect(counter.state).toEqual({ count: 9 })
  })
})

describe('actions and events', () => {
  it('call() sends CALL_ACTION and resolves with the result after the delta is applied', async () => {
    const counter = connect().mount('Counter')
    const result = await counter.call('add', { by: 3 })
    expect(result).toBe(3)
    expect(counter.state?.count).toBe(3)
    expect(server.socket.sentOf('CALL_ACTION')[0]).toMatchObject({ componentId: counter.id, action: 'add', payload: { by: 3 }, expectResponse: true })
  })

  it('call() without arguments sends no payload', async () => {
    const counter = connect().mount('Counter')
    await counter.call('increment')
    expect('payload' in server.socket.sentOf('CALL_ACTION')[0]!).toBe(false)
  })

  it('call() rejects with the server error and records it', async () => {
    const counter = connect().mount('Counter')
    await expect(counter.call('secret')).rejects.toThrow("Action 'secret' is not callable")
  })

  it('fire() sends expectResponse:false without a requestId; a failure reply lands in error', async () => {
    const counter = connect().mount('Counter')
    counter.fire('increment')
    await flush()
    const sent = server.socket.sentOf('CALL_ACTION')[0]!
    expect(sent).toMatchObject({ action: 'increment', expectResponse: false })
    expect(sent.requestId).toBeUndefined()
    expect(counter.state?.count).toBe(1)
    counter.fire('secret')
    await flush()
    expect(counter.error).toBe("Action 'secret' is not callable")
  })

  it('set() rejects with the server error', async () => {
    server.on('PROPERTY_UPDATE', (msg, s) => s.deliver({ type: 'MESSAGE_RESPONSE', componentId: msg.componentId, success: false, error: "PROPERTY_UPDATE rejected: 'secret' is not an updatable field of 'Counter'", requestId: msg.requestId }))
    const counter = connect().mount('Counter')
    await expect(counter.set('secret', 1)).rejects.toThrow(/not an updatable field/)
  })

  it('set() sends PROPERTY_UPDATE', async () => {
    const counter = connect().mount('Counter')
    await counter.set('label', 'clicks')
    expect(server.socket.sentOf('PROPERTY_UPDATE')[0]).toMatchObject({ componentId: counter.id, property: 'label', payload: { value: 'clicks' } })
    expect(counter.state?.label).toBe('clicks')
  })

  it('on() receives custom component events; ERROR events set error', async () => {
    const chat = connect().mount('Chat')
    await chat.ready
    const typing = vi.fn()
    chat.on('chat:typing', typing)
    server.socket.deliver([
      { type: 'chat:typing', componentId: chat.id!, payload: { user: 'ana' } },
      { type: 'ERROR', componentId: chat.id!, payload: { action: 'send', error: 'Too long' } },
    ])
    await flush()
    expect(typing).toHaveBeenCalledWith({ user: 'ana' }, expect.objectContaining({ type: 'chat:typing' }))
    expect(chat.error).toBe('Too long')
  })

  it('delivers BROADCAST to every component except the sender', async () => {
    const conn = connect()
    const a = conn.mount('Cursor')
    const b = conn.mount('Cursor')
    await Promise.all([a.ready, b.ready])
    const seenA = vi.fn()
    const seenB = vi.fn()
    a.on('BROADCAST', seenA)
    b.on('BROADCAST', seenB)
    server.socket.deliver({ type: 'BROADCAST', componentId: a.id!, payload: { type: 'cursor:move', data: { x: 1 } }, room: 'lobby' })
    await flush()
    expect(seenA).not.toHaveBeenCalled()
    expect(seenB).toHaveBeenCalledWith({ type: 'cursor:move', data: { x: 1 } }, expect.anything())
  })

  it('re-attaches when the server answers COMPONENT_REHYDRATION_REQUIRED', async () => {
    const counter = connect().mount('Counter')
    await counter.ready
    const oldId = counter.id
    server.components.clear() // the server forgot the component
    await expect(counter.call('increment')).rejects.toThrow(/COMPONENT_REHYDRATION_REQUIRED/)
    await flush()
    expect(counter.status).toBe('mounted')
    expect(counter.id).not.toBe(oldId)
    expect(await counter.call('increment')).toBe(1)
  })
})

describe('unmount and shared handles', () => {
  it('unmount() sends COMPONENT_UNMOUNT and stops updates', async () => {
    const counter = connect().mount('Counter')
    await counter.ready
    const id = counter.id!
    const listener = vi.fn()
    counter.subscribe(listener)
    counter.unmount()
    expect(counter.status).toBe('unmounted')
    listener.mockClear()
    server.socket.deliver({ type: 'STATE_DELTA', componentId: id, payload: { delta: { count: 7 } } })
    await flush()
    expect(server.socket.sentOf('COMPONENT_UNMOUNT')).toEqual([{ type: 'COMPONENT_UNMOUNT', componentId: id }])
    expect(counter.state?.count).toBe(0)
    expect(listener).not.toHaveBeenCalled()
    await expect(counter.call('increment')).rejects.toThrow(/not mounted/)
  })

  it('unmounting before the mount reply rejects ready and removes the orphan on the server', async () => {
    let mountRequest: Msg | undefined
    server.on('COMPONENT_MOUNT', (msg) => { mountRequest = msg })
    const counter = connect().mount('Counter')
    await flush()
    expect(mountRequest).toBeDefined()
    counter.unmount()
    await expect(counter.ready).rejects.toThrow(/unmounted/)
    server.socket.deliver({ type: 'MESSAGE_RESPONSE', success: true, result: { componentId: 'orphan' }, requestId: mountRequest!.requestId })
    await flush()
    expect(server.socket.sentOf('COMPONENT_UNMOUNT')).toEqual([{ type: 'COMPONENT_UNMOUNT', componentId: 'orphan' }])
    expect(counter.status).toBe('unmounted')
  })

  it('unmounting before the connection opens sends nothing', async () => {
    const counter = connect().mount('Counter')
    counter.unmount()
    await flush()
    expect(server.socket.sent).toHaveLength(0)
  })

  it('shared() mounts once for all retainers and unmounts after the last release', async () => {
    const conn = connect()
    const a = conn.shared('Counter', { count: 1 })
    const b = conn.shared('Counter', { count: 1 })
    expect(a).toBe(b)
    expect(conn.shared('Counter', { count: 2 })).not.toBe(a)
    expect(a.status).toBe('idle')
    const releaseA = a.retain()
    const releaseB = b.retain()
    await a.ready
    expect(server.socket.sentOf('COMPONENT_MOUNT')).toHaveLength(1)
    releaseA()
    releaseA()
    await flush()
    expect(a.status).toBe('mounted')
    releaseB()
    await flush()
    expect(a.status).toBe('unmounted')
    expect(server.socket.sentOf('COMPONENT_UNMOUNT')).toHaveLength(1)
    expect(conn.shared('Counter', { count: 1 })).not.toBe(a)
  })

  it('a release immediately followed by a retain (React StrictMode) does not unmount', async () => {
    const conn = connect()
    const handle = conn.shared('Counter')
    handle.retain()()
    const release = handle.retain()
    await handle.ready
    await flush()
    expect(handle.status).toBe('mounted')
    expect(server.socket.sentOf('COMPONENT_MOUNT')).toHaveLength(1)
    expect(server.socket.sentOf('COMPONENT_UNMOUNT')).toHaveLength(0)
    release()
  })
})

describe('signed state and reconnect', () => {
  it('persists shape-valid signed states per component name', async () => {
    server.signing = true
    const storage = new MemoryStorage()
    const counter = connect({ storage }).mount('Counter')
    await counter.ready
    const stored = () => JSON.parse(storage.getItem('live_component_Counter')!)
    expect(stored().signedState).toMatchObject({ componentId: counter.id, version: 1 })
    await counter.call('increment') // STATE_SIGNATURE follows the delta
    expect(stored().signedState.version).toBe(2)
    server.socket.deliver({ type: 'STATE_SIGNATURE', componentId: counter.id!, payload: { signedState: { data: '{}', signature: 'x', version: 9 } } })
    await flush()
    expect(stored().signedState.version).toBe(2)
  })

  it('after a reconnect tries COMPONENT_REHYDRATE, falls back to a fresh mount, and keeps the handle', async () => {
    vi.useFakeTimers()
    server.signing = true
    const storage = new MemoryStorage()
    const counter = connect({ storage }).mount('Counter')
    await counter.ready
    await counter.call('add', { by: 4 })
    const oldId = counter.id
    const seen: unknown[] = []
    counter.subscribe(() => seen.push(counter.state?.count))

    await reconnect()
    const sent = server.socket.sent.map((m) => m.type)
    expect(sent).toEqual(['COMPONENT_REHYDRATE', 'COMPONENT_MOUNT'])
    expect(server.socket.sent[0]).toMatchObject({ componentId: oldId, payload: { component: 'Counter', signedState: { componentId: oldId } } })
    expect(counter.status).toBe('mounted')
    expect(counter.id).not.toBe(oldId)
    expect(counter.state?.count).toBe(0) // the fresh mount has the default state
    expect(seen.at(-1)).toBe(0)
    expect(await counter.call('increment')).toBe(1)
    expect(JSON.parse(storage.getItem('live_component_Counter')!).signedState.componentId).toBe(counter.id)
  })

  it('after a reconnect restores the state when the server accepts the signed state', async () => {
    vi.useFakeTimers()
    server.signing = true
    server.acceptRehydrate = true
    const counter = connect().mount('Counter')
    await counter.call('add', { by: 4 })
    const oldId = counter.id
    await reconnect()
    expect(server.socket.sent.map((m) => m.type)).toEqual(['COMPONENT_REHYDRATE'])
    expect(counter.id).not.toBe(oldId)
    expect(counter.state).toEqual({ count: 4, label: 'hits' })
    expect(await counter.call('increment')).toBe(5)
  })

  it('mounts afresh when COMPONENT_REHYDRATE gets no answer within 2 s', async () => {
    vi.useFakeTimers()
    server.signing = true
    const counter = connect().mount('Counter')
    await counter.ready
    server.on('COMPONENT_REHYDRATE', () => {})
    await reconnect()
    expect(server.socket.sent.map((m) => m.type)).toEqual(['COMPONENT_REHYDRATE'])
    await vi.advanceTimersByTimeAsync(1999)
    expect(server.socket.sentOf('COMPONENT_MOUNT')).toHaveLength(0)
    await vi.advanceTimersByTimeAsync(1)
    await flush()
    expect(server.socket.sentOf('COMPONENT_MOUNT')).toHaveLength(1)
    expect(counter.status).toBe('mounted')
  })

  it('mounts directly after a reconnect when the server never sent a signed state (the Rust server today)', async () => {
    vi.useFakeTimers()
    const counter = connect().mount('Counter')
    await counter.ready
    const statuses: string[] = []
    counter.subscribe(() => statuses.push(counter.status))
    await reconnect()
    expect(server.socket.sent.map((m) => m.type)).toEqual(['COMPONENT_MOUNT'])
    expect(statuses[0]).toBe('mounting')
    expect(statuses.at(-1)).toBe('mounted')
  })

  it('rehydrates from storage on the first mount (page reload), unless disabled or too old', async () => {
    server.acceptRehydrate = true
    const storage = new MemoryStorage()
    const signedState = { data: JSON.stringify({ count: 41, __componentName: 'Counter' }), signature: 'a'.repeat(64), timestamp: Date.now(), version: 3, componentId: 'before-reload' }
    storage.setItem('live_component_Counter', JSON.stringify({ componentName: 'Counter', signedState }))
    const conn = connect({ storage })
    const restored = conn.mount('Counter')
    await restored.ready
    expect(server.socket.sent[0]).toMatchObject({ type: 'COMPONENT_REHYDRATE', componentId: 'before-reload' })
    expect(restored.state).toEqual({ count: 41 })

    const fresh = conn.mount('Counter', undefined, { rehydrate: false })
    await fresh.ready
    expect(fresh.state).toEqual({ count: 0, label: 'hits' })

    storage.setItem('live_component_Counter', JSON.stringify({ componentName: 'Counter', signedState: { ...signedState, timestamp: Date.now() - SIGNED_STATE_MAX_AGE_MS - 1 } }))
    const before = server.socket.sentOf('COMPONENT_REHYDRATE').length
    await conn.mount('Counter').ready
    expect(server.socket.sentOf('COMPONENT_REHYDRATE')).toHaveLength(before)
  })
})
