import { deepFreeze, isPlainObject } from './merge.js'

/**
 * One present member of a room: a user (grouped by user id, its tabs counted in `connections`)
 * or a single connection, as the server's `$presence:*` room events describe it.
 * `Meta` is the room's typed presence metadata (`R::Presence` on the server).
 */
export interface PresenceEntry<Meta = unknown> {
  /** `"user:<userId>"` when grouped by user and the member has a user id, else `"conn:<connectionId>"`. */
  readonly key: string
  /** The first member component that made this key. */
  readonly componentId: string
  readonly connectionId: string
  readonly userId: string | null
  readonly sessionId: string | null
  /** Milliseconds since the Unix epoch of the key's first join. */
  readonly joinedAt: number
  /** The metadata the component set at join (frozen). */
  readonly meta: Readonly<Meta>
  /** How many members share this key (tabs of one user); at least 1. */
  readonly connections: number
}

/** What one change did to a presence list. Entries in `left` are their last known value. */
export interface PresenceDiff<Meta = unknown> {
  readonly joined: readonly PresenceEntry<Meta>[]
  readonly updated: readonly PresenceEntry<Meta>[]
  readonly left: readonly PresenceEntry<Meta>[]
}

/** The room system events that carry presence (see docs/rooms.md). */
export const PRESENCE_EVENTS = Object.freeze({
  state: '$presence:state',
  join: '$presence:join',
  update: '$presence:update',
  leave: '$presence:leave',
})

const PRESENCE_PREFIX = '$presence:'

type DiffListener<Meta> = (diff: PresenceDiff<Meta>) => void

/**
 * The members present in one room, as seen by one component: `handle.room(id).presence`.
 *
 * Kept from the room's `$presence:state` (the whole list, sent to a member right after it
 * joins, again after a re-join) and `$presence:join` / `update` / `leave` diffs. `list()` is
 * ordered by `joinedAt`, then `key`, and is an immutable array replaced on every change (the
 * same reference in between, so it can be a `useSyncExternalStore` snapshot).
 *
 * A fresh `$presence:state` replaces the list and reports the difference to the previous one,
 * so after a reconnect listeners see who came and went meanwhile, not everybody joining again.
 * Malformed presence data is dropped and counted in `ignored`; it never throws.
 */
export class PresenceList<Meta = unknown> {
  private entries: readonly PresenceEntry<Meta>[] = Object.freeze([])
  private readonly byKey = new Map<string, PresenceEntry<Meta>>()
  private readonly listeners = new Set<DiffListener<Meta>>()
  private ignoredCount = 0

  /** The entries, ordered by `joinedAt` then `key` (immutable; a new array after each change). */
  list(): readonly PresenceEntry<Meta>[] {
    return this.entries
  }

  /** The entry with `key`, if present. */
  get(key: string): PresenceEntry<Meta> | undefined {
    return this.byKey.get(key)
  }

  /** How many entries there are. */
  get size(): number {
    return this.entries.length
  }

  /** How many presence events or entries were dropped as malformed or unknown (for debugging). */
  get ignored(): number {
    return this.ignoredCount
  }

  /** Returns `list()`; stable between changes (for `useSyncExternalStore`). */
  readonly getSnapshot = (): readonly PresenceEntry<Meta>[] => this.entries

