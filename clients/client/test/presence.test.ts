import { afterEach, describe, expect, expectTypeOf, it, vi } from 'vitest'
import {
  BINARY_ROOM_EVENT, LiveConnection, PresenceList, PRESENCE_EVENTS, type PresenceDiff, type PresenceEntry,
} from '../src/index.js'
import { FakeServer, flush, roomFrame, type Msg } from './helpers/fake-server.js'
import { presenceEntry as entry, presenceFrame, type Meta, type PresenceRegistry } from './helpers/presence.js'

const keys = (list: readonly PresenceEntry<unknown>[]) => list.map((e) => e.key)

/** A list with a diff recorder. */
function recorded() {
  const list = new PresenceList<Meta>()
  const diffs: PresenceDiff<Meta>[] = []
  list.subscribe((diff) => diffs.push(diff))
  const diffKeys = () => diffs.map((d) => ({ joined: keys(d.joined), updated: keys(d.updated), left: keys(d.left) }))
  return { list, diffs, diffKeys }
}

describe('PresenceList', () => {
  it('takes $presence:state whole, ordered by joinedAt then key, and reports everybody as joined', () => {
    const { list, diffKeys } = recorded()
    const alice = entry('user:alice', 20)
    expect(list._apply(PRESENCE_EVENTS.state, { entries: [alice, entry('conn:b', 10), entry('conn:a', 20)] })).toBe(true)
    expect(keys(list.list())).toEqual(['conn:b', 'conn:a', 'user:alice'])
    expect(list.get('user:alice')).toEqual(alice)
    expect(list.size).toBe(3)
    expect(diffKeys()).toEqual([{ joined: ['conn:b', 'conn:a', 'user:alice'], updated: [], left: [] }])
    expect(Object.isFrozen(list.list())).toBe(true)
    expect(Object.isFrozen(list.get('user:alice')!.meta)).toBe(true)
  })

  it('applies join, update and leave as diffs and keeps the order', () => {
    const { list, diffKeys } = recorded()
    list._apply(PRESENCE_EVENTS.state, { entries: [entry('user:me', 5)] })
    list._apply(PRESENCE_EVENTS.join, { entry: entry('user:bob', 7) })
    list._apply(PRESENCE_EVENTS.join, { entry: entry('user:ann', 6) })
    list._apply(PRESENCE_EVENTS.update, { entry: entry('user:bob', 7, { connections: 2, meta: { name: 'Bob', typing: true } }) })
    list._apply(PRESENCE_EVENTS.leave, { key: 'user:ann' })
    expect(keys(list.list())).toEqual(['user:me', 'user:bob'])
    expect(list.get('user:bob')).toMatchObject({ connections: 2, meta: { name: 'Bob', typing: true } })
    expect(list.get('user:ann')).toBeUndefined()
    expect(diffKeys().slice(1)).toEqual([
      { joined: ['user:bob'], updated: [], left: [] },
      { joined: ['user:ann'], updated: [], left: [] },
      { joined: [], updated: ['user:bob'], left: [] },
      { joined: [], updated: [], left: ['user:ann'] },
    ])
  })

  it('treats an update of an unknown key as a join and a join of a known key as an update', () => {
    const { list, diffKeys } = recorded()
    list._apply(PRESENCE_EVENTS.update, { entry: entry('conn:x', 1) })
    list._apply(PRESENCE_EVENTS.join, { entry: entry('conn:x', 1, { connections: 2 }) })
    expect(diffKeys()).toEqual([
      { joined: ['conn:x'], updated: [], left: [] },
      { joined: [], updated: ['conn:x'], left: [] },
    ])
  })

  it('stays silent when nothing changes: a repeated update, an unknown leave', () => {
    const { list, diffs } = recorded()
    list._apply(PRESENCE_EVENTS.join, { entry: entry('conn:x', 1) })
    const snapshot = list.getSnapshot()
    list._apply(PRESENCE_EVENTS.update, { entry: entry('conn:x', 1) })
    list._apply(PRESENCE_EVENTS.leave, { key: 'conn:nobody' })
    expect(diffs).toHaveLength(1)
    expect(list.getSnapshot()).toBe(snapshot)
    expect(list.ignored).toBe(0)
  })

  it('on a fresh $presence:state reports who came, changed and went against the previous list', () => {
    const { list, diffKeys } = recorded()
    list._apply(PRESENCE_EVENTS.state, { entries: [entry('user:me', 1), entry('user:bob', 2), entry('user:ann', 3)] })
    const me = list.get('user:me')
    list._apply(PRESENCE_EVENTS.state, {
      entries: [entry('user:me', 1), entry('user:ann', 3, { connections: 3 }), entry('user:zoe', 4)],
    })
    expect(keys(list.list())).toEqual(['user:me', 'user:ann', 'user:zoe'])
    expect(list.get('user:me')).toBe(me) // unchanged entries keep their identity
    expect(diffKeys()[1]).toEqual({ joined: ['user:zoe'], updated: ['user:ann'], left: ['user:bob'] })
    expect(list.get('user:ann')!.connections).toBe(3)
  })

  it('compares meta by value when resetting', () => {
    const { list, diffs } = recorded()
    list._apply(PRESENCE_EVENTS.state, { entries: [entry('conn:a', 1, { meta: { name: 'a', typing: false } })] })
    list._apply(PRESENCE_EVENTS.state, { entries: [entry('conn:a', 1, { meta: { typing: false, name: 'a' } })] })
    expect(diffs).toHaveLength(1)
    list._apply(PRESENCE_EVENTS.state, { entries: [entry('conn:a', 1, { meta: { name: 'a', typing: true } })] })
    expect(diffs).toHaveLength(2)
    expect(keys(diffs[1]!.updated)).toEqual(['conn:a'])
  })

  it('ignores and counts malformed data without throwing', () => {
    const { list, diffs } = recorded()
    list._apply(PRESENCE_EVENTS.state, { entries: [entry('conn:ok', 1)] })
    const before = list.getSnapshot()
    const bad: [string, unknown][] = [
      [PRESENCE_EVENTS.state, null],
      [PRESENCE_EVENTS.state, { entries: 'nope' }],
      [PRESENCE_EVENTS.join, { entry: { ...entry('conn:x', 1), key: 7 } }],
      [PRESENCE_EVENTS.join, { entry: { ...entry('conn:x', 1), joinedAt: 'yesterday' } }],
      [PRESENCE_EVENTS.join, { entry: { ...entry('conn:x', 1), connections: 0 } }],
      [PRESENCE_EVENTS.join, { entry: { ...entry('conn:x', 1), userId: 5 } }],
      [PRESENCE_EVENTS.update, { entry: [] }],
      [PRESENCE_EVENTS.update, 'garbage'],
      [PRESENCE_EVENTS.leave, { key: null }],
      [PRESENCE_EVENTS.leave, undefined],
      ['$presence:teleport', { key: 'conn:ok' }],
    ]
    for (const [event, data] of bad) expect(list._apply(event, data)).toBe(true)
    expect(list.ignored).toBe(bad.length)
    expect(list.getSnapshot()).toBe(before)
    expect(diffs).toHaveLength(1)
  })

  it('keeps the valid entries of a state with bad or duplicate ones, counting the rest', () => {
    const list = new PresenceList<Meta>()
    list._apply(PRESENCE_EVENTS.state, { entries: [entry('conn:a', 1), 'x', { key: 'conn:b' }, entry('conn:a', 9), entry('conn:c', 2)] })
    expect(keys(list.list())).toEqual(['conn:a', 'conn:c'])
    expect(list.get('conn:a')!.joinedAt).toBe(1)
    expect(list.ignored).toBe(3)
  })

  it('fills absent userId/sessionId/meta with null', () => {
    const list = new PresenceList()
    list._apply(PRESENCE_EVENTS.join, { entry: { key: 'conn:1', componentId: 'c', connectionId: 'k', joinedAt: 1, connections: 1 } })
    expect(list.get('conn:1')).toEqual({ key: 'conn:1', componentId: 'c', connectionId: 'k', userId: null, sessionId: null, joinedAt: 1, meta: null, connections: 1 })
  })

  it('returns false for events that are not presence events', () => {
    const list = new PresenceList()
    expect(list._apply('$sub:join', { subscriberId: 'x' })).toBe(false)
    expect(list._apply('message:new', {})).toBe(false)
    expect(list.ignored).toBe(0)
  })

  it('stops calling an unsubscribed listener', () => {
    const list = new PresenceList()
    const listener = vi.fn()
    const unsubscribe = list.subscribe(listener)
    list._apply(PRESENCE_EVENTS.join, { entry: entry('conn:1', 1) })
    unsubscribe()
    list._apply(PRESENCE_EVENTS.leave, { key: 'conn:1' })
    expect(listener).toHaveBeenCalledTimes(1)
  })
})

