/**
 * The client against a server that follows the FluxStack TypeScript server (the reference,
 * `shared/reference/fluxstack-protocol.md`) where it differs from Live: it never batches,
 * adds the older envelope fields, answers a singleton rehydration with a plain STATE_UPDATE,
 * resyncs after backpressure, may let a singleton's fan-out overtake a reply, and may send
 * binary component deltas (0x01). What the client does on top of the reference must not
 * depend on Live's extras. See docs/typescript-clients.md ("Compatibility").
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { LiveConnection, type LiveConnectionOptions } from '../src/index.js'
import { FakeServer, flush, MemoryStorage, type Msg } from './helpers/fake-server.js'

let server: FakeServer
const connections: LiveConnection[] = []

function connect(options: LiveConnectionOptions = {}): LiveConnection {
  const conn = new LiveConnection({ WebSocket: server.WebSocket, storage: null, heartbeatMs: 0, reconnect: { jitter: false }, ...options })
  connections.push(conn)
  return conn
}

/** The envelope fields older reference versions add to every reply and component event (§17). */
const OLD_FIELDS = { timestamp: 1_760_000_000_000, userId: 'user-42', room: 'lobby' }

beforeEach(() => {
  server = new FakeServer()
  server.batch = false // the reference sends single objects unless several events queue up (§1.2)
})
afterEach(() => {
  for (const conn of connections.splice(0)) conn.close()
})

describe('against a reference (TypeScript) server', () => {
  it('mounts and calls with single-object frames and the older reply fields', async () => {
    server.on('COMPONENT_MOUNT', (msg, socket) => {
      socket.deliver({ type: 'STATE_UPDATE', componentId: 'Zp0x7_Lm', payload: { state: { count: 0 } }, ...OLD_FIELDS })
      socket.deliver({
        type: 'MESSAGE_RESPONSE', originalType: 'COMPONENT_MOUNT', componentId: msg.componentId, success: true,
        result: { componentId: 'Zp0x7_Lm', initialState: { count: 0 } }, requestId: msg.requestId, responseId: msg.requestId, ...OLD_FIELDS,
      })
    })
    server.on('CALL_ACTION', (msg, socket) => {
      socket.deliver({ type: 'STATE_DELTA', componentId: msg.componentId, payload: { delta: { count: 1 } }, ...OLD_FIELDS })
      // An action returning `undefined`: the reply has no `result` (§6.3).
      socket.deliver({ type: 'ACTION_RESPONSE', originalType: 'CALL_ACTION', componentId: msg.componentId, success: true, requestId: msg.requestId, ...OLD_FIELDS })
    })
    const counter = connect().mount('Counter')
    await counter.ready
    expect(counter.id).toBe('Zp0x7_Lm')
    expect(await counter.call('bump')).toBeUndefined()
    expect(counter.state).toEqual({ count: 1 })
    expect(counter.error).toBeNull()
  })

  it('rehydrates a singleton from the STATE_UPDATE of the shared instance (no STATE_REHYDRATED, §5.4)', async () => {
    const storage = new MemoryStorage()
    const signedState = { data: JSON.stringify({ count: 3, __componentName: 'SharedCounter' }), signature: 'a'.repeat(64), timestamp: Date.now(), version: 2, componentId: 'old-id' }
    storage.setItem('live_component_SharedCounter', JSON.stringify({ componentName: 'SharedCounter', signedState }))
    server.on('COMPONENT_REHYDRATE', (msg, socket) => {
      socket.deliver({ type: 'STATE_UPDATE', componentId: 'shared1', payload: { state: { count: 9, viewers: 2 } } })
      socket.deliver({ type: 'COMPONENT_REHYDRATED', componentId: msg.componentId, success: true, result: { newComponentId: 'shared1' }, requestId: msg.requestId })
    })
    const shared = connect({ storage }).mount('SharedCounter')
    await shared.ready
    expect(server.socket.sent.map((m) => m.type)).toEqual(['COMPONENT_REHYDRATE'])
    expect(shared.id).toBe('shared1')
    expect(shared.state).toEqual({ count: 9, viewers: 2 })
  })

  it('takes an unsolicited full STATE_UPDATE (backpressure resync, §1.2) and keeps its signed state', async () => {
    server.signing = true
    const storage = new MemoryStorage()
    const counter = connect({ storage }).mount('Counter')
    await counter.ready
    const resigned = { data: '{"count":5,"__componentName":"Counter"}', signature: 'b'.repeat(64), timestamp: Date.now(), version: 7, componentId: counter.id! }
    server.socket.deliver({ type: 'STATE_UPDATE', componentId: counter.id!, payload: { state: { count: 5 }, signedState: resigned } })
    await flush()
    expect(counter.state).toEqual({ count: 5 })
    expect(JSON.parse(storage.getItem('live_component_Counter')!).signedState.version).toBe(7)
  })

  it('ends in the current state when a singleton fan-out delta overtakes the mount reply (§12)', async () => {
    server.on('COMPONENT_MOUNT', (msg, socket) => {
      socket.deliver({ type: 'STATE_UPDATE', componentId: 'shared1', payload: { state: { count: 1, viewers: 2 } } })
      socket.deliver({ type: 'STATE_DELTA', componentId: 'shared1', payload: { delta: { count: 2 } } }) // another viewer's action
      socket.deliver({ type: 'MESSAGE_RESPONSE', componentId: msg.componentId, success: true, result: { componentId: 'shared1', initialState: { count: 2, viewers: 2 } }, requestId: msg.requestId })
      socket.deliver({ type: 'STATE_DELTA', componentId: 'shared1', payload: { delta: { count: 3 } } })
    })
    const shared = connect().mount('SharedCounter')
    await shared.ready
    await flush()
    expect(shared.state).toEqual({ count: 3, viewers: 2 })
  })

  it('ignores binary component deltas (0x01) of a component it has no binaryDeltas fields for, and keeps working', async () => {
    server.on('CALL_ACTION', (msg: Msg, socket) => {
      socket.deliverBinary(new Uint8Array([0x01, 2, 0x63, 0x31, 0xde, 0xad]))
      socket.deliver({ type: 'STATE_DELTA', componentId: msg.componentId, payload: { delta: { count: 4 } } })
      socket.deliver({ type: 'ACTION_RESPONSE', componentId: msg.componentId, success: true, result: 4, requestId: msg.requestId })
    })
    server.defaults.Counter = { count: 0 }
    const counter = connect().mount('Counter')
    await counter.ready
    expect(await counter.call('add', { by: 4 })).toBe(4)
    expect(counter.state).toEqual({ count: 4 })
  })

  it("shows a singleton's ERROR event caused by another viewer's call, and keeps working (§12 quirk)", async () => {
    server.defaults.SharedCounter = { count: 0 }
    server.actions.SharedCounter = { increment: (state) => ({ set: { count: (state.count as number) + 1 }, result: (state.count as number) + 1 }) }
    const shared = connect().mount('SharedCounter')
    await shared.ready
    server.socket.deliver({ type: 'ERROR', componentId: shared.id!, payload: { action: 'nope', error: "Action 'nope' is not callable" } })
    await flush()
    expect(shared.error).toBe("Action 'nope' is not callable")
    expect(await shared.call('increment')).toBe(1)
    expect(shared.status).toBe('mounted')
  })
})
