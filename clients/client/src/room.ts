import { applyDelta, deepFreeze, isPlainObject, type PlainObject } from './merge.js'
import { LiveError, type ConnectionPort, type ServerMessage } from './protocol.js'
import { PresenceList } from './presence.js'
import type { AnyState } from './types.js'

type Listener<T> = (data: T) => void

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype'])

/**
 * What a room needs from the component it belongs to.
 * @internal
 */
export interface RoomOwner {
  readonly id: string | null
  whenMounted(): Promise<void>
}

/**
 * A room as seen by one component (§10). Obtained with `handle.room(roomId)`.
 *
 * `state` is an immutable snapshot, replaced on every change (`subscribe`/`getSnapshot` follow
 * the same rules as the component handle). Events arrive as JSON frames (untyped rooms) or as
 * binary msgpack frames (typed rooms); both end up in the `on()` listeners. `presence` follows the
 * room's `$presence:*` system events (rooms declared with `presence`); `P` is its metadata type.
 */
export class RoomHandle<
  S = AnyState,
  E = Record<string, unknown>,
  C extends string = keyof E & string,
  P = unknown,
> {
  private currentState = Object.freeze({}) as S
  private isJoined = false
  /** Joined through `join()` (so it is re-joined after a reconnect); typed rooms are joined by the server. */
  private joinedByClient = false
  private readonly listeners = new Map<string, Set<Listener<any>>>()
  private readonly stateListeners = new Set<() => void>()

  /**
   * Who is in the room (rooms with presence): kept from the moment the handle exists, so the
   * `$presence:state` sent right after the join is never missed. Emptied when the component
   * leaves; kept over a dropped socket until the re-join's `$presence:state` replaces it.
   */
  readonly presence = new PresenceList<P>()

  /** @internal */
  constructor(
    /** The room id, e.g. `"chat-1"` or `"counter:global"`. */
    readonly id: string,
    private readonly owner: RoomOwner,
    private readonly conn: ConnectionPort,
  ) {}

  /** The current room state (immutable; a new object after each change). */
  get state(): Readonly<S> {
    return this.currentState
  }

  /** Whether the component is currently a member of the room. */
  get joined(): boolean {
    return this.isJoined
  }

  /** Returns the current state; stable between changes (for `useSyncExternalStore`). */
  readonly getSnapshot = (): Readonly<S> => this.currentState

  /** Calls `listener` after every change of `state` or `joined`. Returns the unsubscribe function. */
  readonly subscribe = (listener: () => void): (() => void) => {
    this.stateListeners.add(listener)
    return () => this.stateListeners.delete(listener)
  }

  /** Joins the room (`ROOM_JOIN`); `initialState` is used only if the room does not exist yet. */
  async join(initialState?: Partial<S>): Promise<void> {
    const reply = await this.roomRequest('ROOM_JOIN', initialState === undefined ? undefined : { initialState })
    const state = (reply.payload as { state?: unknown } | undefined)?.state
    if (isPlainObject(state)) this.currentState = deepFreeze(state) as S
    this.joinedByClient = true
    this.isJoined = true
    this.notify()
  }

  /** Leaves the room (`ROOM_LEAVE`). */
  async leave(): Promise<void> {
    this.joinedByClient = false
    await this.roomRequest('ROOM_LEAVE')
    this.isJoined = false
    this.presence._clear()
    this.notify()
  }

  /**
   * Sends an event to the other members (`ROOM_EMIT`; the sender does not receive it back).
   * Returns false when it could not be sent (component not mounted or socket not open).
   */
  emit<K extends C & keyof E & string>(event: K, data: E[K]): boolean {
    const componentId = this.owner.id
    return componentId !== null && this.conn.send({ type: 'ROOM_EMIT', componentId, roomId: this.id, payload: { event, data } })
  }

  /**
   * Writes top-level state keys (`ROOM_STATE_SET`) and applies them locally right away, as the
   * server does: each given key replaces its value whole, `$`-prefixed keys are server-only and
   * skipped. Returns false when it could not be sent.
   */
  setState(partial: Partial<S>): boolean {
    const componentId = this.owner.id
    if (componentId === null) return false
    const clean: PlainObject = {}
    for (const [key, value] of Object.entries(partial as PlainObject)) {
      if (!key.startsWith('$') && !FORBIDDEN_KEYS.has(key) && value !== undefined) clean[key] = value
    }
    if (!this.conn.send({ type: 'ROOM_STATE_SET', componentId, roomId: this.id, payload: { state: clean } })) return false
    this.setRoomState(Object.freeze({ ...(this.currentState as PlainObject), ...deepFreeze(clean) }) as S)
    return true
  }

  /** Fetches the full room state from the server (`ROOM_STATE_GET`) and stores it. */
  async getState(): Promise<Readonly<S>> {
    const reply = await this.roomRequest('ROOM_STATE_GET')
    const state = (reply.payload as { state?: unknown } | undefined)?.state
    if (isPlainObject(state)) this.setRoomState(deepFreeze(state) as S)
    return this.currentState
  }

  /** Listens to a room event (`ROOM_EVENT` or binary `0x02`). Returns the unsubscribe function. */
  on<K extends keyof E & string>(event: K, listener: Listener<E[K]>): () => void {
    return this.addListener(event, listener as Listener<unknown>)
  }

  private addListener(event: string, listener: Listener<unknown>): () => void {
    let set = this.listeners.get(event)
    if (!set) this.listeners.set(event, (set = new Set()))
    set.add(listener)
    return () => set.delete(listener)
  }

  /**
   * Listens to a system event: `'sub:join'` / `'sub:leave'` (data `{subscriberId, count?}`),
   * `'state:change'` (data = the applied diff) or a raw `'presence:*'` event (prefer `presence`).
   */
  onSystem(
    event: 'sub:join' | 'sub:leave' | 'state:change' | 'presence:state' | 'presence:join' | 'presence:update' | 'presence:leave' | (string & {}),
    listener: Listener<unknown>,
  ): () => void {
    return this.addListener(`$${event}`, listener)
  }

  /** Handles a JSON room frame addressed to the owning component. @internal */
  _receive(msg: ServerMessage): void {
    const data = msg.data ?? (msg.payload as { data?: unknown } | undefined)?.data
    switch (msg.type) {
      case 'ROOM_EVENT':
      case 'ROOM_SYSTEM':
        if (typeof msg.event === 'string') this.dispatch(msg.event, data)
        break
      case 'ROOM_STATE':
        this.applyStateFrame(data ?? msg.payload)
        break
      case 'ROOM_JOINED': {
        const state = (data as { state?: unknown } | undefined)?.state ?? (msg.payload as { state?: unknown } | undefined)?.state
        if (isPlainObject(state)) this.currentState = deepFreeze(state) as S
        this.isJoined = true
        this.notify()
        break
      }
      case 'ROOM_LEFT':
        this.isJoined = false
        this.presence._clear()
        this.notify()
        break
    }
  }

  /** Handles a decoded binary room frame (`0x02` event, `0x03` state). @internal */
  _receiveBinary(isState: boolean, event: string, data: unknown): void {
    if (isState) this.applyStateFrame(data)
    else this.dispatch(event, data)
  }

  /** Marks the room as left after the socket closed. @internal */
  _detach(): void {
    if (!this.isJoined) return
    this.isJoined = false
    this.notify()
  }

  /** Re-joins after a reconnect if the room was joined with `join()`. @internal */
  _rejoin(): void {
    if (this.joinedByClient) this.join().catch(() => { /* reported by the next join() */ })
  }

  /** `{ state: diff }` or a bare diff: merge it (§8.2 rules) and fire `$state:change`. */
  private applyStateFrame(data: unknown): void {
    const diff = isPlainObject(data) && isPlainObject(data.state) ? data.state : data
    if (!isPlainObject(diff)) return
    this.setRoomState(applyDelta(this.currentState as PlainObject, diff) as S)
    this.dispatch('$state:change', diff)
  }

  private setRoomState(next: S): void {
    if (next === this.currentState) return
    this.currentState = next
    this.notify()
  }

  private async roomRequest(type: string, payload?: unknown): Promise<ServerMessage> {
    await this.owner.whenMounted()
    const componentId = this.owner.id
    if (componentId === null) throw new LiveError('Component is not mounted')
    const reply = await this.conn.request({ type, componentId, roomId: this.id, payload })
    if (reply.success === false) throw new LiveError(typeof reply.error === 'string' ? reply.error : `${type} failed`, reply)
    return reply
  }

  private dispatch(event: string, data: unknown): void {
    this.presence._apply(event, data)
    for (const listener of [...(this.listeners.get(event) ?? [])]) listener(data)
  }

  private notify(): void {
    for (const listener of [...this.stateListeners]) listener()
  }
}