describe('room.presence', () => {
  let server: FakeServer
  let conn: LiveConnection
  afterEach(() => {
    conn.close()
    vi.useRealTimers()
  })

  function connect(): LiveConnection {
    conn = new LiveConnection({ WebSocket: server.WebSocket, storage: null, heartbeatMs: 0, reconnect: { jitter: false } })
    return conn
  }

  it('keeps $presence frames sent before the mount reply (a room joined in on_mount)', async () => {
    server = new FakeServer()
    server.on('COMPONENT_MOUNT', (msg: Msg, socket) => {
      socket.deliver({ type: 'ROOM_JOINED', componentId: 'c-new', roomId: 'chat:general', event: '$room:joined', data: { state: {} } })
      socket.deliverBinary(presenceFrame('c-new', 'chat:general', PRESENCE_EVENTS.state, { entries: [entry('user:me', 1), entry('user:bob', 2)] }))
      queueMicrotask(() => socket.deliver({ type: 'MESSAGE_RESPONSE', success: true, result: { componentId: 'c-new' }, requestId: msg.requestId }))
    })
    const chat = connect().mount('LiveChat')
    await chat.ready
    await flush()
    const room = chat.room('chat:general')
    expect(room.joined).toBe(true)
    expect(keys(room.presence.list())).toEqual(['user:me', 'user:bob'])
  })

  it('follows binary and JSON presence events, still dispatches them to onSystem, and clears on ROOM_LEFT', async () => {
    server = new FakeServer()
    const chat = connect().mount('LiveChat')
    await chat.ready
    const room = chat.room('chat:general')
    const raw = vi.fn()
    room.onSystem('presence:join', raw)
    const diffs: PresenceDiff[] = []
    room.presence.subscribe((d) => diffs.push(d))
    server.socket.deliverBinary(presenceFrame(chat.id!, 'chat:general', PRESENCE_EVENTS.state, { entries: [entry('user:me', 1)] }))
    server.socket.deliverBinary(presenceFrame(chat.id!, 'chat:general', PRESENCE_EVENTS.join, { entry: entry('user:bob', 2) }))
    server.socket.deliver({ type: 'ROOM_SYSTEM', componentId: chat.id!, roomId: 'chat:general', event: PRESENCE_EVENTS.join, data: { entry: entry('user:ann', 3) } })
    server.socket.deliverBinary(roomFrame(BINARY_ROOM_EVENT, chat.id!, 'chat:general', PRESENCE_EVENTS.update, new Uint8Array([0xc1])))
    await flush()
    expect(keys(room.presence.list())).toEqual(['user:me', 'user:bob', 'user:ann'])
    expect(raw).toHaveBeenCalledTimes(2)
    server.socket.deliver({ type: 'ROOM_LEFT', componentId: chat.id!, roomId: 'chat:general' })
    await flush()
    expect(room.presence.list()).toEqual([])
    expect(keys(diffs.at(-1)!.left)).toEqual(['user:me', 'user:bob', 'user:ann'])
  })

  it('after a reconnect, the re-join state reports only who came and went meanwhile', async () => {
    vi.useFakeTimers()
    server = new FakeServer()
    server.on('ROOM_JOIN', (msg: Msg, socket) => {
      socket.deliver({ type: 'ROOM_JOINED', componentId: msg.componentId, roomId: msg.roomId, success: true, payload: { state: {} }, requestId: msg.requestId })
      const entries = server.sockets.length === 1
        ? [entry('user:me', 1), entry('user:bob', 2)]
        : [entry('user:me', 1), entry('user:zoe', 3)]
      socket.deliverBinary(presenceFrame(msg.componentId, msg.roomId, PRESENCE_EVENTS.state, { entries }))
    })
    const chat = connect().mount('LiveChat')
    await chat.ready
    const room = chat.room('chat:general')
    await room.join()
    await flush()
    expect(keys(room.presence.list())).toEqual(['user:me', 'user:bob'])
    const diffs: PresenceDiff[] = []
    room.presence.subscribe((d) => diffs.push(d))

    server.socket.serverClose(1006)
    await flush()
    expect(room.joined).toBe(false)
    expect(keys(room.presence.list())).toEqual(['user:me', 'user:bob']) // last known, until the re-join
    await vi.advanceTimersByTimeAsync(1000)
    await flush()
    expect(room.joined).toBe(true)
    expect(keys(room.presence.list())).toEqual(['user:me', 'user:zoe'])
    expect(diffs.map((d) => ({ joined: keys(d.joined), updated: keys(d.updated), left: keys(d.left) })))
      .toEqual([{ joined: ['user:zoe'], updated: [], left: ['user:bob'] }])
  })

  it('types the entries from the registry', () => {
    server = new FakeServer()
    const typed = new LiveConnection<PresenceRegistry>({ WebSocket: server.WebSocket, storage: null, heartbeatMs: 0 })
    conn = typed as unknown as LiveConnection
    const handle = typed.mount('LiveChat')
    expectTypeOf(handle.room('chat:1').presence.list()).toEqualTypeOf<readonly PresenceEntry<Meta>[]>()
    expectTypeOf(handle.room('other').presence.list()).toEqualTypeOf<readonly PresenceEntry<unknown>[]>()
  })
})
