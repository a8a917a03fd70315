/** A JSON object (not null, not an array). */
export type PlainObject = Record<string, unknown>

/** True for JSON objects: non-null, non-array objects. */
export function isPlainObject(value: unknown): value is PlainObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array)
}

/** Freezes `value` and everything reachable from it; already-frozen subtrees are skipped. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const child of Object.values(value)) deepFreeze(child)
  }
  return value
}

/**
 * Applies a `STATE_DELTA` (or room state diff) to `target` without mutating it (§8.2):
 * a top-level `null` sets the key to `null`, a nested `null` deletes it, two objects merge
 * recursively, anything else replaces. Returns a new root and new objects along changed paths;
 * untouched subtrees keep their identity, and `target` itself is returned when nothing changed.
 * The values taken from `delta` are frozen.
 */
export function applyDelta<T extends PlainObject>(target: T, delta: PlainObject): T {
  return merge(target, delta, 0) as T
}

function merge(target: PlainObject, delta: PlainObject, depth: number): PlainObject {
  let result: PlainObject | null = null
  const write = (key: string, value: unknown, remove: boolean): void => {
    result ??= { ...target }
    if (remove) delete result[key]
    else result[key] = value
  }
  for (const key of Object.keys(delta)) {
    if (key === '__proto__') continue
    const next = delta[key]
    const own = Object.prototype.hasOwnProperty.call(target, key)
    const prev = own ? target[key] : undefined
    if (next === undefined) continue
    if (next === null && depth > 0) {
      if (own) write(key, undefined, true)
    } else if (isPlainObject(prev) && isPlainObject(next)) {
      const merged = merge(prev, next, depth + 1)
      if (merged !== prev) write(key, merged, false)
    } else if (!own || !Object.is(prev, next)) {
      write(key, deepFreeze(next), false)
    }
  }
  return result === null ? target : Object.freeze(result)
}
