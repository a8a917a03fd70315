import { readFileSync } from 'node:fs'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  applyDelta, BINARY_STATE_DELTA, decodeBinaryDelta, LiveConnection, parseBinaryDeltaFrame,
  type BinaryField, type PlainObject,
} from '../src/index.js'
import { FakeServer, flush } from './helpers/fake-server.js'

/**
 * Frames a real Live server sent for the `binary_delta` component `Telemetry`, next to the JSON
 * deltas the same steps gave its JSON-only twin. Written (and checked for staleness) by
 * `tests/tests/binary_deltas.rs`; the binary frames' bytes are the Rust encoder's.
 */
interface Fixture {
  component: string
  componentId: string
  fields: BinaryField[]
  initial: PlainObject
  steps: { seed: string; binary: string | null; rest: PlainObject | null; json: PlainObject | null }[]
}

const fixture = JSON.parse(readFileSync(new URL('./fixtures/binary-deltas.json', import.meta.url), 'utf8')) as Fixture

function bytes(hex: string): Uint8Array {
  return Uint8Array.from(hex.match(/../g) ?? [], (pair) => parseInt(pair, 16))
}

/** The fixture frame re-addressed to `id` (header only; the payload is untouched). */
function addressed(hex: string, id: string): Uint8Array {
  const frame = parseBinaryDeltaFrame(bytes(hex))
  if (!frame) throw new Error('fixture frame does not parse')
  const encoded = new TextEncoder().encode(id)
  return new Uint8Array([BINARY_STATE_DELTA, encoded.length, ...encoded, ...frame.payload])
}

describe('binary deltas encoded by the Rust server', () => {
  it('covers every wire type, JSON-only steps and binary-only steps', () => {
    expect(new Set(fixture.fields.map(([, type]) => type))).toEqual(new Set(
      ['uint8', 'uint16', 'uint32', 'int8', 'int16', 'int32', 'float32', 'float64', 'boolean', 'string'],
    ))
    expect(fixture.steps.length).toBeGreaterThanOrEqual(100)
    expect(fixture.steps.some((step) => step.binary && step.rest)).toBe(true)
    expect(fixture.steps.some((step) => step.binary && !step.rest)).toBe(true)
    expect(fixture.steps.some((step) => !step.binary && step.rest)).toBe(true)
  })

  it('decode, with the JSON rest, to the state the JSON deltas give, after every step', () => {
    let viaJson: PlainObject = fixture.initial
    let viaBinary: PlainObject = fixture.initial
    for (const step of fixture.steps) {
      if (step.json) viaJson = applyDelta(viaJson, step.json)
      if (step.binary) {
        const frame = parseBinaryDeltaFrame(bytes(step.binary))
        expect(frame?.componentId).toBe(fixture.componentId)
        const delta = decodeBinaryDelta(fixture.fields, frame!.payload)
        expect(delta, `seed ${step.seed}`).not.toBeNull()
        viaBinary = applyDelta(viaBinary, delta!)
      }
      if (step.rest) viaBinary = applyDelta(viaBinary, step.rest)
      expect(viaBinary, `seed ${step.seed}`).toEqual(viaJson)
    }
  })

  it('refuses payloads that do not match the fields', () => {
    const fields: BinaryField[] = [['a', 'uint16'], ['b', 'string']]
    expect(decodeBinaryDelta(fields, new Uint8Array([]))).toBeNull()
    expect(decodeBinaryDelta(fields, new Uint8Array([0b01, 7]))).toBeNull()
    expect(decodeBinaryDelta(fields, new Uint8Array([0b100]))).toBeNull()
    expect(decodeBinaryDelta(fields, new Uint8Array([0b01, 7, 0, 9]))).toBeNull()
    expect(decodeBinaryDelta(fields, new Uint8Array([0b10, 2, 0, 0x68]))).toBeNull()
    expect(decodeBinaryDelta(fields, new Uint8Array([0b11, 7, 1, 2, 0, 0x68, 0x69]))).toEqual({ a: 263, b: 'hi' })
    expect(parseBinaryDeltaFrame(new Uint8Array([0x01, 9, 0x61]))).toBeNull()
    expect(parseBinaryDeltaFrame(new Uint8Array([0x02, 1, 0x61, 0]))).toBeNull()
  })
})

describe('LiveConnection with binaryDeltas', () => {
  let server: FakeServer
  let conn: LiveConnection | null = null

  beforeEach(() => {
    server = new FakeServer()
    server.defaults[fixture.component] = fixture.initial
  })
  afterEach(() => conn?.close())

  it('applies the Rust frames to the handle state like JSON deltas, in order with the JSON rest', async () => {
    conn = new LiveConnection({
      WebSocket: server.WebSocket, storage: null, heartbeatMs: 0,
      binaryDeltas: { [fixture.component]: fixture.fields },
    })
    const handle = conn.mount(fixture.component)
    await handle.ready
    const id = handle.id!
    let expected: PlainObject = fixture.initial
    for (const step of fixture.steps) {
      if (step.json) expected = applyDelta(expected, step.json)
      if (step.binary) server.socket.deliverBinary(addressed(step.binary, id))
      if (step.rest) server.socket.deliver({ type: 'STATE_DELTA', componentId: id, payload: { delta: step.rest } })
      await flush()
      expect(handle.state, `seed ${step.seed}`).toEqual(expected)
    }
  })

  it('drops binary deltas of a component without fields', async () => {
    conn = new LiveConnection({ WebSocket: server.WebSocket, storage: null, heartbeatMs: 0 })
    const handle = conn.mount(fixture.component)
    await handle.ready
    const step = fixture.steps.find((each) => each.binary && !each.rest)!
    server.socket.deliverBinary(addressed(step.binary!, handle.id!))
    await flush()
    expect(handle.state).toEqual(fixture.initial)
  })

  it('keeps a binary delta that arrives before the mount reply, like a JSON frame', async () => {
    const step = fixture.steps.find((each) => each.binary && !each.rest)!
    server.on('COMPONENT_MOUNT', (msg, socket) => {
      socket.deliver({ type: 'STATE_UPDATE', componentId: 'early1', payload: { state: fixture.initial } })
      socket.deliverBinary(addressed(step.binary!, 'early1'))
      socket.deliver({ type: 'MESSAGE_RESPONSE', requestId: msg.requestId, componentId: msg.componentId, success: true, result: { componentId: 'early1' } })
    })
    conn = new LiveConnection({
      WebSocket: server.WebSocket, storage: null, heartbeatMs: 0,
      binaryDeltas: { [fixture.component]: fixture.fields },
    })
    const handle = conn.mount(fixture.component)
    await handle.ready
    await flush()
    expect(handle.state).toEqual(applyDelta(fixture.initial, step.json!))
  })
})
