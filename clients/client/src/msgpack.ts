/**
 * A small msgpack decoder for the subset the server encodes for room frames (§10.5):
 * nil, bool, positive/negative fixint, uint8/16/32, int8/16/32, float64, str (fix/8/16/32),
 * bin (8/16/32 → `Uint8Array`), array (fix/16/32) and map (fix/16/32). Leniently also float32
 * and uint64/int64 (converted to `number`, which loses precision beyond 2^53).
 *
 * Defensive by design — the input comes from the network:
 * - nesting deeper than `maxDepth` (default 100) throws;
 * - a container whose item count cannot fit in the remaining bytes throws before allocating;
 * - truncated input, unknown type bytes and trailing bytes throw;
 * - map keys are stringified and `__proto__`, `constructor`, `prototype` keys are dropped.
 * @module
 */

/** Default maximum container nesting accepted by {@link decodeMsgpack}. */
export const MSGPACK_MAX_DEPTH = 100

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype'])
const utf8 = new TextDecoder()

/** Thrown for any input {@link decodeMsgpack} refuses. */
export class MsgpackError extends Error {
  override name = 'MsgpackError'
}

/** Decodes exactly one msgpack value from `bytes`. Throws {@link MsgpackError} on bad input. */
export function decodeMsgpack(bytes: Uint8Array, maxDepth = MSGPACK_MAX_DEPTH): unknown {
  const reader = new Reader(bytes, maxDepth)
  const value = reader.value(0)
  if (reader.pos !== bytes.length) throw new MsgpackError(`${bytes.length - reader.pos} trailing bytes`)
  return value
}

class Reader {
  pos = 0
  private readonly view: DataView

  constructor(
    private readonly bytes: Uint8Array,
    private readonly maxDepth: number,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  }

  /** Reserves `n` bytes and returns their start offset. */
  private take(n: number): number {
    const start = this.pos
    if (start + n > this.bytes.length) throw new MsgpackError(`Truncated input at byte ${start}`)
    this.pos = start + n
    return start
  }

  private u8(): number { return this.view.getUint8(this.take(1)) }
  private u16(): number { return this.view.getUint16(this.take(2)) }
  private u32(): number { return this.view.getUint32(this.take(4)) }

  private str(len: number): string {
    const start = this.take(len)
    return utf8.decode(this.bytes.subarray(start, start + len))
  }

  private bin(len: number): Uint8Array {
    const start = this.take(len)
    return this.bytes.slice(start, start + len)
  }

  value(depth: number): unknown {
    const b = this.u8()
    if (b <= 0x7f) return b
    if (b >= 0xe0) return b - 0x100
    if (b >= 0xa0 && b <= 0xbf) return this.str(b & 0x1f)
    if (b >= 0x90 && b <= 0x9f) return this.array(b & 0x0f, depth)
    if (b >= 0x80 && b <= 0x8f) return this.map(b & 0x0f, depth)
    const v = this.view
    switch (b) {
      case 0xc0: return null
      case 0xc2: return false
      case 0xc3: return true
      case 0xc4: return this.bin(this.u8())
      case 0xc5: return this.bin(this.u16())
      case 0xc6: return this.bin(this.u32())
      case 0xca: return v.getFloat32(this.take(4))
      case 0xcb: return v.getFloat64(this.take(8))
      case 0xcc: return this.u8()
      case 0xcd: return this.u16()
      case 0xce: return this.u32()
      case 0xcf: return Number(v.getBigUint64(this.take(8)))
      case 0xd0: return v.getInt8(this.take(1))
      case 0xd1: return v.getInt16(this.take(2))
      case 0xd2: return v.getInt32(this.take(4))
      case 0xd3: return Number(v.getBigInt64(this.take(8)))
      case 0xd9: return this.str(this.u8())
      case 0xda: return this.str(this.u16())
      case 0xdb: return this.str(this.u32())
      case 0xdc: return this.array(this.u16(), depth)
      case 0xdd: return this.array(this.u32(), depth)
      case 0xde: return this.map(this.u16(), depth)
      case 0xdf: return this.map(this.u32(), depth)
      default: throw new MsgpackError(`Unsupported type byte 0x${b.toString(16)} at byte ${this.pos - 1}`)
    }
  }

  /** Checks depth and that `count` items of at least `minItemSize` bytes can still follow. */
  private container(count: number, minItemSize: number, depth: number): void {
    if (depth + 1 > this.maxDepth) throw new MsgpackError(`Nesting too deep (max ${this.maxDepth})`)
    const remaining = this.bytes.length - this.pos
    if (count * minItemSize > remaining) {
      throw new MsgpackError(`Container count ${count} exceeds remaining ${remaining} bytes`)
    }
  }

  private array(count: number, depth: number): unknown[] {
    this.container(count, 1, depth)
    const out: unknown[] = []
    for (let i = 0; i < count; i++) out.push(this.value(depth + 1))
    return out
  }

  private map(count: number, depth: number): Record<string, unknown> {
    this.container(count, 2, depth)
    const out: Record<string, unknown> = {}
    for (let i = 0; i < count; i++) {
      const key = String(this.value(depth + 1))
      const item = this.value(depth + 1)
      if (!FORBIDDEN_KEYS.has(key)) out[key] = item
    }
    return out
  }
}
