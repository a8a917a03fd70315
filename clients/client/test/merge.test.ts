import { describe, expect, it } from 'vitest'
import { applyDelta, deepFreeze } from '../src/index.js'

describe('applyDelta (§8.2 merge rules)', () => {
  it('top-level null sets the key to null', () => {
    expect(applyDelta({ a: 1, b: 2 }, { a: null })).toEqual({ a: null, b: 2 })
  })

  it('nested null deletes the key', () => {
    const next = applyDelta({ players: { p1: { x: 1 }, p2: { x: 5 } } }, { players: { p2: null } })
    expect(next).toEqual({ players: { p1: { x: 1 } } })
    expect(Object.hasOwn(next.players as object, 'p2')).toBe(false)
  })

  it('merges objects recursively and replaces everything else', () => {
    const prev = { cfg: { a: 1, deep: { b: 2, c: 3 } }, list: [1, 2, 3], label: 'x', obj: { k: 1 } }
    const next = applyDelta(prev, { cfg: { deep: { c: 4 } }, list: [9], label: 'y', obj: 'now a string' })
    expect(next).toEqual({ cfg: { a: 1, deep: { b: 2, c: 4 } }, list: [9], label: 'y', obj: 'now a string' })
  })

  it('replaces a primitive with an object and an object with an array', () => {
    expect(applyDelta({ a: 1, b: { x: 1 } }, { a: { y: 2 }, b: [1] })).toEqual({ a: { y: 2 }, b: [1] })
  })

  it('adds new keys, including nested ones', () => {
    expect(applyDelta({ a: { b: 1 } }, { a: { c: 2 }, d: 3 })).toEqual({ a: { b: 1, c: 2 }, d: 3 })
  })

  it('never mutates the previous state', () => {
    const prev = deepFreeze({ a: { b: 1 }, c: [1] })
    const copy = structuredClone(prev)
    applyDelta(prev, { a: { b: 2, z: null }, c: null })
    expect(prev).toEqual(copy)
  })

  it('shares untouched subtrees and renews the changed path only', () => {
    const prev = deepFreeze({ left: { deep: { v: 1 } }, right: { deep: { v: 2 }, other: { w: 0 } } })
    const next = applyDelta(prev, { right: { deep: { v: 3 } } })
    expect(next).not.toBe(prev)
    expect(next.left).toBe(prev.left)
    expect(next.right).not.toBe(prev.right)
    expect(next.right.other).toBe(prev.right.other)
    expect(next.right.deep).not.toBe(prev.right.deep)
    expect(next.right.deep.v).toBe(3)
  })

  it('returns the same root when nothing changes', () => {
    const prev = deepFreeze({ a: 1, b: { c: 'x' }, n: null })
    expect(applyDelta(prev, { a: 1, b: { c: 'x' }, n: null })).toBe(prev)
    expect(applyDelta(prev, { b: { missing: null } })).toBe(prev)
  })

  it('produces frozen snapshots', () => {
    const next = applyDelta(deepFreeze({ a: { b: 1 } }), { a: { c: { d: 1 } } })
    expect(Object.isFrozen(next)).toBe(true)
    expect(Object.isFrozen(next.a)).toBe(true)
    expect(Object.isFrozen((next.a as unknown as { c: object }).c)).toBe(true)
  })

  it('ignores __proto__ keys and does not pollute prototypes', () => {
    const delta = JSON.parse('{"__proto__": {"polluted": true}, "ok": 1}')
    const next = applyDelta({}, delta)
    expect(next).toEqual({ ok: 1 })
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined()
    expect(Object.getPrototypeOf(next)).toBe(Object.prototype)
  })
})
