import { encode } from '@msgpack/msgpack'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { BINARY_ROOM_EVENT, BINARY_ROOM_STATE, LiveConnection, type ComponentHandle } from '../src/index.js'
import { FakeServer, flush, roomFrame } from './helpers/fake-server.js'

let server: FakeServer
let conn: LiveConnection
let chat: ComponentHandle

beforeEach(async () => {
  server = new FakeServer()
  conn = new LiveConnection({ WebSocket: server.WebSocket, storage: null, heartbeatMs: 0, reconnect: { jitter: false } })
  chat = conn.mount('Chat')
  await chat.ready
})
afterEach(() => {
  conn.close()
  vi.useRealTimers()
})

describe('client-initiated room messages (§10.2)', () => {
  it('join() sends ROOM_JOIN and takes the state from ROOM_JOINED', async () => {
    const room = chat.room('chat-1')
    expect(room.joined).toBe(false)
    await room.join({ messages: [] })
    expect(server.socket.sentOf('ROOM_JOIN')[0]).toMatchObject({ componentId: chat.id, roomId: 'chat-1', payload: { initialState: { messages: [] } }, expectResponse: true })
    expect(room.joined).toBe(true)
    expect(room.state).toEqual({ messages: [] })
    expect(chat.room('chat-1')).toBe(room)
  })

  it('join() rejects with the server error', async () => {
    server.on('ROOM_JOIN', (msg, s) => s.deliver({ type: 'ERROR', componentId: msg.componentId, error: 'Room limit exceeded', requestId: msg.requestId }))
    await expect(chat.room('r').join()).rejects.toThrow('Room limit exceeded')
    expect(chat.room('r').joined).toBe(false)
  })

  it('emit() sends ROOM_EMIT with payload.event and payload.data, without waiting', async () => {
    expect(chat.room('chat-1').emit('message:new', { text: 'hi' })).toBe(true)
    await flush()
    expect(server.socket.sentOf('ROOM_EMIT')).toEqual([
      { type: 'ROOM_EMIT', componentId: chat.id, roomId: 'chat-1', payload: { event: 'message:new', data: { text: 'hi' } } },
    ])
  })

  it('setState() sends ROOM_STATE_SET and applies the keys locally (minus server-only keys)', async () => {
    const room = chat.room('chat-1')
    await room.join({ topic: 'old', cfg: { a: 1, b: 2 } })
    const listener = vi.fn()
    room.subscribe(listener)
    room.setState({ topic: 'Rust', cfg: { a: 5 }, $secret: 1 } as never)
    expect(server.socket.sentOf('ROOM_STATE_SET')[0]).toEqual({ type: 'ROOM_STATE_SET', componentId: chat.id, roomId: 'chat-1', payload: { state: { topic: 'Rust', cfg: { a: 5 } } } })
    expect(room.state).toEqual({ topic: 'Rust', cfg: { a: 5 } })
    expect(listener).toHaveBeenCalledTimes(1)
  })

  it('getState() sends ROOM_STATE_GET and replaces the local state', async () => {
    server.on('ROOM_STATE_GET', (msg, s) => s.deliver({ type: 'ROOM_STATE', componentId: msg.componentId, payload: { roomId: msg.roomId, state: { count: 3 } }, requestId: msg.requestId }))
    expect(await chat.room('chat-1').getState()).toEqual({ count: 3 })
    expect(chat.room('chat-1').state).toEqual({ count: 3 })
  })

  it('leave() sends ROOM_LEAVE', async () => {
    const room = chat.room('chat-1')
    await room.join()
    await room.leave()
    expect(server.socket.sentOf('ROOM_LEAVE')[0]).toMatchObject({ componentId: chat.id, roomId: 'chat-1' })
    expect(room.joined).toBe(false)
  })

  it('re-joins rooms joined with join() after a reconnect, under the new component id', async () => {
    vi.useFakeTimers()
    await chat.room('chat-1').join()
    const oldId = chat.id
    server.socket.serverClose(1006)
    await flush()
    expect(chat.room('chat-1').joined).toBe(false)
    await vi.advanceTimersByTimeAsync(1000)
    await flush()
    const rejoin = server.socket.sentOf('ROOM_JOIN')[0]
    expect(rejoin).toMatchObject({ roomId: 'chat-1', componentId: chat.id })
    expect(chat.id).not.toBe(oldId)
    expect(chat.room('chat-1').joined).toBe(true)
  })
})

