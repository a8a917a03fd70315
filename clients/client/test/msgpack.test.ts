import { encode } from '@msgpack/msgpack'
import { describe, expect, it } from 'vitest'
import { decodeMsgpack, MSGPACK_MAX_DEPTH } from '../src/index.js'

const bytes = (...b: number[]): Uint8Array => new Uint8Array(b)

describe('decodeMsgpack: types of the §10.5 subset', () => {
  it.each([
    ['nil', [0xc0], null],
    ['false', [0xc2], false],
    ['true', [0xc3], true],
    ['positive fixint', [0x7f], 127],
    ['negative fixint', [0xe0], -32],
    ['uint8', [0xcc, 0xff], 255],
    ['uint16', [0xcd, 0x01, 0x00], 256],
    ['uint32', [0xce, 0xff, 0xff, 0xff, 0xff], 0xffffffff],
    ['int8', [0xd0, 0x80], -128],
    ['int16', [0xd1, 0x80, 0x00], -32768],
    ['int32', [0xd2, 0x80, 0x00, 0x00, 0x00], -2147483648],
    ['float64', [0xcb, 0x40, 0x45, 0, 0, 0, 0, 0, 0], 42],
    ['float32 (lenient)', [0xca, 0x3f, 0xc0, 0, 0], 1.5],
    ['uint64 (lenient)', [0xcf, 0, 0, 0x01, 0x93, 0x8b, 0x7a, 0x1e, 0x00], 0x01938b7a1e00],
    ['fixstr', [0xa2, 0x68, 0x69], 'hi'],
    ['str8', [0xd9, 0x02, 0x68, 0x69], 'hi'],
    ['str16', [0xda, 0x00, 0x02, 0x68, 0x69], 'hi'],
    ['str32', [0xdb, 0, 0, 0, 0x02, 0x68, 0x69], 'hi'],
    ['fixarray', [0x92, 0x01, 0xc0], [1, null]],
    ['array16', [0xdc, 0x00, 0x01, 0xc3], [true]],
    ['array32', [0xdd, 0, 0, 0, 0x01, 0xc2], [false]],
    ['fixmap', [0x81, 0xa1, 0x61, 0x01], { a: 1 }],
    ['map16', [0xde, 0x00, 0x01, 0xa1, 0x61, 0x02], { a: 2 }],
    ['map32', [0xdf, 0, 0, 0, 0x01, 0xa1, 0x61, 0x03], { a: 3 }],
  ])('%s', (_name, input, expected) => {
    expect(decodeMsgpack(bytes(...input))).toEqual(expected)
  })

  it('decodes bin8/16/32 as Uint8Array copies', () => {
    const input = bytes(0xc4, 0x02, 0xde, 0xad)
    const out = decodeMsgpack(input) as Uint8Array
    expect(out).toBeInstanceOf(Uint8Array)
    expect([...out]).toEqual([0xde, 0xad])
    input[2] = 0
    expect(out[0]).toBe(0xde)
    expect([...(decodeMsgpack(bytes(0xc5, 0, 1, 7)) as Uint8Array)]).toEqual([7])
    expect([...(decodeMsgpack(bytes(0xc6, 0, 0, 0, 1, 8)) as Uint8Array)]).toEqual([8])
  })

  it('stringifies non-string map keys', () => {
    expect(decodeMsgpack(bytes(0x82, 0x01, 0xa1, 0x61, 0xc3, 0x02))).toEqual({ 1: 'a', true: 2 })
  })

  it('decodes the §10.4 example payload', () => {
    expect(decodeMsgpack(bytes(0x81, 0xa5, 0x63, 0x6f, 0x75, 0x6e, 0x74, 0x0a))).toEqual({ count: 10 })
  })
})