  /**
   * Calls `listener` with the diff after every change (never with an empty diff). Returns the
   * unsubscribe function.
   */
  readonly subscribe = (listener: DiffListener<Meta>): (() => void) => {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /**
   * Applies a room event if it is a presence event; returns whether it was one (`$presence:`
   * prefix), valid or not.
   * @internal
   */
  _apply(event: string, data: unknown): boolean {
    if (!event.startsWith(PRESENCE_PREFIX)) return false
    const payload = isPlainObject(data) ? data : null
    switch (event) {
      case PRESENCE_EVENTS.state:
        this.reset(payload?.entries)
        break
      case PRESENCE_EVENTS.join:
      case PRESENCE_EVENTS.update:
        this.upsert(payload?.entry)
        break
      case PRESENCE_EVENTS.leave:
        if (typeof payload?.key === 'string') this.remove(payload.key)
        else this.ignoredCount++
        break
      default:
        this.ignoredCount++
    }
    return true
  }

  /** The component left the room: everybody leaves its view. @internal */
  _clear(): void {
    if (this.entries.length === 0) return
    const left = this.entries
    this.byKey.clear()
    this.commit({ joined: [], updated: [], left })
  }

  /** `$presence:state`: the whole list; reports what differs from the current one. */
  private reset(raw: unknown): void {
    if (!Array.isArray(raw)) {
      this.ignoredCount++
      return
    }
    const next = new Map<string, PresenceEntry<Meta>>()
    for (const item of raw) {
      const entry = parseEntry<Meta>(item)
      if (entry === null || next.has(entry.key)) this.ignoredCount++
      else next.set(entry.key, entry)
    }
    const joined: PresenceEntry<Meta>[] = []
    const updated: PresenceEntry<Meta>[] = []
    const left = this.entries.filter((entry) => !next.has(entry.key))
    for (const [key, entry] of next) {
      const previous = this.byKey.get(key)
      if (previous === undefined) joined.push(entry)
      else if (sameEntry(previous, entry)) next.set(key, previous) // keeps its identity for memoised views
      else updated.push(entry)
    }
    this.byKey.clear()
    for (const [key, entry] of next) this.byKey.set(key, entry)
    this.commit({ joined: sorted(joined), updated: sorted(updated), left })
  }

  /** `$presence:join` / `$presence:update`: an unknown key joins, a known one is replaced. */
  private upsert(raw: unknown): void {
    const entry = parseEntry<Meta>(raw)
    if (entry === null) {
      this.ignoredCount++
      return
    }
    const previous = this.byKey.get(entry.key)
    if (previous !== undefined && sameEntry(previous, entry)) return
    this.byKey.set(entry.key, entry)
    this.commit(previous === undefined
      ? { joined: [entry], updated: [], left: [] }
      : { joined: [], updated: [entry], left: [] })
  }

  /** `$presence:leave`: an unknown key is already gone. */
  private remove(key: string): void {
    const previous = this.byKey.get(key)
    if (previous === undefined) return
    this.byKey.delete(key)
    this.commit({ joined: [], updated: [], left: [previous] })
  }

  /** Rebuilds the ordered list from `byKey` and tells the listeners, unless nothing changed. */
  private commit(diff: PresenceDiff<Meta>): void {
    if (diff.joined.length === 0 && diff.updated.length === 0 && diff.left.length === 0) return
    this.entries = Object.freeze(sorted([...this.byKey.values()]))
    const frozen = Object.freeze({
      joined: Object.freeze(diff.joined),
      updated: Object.freeze(diff.updated),
      left: Object.freeze(diff.left),
    })
    for (const listener of [...this.listeners]) listener(frozen)
  }
}

/** `joinedAt` order, then `key` (as the server lists them). */
function sorted<Meta>(entries: PresenceEntry<Meta>[]): PresenceEntry<Meta>[] {
  return entries.sort((a, b) => a.joinedAt - b.joinedAt || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
}

/** A frozen entry from wire data, or null when a field is missing or has the wrong type. */
function parseEntry<Meta>(value: unknown): PresenceEntry<Meta> | null {
  if (!isPlainObject(value)) return null
  const { key, componentId, connectionId, userId, sessionId, joinedAt, meta, connections } = value
  if (typeof key !== 'string' || key === '') return null
  if (typeof componentId !== 'string' || typeof connectionId !== 'string') return null
  if (!isOptionalString(userId) || !isOptionalString(sessionId)) return null
  if (typeof joinedAt !== 'number' || !Number.isFinite(joinedAt)) return null
  if (typeof connections !== 'number' || !Number.isSafeInteger(connections) || connections < 1) return null
  return deepFreeze({
    key,
    componentId,
    connectionId,
    userId: userId ?? null,
    sessionId: sessionId ?? null,
    joinedAt,
    meta: (meta ?? null) as Readonly<Meta>,
    connections,
  })
}

function isOptionalString(value: unknown): value is string | null | undefined {
  return value === null || value === undefined || typeof value === 'string'
}

function sameEntry<Meta>(a: PresenceEntry<Meta>, b: PresenceEntry<Meta>): boolean {
  return a.componentId === b.componentId && a.connectionId === b.connectionId && a.userId === b.userId
    && a.sessionId === b.sessionId && a.joinedAt === b.joinedAt && a.connections === b.connections
    && sameValue(a.meta, b.meta)
}

/** Structural equality of decoded JSON / msgpack values. */
function sameValue(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  if (Array.isArray(a) !== Array.isArray(b)) return false
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    return a instanceof Uint8Array && b instanceof Uint8Array && a.length === b.length && a.every((byte, i) => byte === b[i])
  }
  const aKeys = Object.keys(a)
  const bKeys = Object.keys(b)
  if (aKeys.length !== bKeys.length) return false
  return aKeys.every((key) => Object.prototype.hasOwnProperty.call(b, key)
    && sameValue((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]))
}
