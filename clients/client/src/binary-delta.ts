/**
 * Binary component deltas: frame `0x01` and the BinaryStateCodec payload (§8.6–8.7).
 *
 * The fields of each `#[live_component(binary_delta)]` component come from `cargo xtask gen-ts`
 * (`LiveBinaryDeltas` in the generated file): pass them as `binaryDeltas` to `LiveConnection`.
 */

/** Binary frame type: a component's state delta, `[0x01][idLen u8][componentId][payload]`. */
export const BINARY_STATE_DELTA = 0x01

/**
 * The `type` under which the connection hands a `0x01` frame's payload (a `Uint8Array`) to
 * its component handle, which decodes it and applies it as a `STATE_DELTA`. Not a wire word.
 * @internal
 */
export const BINARY_DELTA_MESSAGE = '$binaryDelta'

/** A BinaryStateCodec wire type. */
export type WireType =
  | 'uint8' | 'uint16' | 'uint32' | 'int8' | 'int16' | 'int32'
  | 'float32' | 'float64' | 'boolean' | 'string'

/** One field of a binary delta: its state key and wire type, in the payload's bit order. */
export type BinaryField = readonly [name: string, type: WireType]

/** The fields of every `binary_delta` component, by component name (`LiveBinaryDeltas`). */
export type BinaryDeltaFields = Readonly<Record<string, readonly BinaryField[]>>

/** The header of a `0x01` frame, plus its still-encoded payload. */
export interface BinaryDeltaFrame {
  componentId: string
  payload: Uint8Array
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

/** Parses `[0x01][idLen u8][componentId][payload]`; `null` for anything else or a truncated header. */
export function parseBinaryDeltaFrame(bytes: Uint8Array): BinaryDeltaFrame | null {
  if (bytes.length < 3 || bytes[0] !== BINARY_STATE_DELTA) return null
  const end = 2 + bytes[1]!
  if (end > bytes.length) return null
  try {
    return { componentId: utf8.decode(bytes.subarray(2, end)), payload: bytes.subarray(end) }
  } catch {
    return null
  }
}

const SIZES: Record<Exclude<WireType, 'string'>, number> = {
  uint8: 1, uint16: 2, uint32: 4, int8: 1, int16: 2, int32: 4, float32: 4, float64: 8, boolean: 1,
}

/**
 * Decodes a payload into the delta it stands for (applied like a `STATE_DELTA`'s `delta`).
 * Returns `null` for a payload that does not match `fields`: truncated, bits past the last
 * field, or bytes left over.
 */
export function decodeBinaryDelta(fields: readonly BinaryField[], payload: Uint8Array): Record<string, unknown> | null {
  const maskLen = Math.max(1, Math.ceil(fields.length / 8))
  if (payload.length < maskLen) return null
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength)
  const delta: Record<string, unknown> = {}
  let pos = maskLen
  for (let i = 0; i < maskLen * 8; i++) {
    if ((payload[i >> 3]! & (1 << (i & 7))) === 0) continue
    const field = fields[i]
    if (!field) return null
    const [name, type] = field
    if (type === 'string') {
      if (pos + 2 > payload.length) return null
      const len = view.getUint16(pos, true)
      if (pos + 2 + len > payload.length) return null
      try {
        delta[name] = utf8.decode(payload.subarray(pos + 2, pos + 2 + len))
      } catch {
        return null
      }
      pos += 2 + len
      continue
    }
    const size = SIZES[type]
    if (pos + size > payload.length) return null
    delta[name] = read(view, pos, type)
    pos += size
  }
  return pos === payload.length ? delta : null
}

function read(view: DataView, pos: number, type: Exclude<WireType, 'string'>): number | boolean {
  switch (type) {
    case 'uint8': return view.getUint8(pos)
    case 'uint16': return view.getUint16(pos, true)
    case 'uint32': return view.getUint32(pos, true)
    case 'int8': return view.getInt8(pos)
    case 'int16': return view.getInt16(pos, true)
    case 'int32': return view.getInt32(pos, true)
    case 'float32': return view.getFloat32(pos, true)
    case 'float64': return view.getFloat64(pos, true)
    case 'boolean': return view.getUint8(pos) === 1
  }
}