describe('decodeMsgpack: limits', () => {
  const nestedArrays = (levels: number): Uint8Array => {
    const out = new Uint8Array(levels + 1).fill(0x91)
    out[levels] = 0xc0
    return out
  }

  it(`accepts ${MSGPACK_MAX_DEPTH} levels of nesting and refuses one more`, () => {
    expect(() => decodeMsgpack(nestedArrays(MSGPACK_MAX_DEPTH))).not.toThrow()
    expect(() => decodeMsgpack(nestedArrays(MSGPACK_MAX_DEPTH + 1))).toThrow(/too deep/)
  })

  it('survives absurd nesting without a stack overflow', () => {
    expect(() => decodeMsgpack(nestedArrays(100_000))).toThrow(/too deep/)
  })

  it('refuses a container count larger than the remaining bytes, without allocating', () => {
    const started = performance.now()
    expect(() => decodeMsgpack(bytes(0xdd, 0xff, 0xff, 0xff, 0xff))).toThrow(/exceeds remaining/)
    expect(() => decodeMsgpack(bytes(0xdf, 0xff, 0xff, 0xff, 0xff, 0xc0))).toThrow(/exceeds remaining/)
    // a map needs 2 bytes per entry: 3 entries cannot fit in 5 bytes
    expect(() => decodeMsgpack(bytes(0x83, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0))).toThrow(/exceeds remaining/)
    expect(performance.now() - started).toBeLessThan(50)
  })

  it('throws on every truncation of a valid encoding', () => {
    const full = encode({ s: 'text', n: [1, -200, 70000, 1.5], b: new Uint8Array([1, 2, 3]), m: { deep: [null, true] } })
    for (let len = 0; len < full.length; len++) {
      expect(() => decodeMsgpack(full.subarray(0, len)), `prefix of ${len} bytes`).toThrow()
    }
    expect(() => decodeMsgpack(full)).not.toThrow()
  })

  it('throws on trailing bytes and unsupported type bytes', () => {
    expect(() => decodeMsgpack(bytes(0xc0, 0xc0))).toThrow(/trailing/)
    for (const b of [0xc1, 0xc7, 0xc8, 0xc9, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8]) {
      expect(() => decodeMsgpack(bytes(b, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)), `0x${b.toString(16)}`).toThrow(/Unsupported/)
    }
  })

  it('drops __proto__, constructor and prototype keys', () => {
    const encoded = encode({ __proto__: { polluted: true }, constructor: 'evil', prototype: 'evil', ok: 1 }, { ignoreUndefined: true })
    // @msgpack/msgpack skips __proto__ when given an object literal, so build that key by hand too
    const handMade = bytes(0x82, 0xa9, ...new TextEncoder().encode('__proto__'), 0x81, 0xa1, 0x78, 0x01, 0xa2, 0x6f, 0x6b, 0x02)
    for (const input of [encoded, handMade]) {
      const out = decodeMsgpack(input) as Record<string, unknown>
      expect(Object.keys(out)).toEqual(['ok'])
      expect(Object.getPrototypeOf(out)).toBe(Object.prototype)
    }
    expect(({} as { x?: number; polluted?: boolean }).x).toBeUndefined()
  })
})

describe('decodeMsgpack: cross-check against @msgpack/msgpack', () => {
  // A small deterministic PRNG so that failures are reproducible.
  let seed = 0x2545f491
  const rand = (): number => {
    seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5
    return (seed >>> 0) / 0x100000000
  }
  const pick = <T>(items: T[]): T => items[Math.floor(rand() * items.length)]!
  const int = (max: number): number => Math.floor(rand() * max)
  const string = (): string => {
    const len = pick([0, 1, 5, 31, 32, 200, 300, 70_000])
    const chars = ['a', 'Z', '0', ' ', 'é', '€', '😀', '\n']
    if (len === 70_000) return 'x'.repeat(len) // str32 (and fixstr/str8/str16 below)
    let s = ''
    while (s.length < len) s += pick(chars)
    return s
  }
  // `|| 0` avoids -0, which msgpack (rightly) encodes as the integer 0.
  const number = (): number => pick([
    () => int(128), () => -int(33) || 0, () => int(256), () => int(65_536), () => int(2 ** 32),
    () => -int(129) || 0, () => -int(32_769) || 0, () => -int(2 ** 31 + 1) || 0, () => (rand() - 0.5) * 1e12, () => rand(), () => 2 ** 40 + int(1000),
  ])()
  const value = (depth: number): unknown => {
    const kinds = depth > 3 ? ['nil', 'bool', 'num', 'str'] : ['nil', 'bool', 'num', 'str', 'bin', 'arr', 'map']
    switch (pick(kinds)) {
      case 'nil': return null
      case 'bool': return rand() < 0.5
      case 'num': return number()
      case 'str': return string()
      case 'bin': return Uint8Array.from({ length: pick([0, 3, 300]) }, () => int(256))
      // wide containers (fix → 16-bit counts) only near the root, to keep values small
      case 'arr': return Array.from({ length: pick(depth === 0 ? [0, 1, 15, 16, 40] : [0, 1, 3]) }, () => value(depth + 1))
      default: return Object.fromEntries(Array.from({ length: pick(depth === 0 ? [0, 1, 15, 16, 20] : [0, 1, 3]) }, (_, i) => [`k${i}_${int(1000)}`, value(depth + 1)]))
    }
  }

  it('decodes 300 random values exactly as @msgpack/msgpack encoded them', () => {
    for (let i = 0; i < 300; i++) {
      const original = value(0)
      const encoded = encode(original)
      expect(decodeMsgpack(encoded)).toEqual(original)
    }
  })

  it('decodes every size boundary as @msgpack/msgpack encodes it', () => {
    const boundaries: unknown[] = [
      0, 127, 128, 255, 256, 65_535, 65_536, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1,
      -1, -32, -33, -128, -129, -32_768, -32_769, -(2 ** 31), -(2 ** 31) - 1, 0.1, -1e300,
      ...[0, 31, 32, 255, 256, 65_535, 65_536].map((n) => 'é'.repeat(n / 2) + 'a'.repeat(n % 2)),
      ...[0, 255, 256, 65_535, 65_536].map((n) => new Uint8Array(n).fill(7)),
      ...[0, 15, 16, 65_535, 65_536].map((n) => new Array(n).fill(1)),
      ...[0, 15, 16, 65_536].map((n) => Object.fromEntries(Array.from({ length: n }, (_, i) => [String(i), i]))),
    ]
    for (const original of boundaries) expect(decodeMsgpack(encode(original))).toEqual(original)
  })

  it('decodes values encoded with forceFloat32', () => {
    const encoded = encode({ x: 0.5, y: -2.25 }, { forceFloat32: true })
    expect(decodeMsgpack(encoded)).toEqual({ x: 0.5, y: -2.25 })
  })
})