describe('JSON room frames (§10.3)', () => {
  it('dispatches ROOM_EVENT and ROOM_SYSTEM to listeners', async () => {
    const room = chat.room('chat-1')
    const onMessage = vi.fn()
    const onJoin = vi.fn()
    room.on('message:new', onMessage)
    room.onSystem('sub:join', onJoin)
    server.socket.deliver([
      { componentId: chat.id!, type: 'ROOM_EVENT', roomId: 'chat-1', event: 'message:new', data: { text: 'hi' }, timestamp: 1 },
      { componentId: chat.id!, type: 'ROOM_SYSTEM', roomId: 'chat-1', event: '$sub:join', data: { subscriberId: 'x', count: 2 }, timestamp: 1 },
      { componentId: chat.id!, type: 'ROOM_EVENT', roomId: 'other', event: 'message:new', data: { text: 'elsewhere' }, timestamp: 1 },
    ])
    await flush()
    expect(onMessage).toHaveBeenCalledTimes(1)
    expect(onMessage).toHaveBeenCalledWith({ text: 'hi' })
    expect(onJoin).toHaveBeenCalledWith({ subscriberId: 'x', count: 2 })
  })

  it('merges ROOM_STATE diffs (nested null deletes) and fires $state:change', async () => {
    const room = chat.room('chat-1')
    await room.join({ topic: 'a', users: { u1: { n: 1 }, u2: { n: 2 } } })
    const before = room.state as Record<string, unknown>
    const changed = vi.fn()
    room.onSystem('state:change', changed)
    server.socket.deliver({ componentId: chat.id!, type: 'ROOM_STATE', roomId: 'chat-1', event: '$state:update', data: { state: { users: { u2: null } } } })
    await flush()
    expect(room.state).toEqual({ topic: 'a', users: { u1: { n: 1 } } })
    expect((room.state as Record<string, Record<string, unknown>>).users!.u1).toBe((before.users as Record<string, unknown>).u1)
    expect(changed).toHaveBeenCalledWith({ users: { u2: null } })
  })

  it('handles the server-side join notice (ROOM_JOINED with top-level roomId and data)', async () => {
    server.socket.deliver({ type: 'ROOM_JOINED', componentId: chat.id!, roomId: 'counter:global', event: '$room:joined', data: { state: { count: 7 } }, timestamp: 1 })
    await flush()
    const room = chat.room('counter:global')
    expect(room.joined).toBe(true)
    expect(room.state).toEqual({ count: 7 })
  })
})

describe('binary room frames (§10.4)', () => {
  async function joinedCounterRoom() {
    server.socket.deliver({ type: 'ROOM_JOINED', componentId: chat.id!, roomId: 'counter:global', event: '$room:joined', data: { state: { count: 0, meta: { by: 'x' } } } })
    await flush()
    return chat.room('counter:global')
  }

  it('dispatches 0x02 event frames with their msgpack payload', async () => {
    const room = await joinedCounterRoom()
    const updated = vi.fn()
    const joined = vi.fn()
    room.on('counter:updated', updated)
    room.onSystem('sub:join', joined)
    server.socket.deliverBinary(roomFrame(BINARY_ROOM_EVENT, chat.id!, 'counter:global', 'counter:updated', encode({ count: 10 })))
    server.socket.deliverBinary(roomFrame(BINARY_ROOM_EVENT, chat.id!, 'counter:global', '$sub:join', encode({ subscriberId: 'other' })))
    await flush()
    expect(updated).toHaveBeenCalledWith({ count: 10 })
    expect(joined).toHaveBeenCalledWith({ subscriberId: 'other' })
  })

  it('merges 0x03 state frames ({state: diff}) and notifies subscribers', async () => {
    const room = await joinedCounterRoom()
    const listener = vi.fn()
    room.subscribe(listener)
    const before = room.getSnapshot() as Record<string, unknown>
    server.socket.deliverBinary(roomFrame(BINARY_ROOM_STATE, chat.id!, 'counter:global', '$state:update', encode({ state: { count: 11 } })))
    await flush()
    expect(room.state).toEqual({ count: 11, meta: { by: 'x' } })
    expect((room.getSnapshot() as Record<string, unknown>).meta).toBe(before.meta)
    expect(listener).toHaveBeenCalledTimes(1)
  })

  it('ignores frames for another component id', async () => {
    const room = await joinedCounterRoom()
    const updated = vi.fn()
    room.on('counter:updated', updated)
    server.socket.deliverBinary(roomFrame(BINARY_ROOM_EVENT, 'someone-else', 'counter:global', 'counter:updated', encode({ count: 10 })))
    server.socket.deliverBinary(roomFrame(BINARY_ROOM_STATE, 'someone-else', 'counter:global', '$state:update', encode({ state: { count: 99 } })))
    await flush()
    expect(updated).not.toHaveBeenCalled()
    expect(room.state).toEqual({ count: 0, meta: { by: 'x' } })
  })

  it('drops truncated frames and corrupt payloads, and keeps working', async () => {
    const room = await joinedCounterRoom()
    const updated = vi.fn()
    room.on('counter:updated', updated)
    const good = roomFrame(BINARY_ROOM_EVENT, chat.id!, 'counter:global', 'counter:updated', encode({ count: 10 }))
    server.socket.deliverBinary(good.subarray(0, 12)) // header cut
    server.socket.deliverBinary(good.subarray(0, good.length - 1)) // msgpack payload cut
    server.socket.deliverBinary(roomFrame(BINARY_ROOM_EVENT, chat.id!, 'counter:global', 'counter:updated', new Uint8Array([0xdd, 0xff, 0xff, 0xff, 0xff])))
    server.socket.deliverBinary(new Uint8Array([0x01, 0x02]))
    await flush()
    expect(updated).not.toHaveBeenCalled()
    server.socket.deliverBinary(good)
    await flush()
    expect(updated).toHaveBeenCalledWith({ count: 10 })
  })
})
