import { BINARY_ROOM_MESSAGE, BINARY_ROOM_STATE, type RoomFrame } from './frames.js'
import { BINARY_DELTA_MESSAGE, decodeBinaryDelta } from './binary-delta.js'
import { applyDelta, deepFreeze, isPlainObject, type PlainObject } from './merge.js'
import { decodeMsgpack } from './msgpack.js'
import { errorText, LiveError, type ConnectionPort, type ServerMessage } from './protocol.js'
import { RoomHandle } from './room.js'
import { uploadFile, type UploadOptions, type UploadResult, type UploadSource } from './upload.js'
import { isSignedState, type SignedState } from './signed-state.js'
import type {
  AnyAction, AnyState, ArgsOf, ArgsParam, ResultOf, RoomClientEventsFor, RoomEventsFor, RoomPresenceFor,
  RoomStateFor, UntypedRegistry,
} from './types.js'

/**
 * Lifecycle of a component handle:
 * - `idle`: created by `connection.shared()` and not retained yet;
 * - `mounting`: waiting for the connection, or for the mount/rehydrate reply (also after a reconnect);
 * - `mounted`: the server knows the component under `handle.id`;
 * - `error`: the mount failed (`handle.error` says why); a reconnect tries again;
 * - `unmounted`: `unmount()` was called.
 */
export type HandleStatus = 'idle' | 'mounting' | 'mounted' | 'error' | 'unmounted'

/** Options of `connection.mount()`. */
export interface MountOptions {
  /** Default room of the component (`payload.room`, §10.7). */
  room?: string
  /**
   * Try `COMPONENT_REHYDRATE` with the signed state persisted for this component name before the
   * first mount (default true). After a reconnect the handle always tries its own latest state.
   */
  rehydrate?: boolean
}

/** How long a `COMPONENT_REHYDRATE` may take before the handle mounts afresh (as the reference client). */
export const REHYDRATE_TIMEOUT_MS = 2000

type EventListener = (payload: unknown, message: ServerMessage) => void

/**
 * A mounted server component. Obtained from `connection.mount(name, props)`; the same object
 * survives reconnects (its `id` changes, subscribers keep working).
 *
 * `S` is the state type, `A` the action map `{ name: { args; result } }`, `Rooms` the room map
 * of the registry, `U` the names of the component's `#[upload]` methods.
 */
export class ComponentHandle<S = AnyState, A = Record<string, AnyAction>, Rooms = UntypedRegistry['rooms'], U extends string = string> {
  private currentId: string | null = null
  private currentState: Readonly<S> | null = null
  private currentStatus: HandleStatus
  private currentError: string | null = null
  private signedState: SignedState | null = null
  /** Bumped on every attach/detach/unmount so that stale async replies are ignored. */
  private generation = 0
  private attachedOnce = false
  private refs = 0
  private readonly listeners = new Set<() => void>()
  private readonly eventListeners = new Map<string, Set<EventListener>>()
  private readonly rooms = new Map<string, RoomHandle<any, any, any, any>>()
  private readonly waiters = new Set<{ resolve(): void; reject(error: Error): void }>()
  private settleReady!: { resolve(): void; reject(error: Error): void }

  /** Settles once: resolved by the first successful mount, rejected if it fails or the handle is unmounted first. */
  readonly ready: Promise<void>

  /** @internal */
  constructor(
    private readonly conn: ConnectionPort,
    /** The component's registry name. */
    readonly name: string,
    /** The props sent with every mount. */
    readonly props: Readonly<PlainObject> | undefined,
    private readonly options: MountOptions = {},
    /** The key of `connection.shared()`'s cache, if the handle came from there. @internal */
    readonly sharedKey: string | null = null,
  ) {
    this.currentStatus = sharedKey === null ? 'mounting' : 'idle'
    this.ready = new Promise<void>((resolve, reject) => { this.settleReady = { resolve, reject } })
    this.ready.catch(() => { /* a rejection nobody awaits is not an error */ })
  }

  /** The server-side component id (changes after a reconnect); null until mounted. */
  get id(): string | null { return this.currentId }

  /** The latest state snapshot (immutable, new root object after every change); null before the first state. */
  get state(): Readonly<S> | null { return this.currentState }

  /** See {@link HandleStatus}. */
  get status(): HandleStatus { return this.currentStatus }

  /** The last error: a failed mount, or a component `ERROR` event / failed action reply. */
  get error(): string | null { return this.currentError }

  /** Returns `state`; the same reference until the state changes (for `useSyncExternalStore`). */
  readonly getSnapshot = (): Readonly<S> | null => this.currentState

  /** Calls `listener` after any change of `state`, `status`, `error` or `id`. Returns the unsubscribe function. */
  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /**
   * Calls an action (`CALL_ACTION` with `expectResponse`) and resolves with its result. Waits for
   * the mount first. Rejects with a {@link LiveError} on failure or timeout.
   */
  async call<K extends keyof A & string>(action: K, ...args: ArgsParam<ArgsOf<A, K>>): Promise<ResultOf<A, K>> {
    const reply = await this.request({ type: 'CALL_ACTION', action, payload: args[0] })
    return reply.result as ResultOf<A, K>
  }

  /** Calls an action without waiting for a result (`expectResponse: false`); failures land in `error`. */
  fire<K extends keyof A & string>(action: K, ...args: ArgsParam<ArgsOf<A, K>>): void {
    this.whenMounted()
      .then(() => this.conn.send({ type: 'CALL_ACTION', componentId: this.currentId!, action, payload: args[0], expectResponse: false }))
      .catch(() => { /* not mounted: nothing to do */ })
  }

  /**
   * Uploads a `File` or `Blob` to one of the component's `#[upload]` methods (binary chunks,
   * one at a time; `options.onProgress` after each, `options.signal` cancels). Waits for the
   * mount first; resolves once the method accepted the file.
   */
  async upload(file: UploadSource, options: UploadOptions<U> = {}): Promise<UploadResult> {
    await this.whenMounted()
    return uploadFile(this.conn, this.currentId!, file, options)
  }

  /** Writes one state field directly (`PROPERTY_UPDATE`); the server must allow the field. */
  async set<K extends keyof S & string>(field: K, value: S[K]): Promise<void> {
    await this.request({ type: 'PROPERTY_UPDATE', property: field, payload: { value } })
  }

  /**
   * Sends a request for this component once it is mounted. A `COMPONENT_REHYDRATION_REQUIRED`
   * answer (which the connection resolves) means the server no longer knows the id: the handle
   * attaches again and the request fails.
   */
  private async request(msg: { type: string; payload?: unknown; [field: string]: unknown }): Promise<ServerMessage> {
    await this.whenMounted()
    const reply = await this.conn.request({ ...msg, componentId: this.currentId! })
    if (reply.success === false) {
      this._attach()
      throw new LiveError(errorText(reply), reply)
    }
    return reply
  }

  /** Listens to frames of one type for this component, e.g. a custom event the component emits. */
  on(type: string, listener: EventListener): () => void {
    let set = this.eventListeners.get(type)
    if (!set) this.eventListeners.set(type, (set = new Set()))
    set.add(listener)
    return () => set.delete(listener)
  }

  /** The handle of room `roomId` for this component (created on first use, then cached). */
  room<Id extends string>(
    roomId: Id,
  ): RoomHandle<
    RoomStateFor<Rooms, Id>,
    RoomEventsFor<Rooms, Id>,
    RoomClientEventsFor<Rooms, Id>,
    RoomPresenceFor<Rooms, Id>
  > {
    let room = this.rooms.get(roomId)
    if (!room) this.rooms.set(roomId, (room = new RoomHandle(roomId, this, this.conn)))
    return room
  }

  /** Unmounts the component on the server (`COMPONENT_UNMOUNT`) and stops all updates. */
  unmount(): void {
    if (this.currentStatus === 'unmounted') return
    if (this.currentId !== null) {
      this.conn.send({ type: 'COMPONENT_UNMOUNT', componentId: this.currentId })
      this.conn.unregister(this.currentId)
    }
    this.generation++
    this.signedState = null
    this.conn.deactivate(this)
    for (const room of this.rooms.values()) room._detach()
    this.settleReady.reject(new LiveError(`Component '${this.name}' was unmounted`))
    this.setStatus('unmounted')
  }

  /**
   * Reference counting for shared handles (`connection.shared()`): the first retain mounts, and
   * the release of the last user unmounts (deferred by a microtask, so that React's StrictMode
   * unmount/remount does not reach the server). Returns the release function.
   */
  retain(): () => void {
    this.refs++
    if (this.refs === 1 && (this.currentStatus === 'idle' || this.currentStatus === 'unmounted')) {
      this.setStatus('mounting')
      this.conn.activate(this)
    }
    let released = false
    return () => {
      if (released) return
      released = true
      this.refs--
      queueMicrotask(() => { if (this.refs === 0) this.unmount() })
    }
  }

  /**
   * Resolves once the handle is mounted (immediately if it is); rejects if it fails, is
   * unmounted, or is not mounted within the connection's request timeout.
   */
  whenMounted(): Promise<void> {
    if (this.currentStatus === 'mounted') return Promise.resolve()
    if (this.currentStatus === 'error' || this.currentStatus === 'unmounted') {
      return Promise.reject(new LiveError(this.currentError ?? `Component '${this.name}' is not mounted`))
    }
    return new Promise<void>((resolve, reject) => {
      const timeoutMs = this.conn.requestTimeoutMs
      const waiter = {
        resolve: () => { clearTimeout(timer); resolve() },
        reject: (error: Error) => { clearTimeout(timer); reject(error) },
      }
      const timer = setTimeout(() => {
        this.waiters.delete(waiter)
        reject(new LiveError(`Component '${this.name}' not mounted within ${timeoutMs}ms`))
      }, timeoutMs)
      this.waiters.add(waiter)
    })
  }

  /**
   * Mounts the component on the open socket: first `COMPONENT_REHYDRATE` with the latest signed
   * state (if any; 2 s timeout), then, if that fails, a fresh `COMPONENT_MOUNT`.
   * @internal
   */
  _attach(): void {
    void this.attach()
  }

  private async attach(): Promise<void> {
    const generation = ++this.generation
    const firstAttach = !this.attachedOnce
    this.attachedOnce = true
    if (this.currentId !== null) this.conn.unregister(this.currentId)
    this.setStatus('mounting')

    const stored = firstAttach && this.options.rehydrate !== false ? this.conn.store.load(this.name) : null
    const signed = this.signedState ?? stored
    if (signed && (await this.tryRehydrate(signed, generation))) return
    if (generation !== this.generation) return
    if (signed) {
      this.signedState = null
      this.conn.store.remove(this.name)
    }

    try {
      const payload: PlainObject = { component: this.name }
      if (this.props !== undefined) payload.props = this.props
      if (this.options.room !== undefined) payload.room = this.options.room
      const reply = await this.conn.request({ type: 'COMPONENT_MOUNT', payload })
      const result = reply.result as { componentId?: unknown; initialState?: unknown; signedState?: unknown } | undefined
      const id = result?.componentId
      if (generation !== this.generation) {
        // Detached or unmounted meanwhile: do not leave an orphan on the server.
        if (typeof id === 'string' && this.currentStatus === 'unmounted') this.conn.send({ type: 'COMPONENT_UNMOUNT', componentId: id })
        return
      }
      if (reply.success !== true || typeof id !== 'string' || id === '') throw new LiveError(errorText(reply, 'Mount failed'), reply)
      // initialState is the state at reply time; frames buffered for the new id (STATE_UPDATE, deltas) replay on top.
      if (isPlainObject(result?.initialState)) this.currentState = deepFreeze(result.initialState) as S
      this.rememberSignedState(result?.signedState)
      this.bind(id)
    } catch (error) {
      if (generation !== this.generation) return
      this.currentError = error instanceof Error ? error.message : String(error)
      this.settleReady.reject(error instanceof Error ? error : new LiveError(this.currentError))
      this.setStatus('error')
    }
  }

  /** Returns true if the server accepted the signed state and the handle is bound to the new id. */
  private async tryRehydrate(signed: SignedState, generation: number): Promise<boolean> {
    try {
      const reply = await this.conn.request({
        type: 'COMPONENT_REHYDRATE',
        componentId: this.currentId ?? signed.componentId,
        payload: { component: this.name, signedState: signed, ...(this.options.room !== undefined ? { room: this.options.room } : {}) },
      }, REHYDRATE_TIMEOUT_MS)
      const newId = (reply.result as { newComponentId?: unknown } | undefined)?.newComponentId
      if (generation !== this.generation || reply.success !== true || typeof newId !== 'string' || newId === '') return false
      this.bind(newId) // replays the buffered STATE_REHYDRATED
      return true
    } catch {
      return false
    }
  }

  /** Takes `id`, replays frames buffered for it and becomes `mounted`. */
  private bind(id: string): void {
    this.currentId = id
    this.currentError = null
    this.conn.register(id, this)
    this.settleReady.resolve()
    this.setStatus('mounted')
    for (const room of this.rooms.values()) room._rejoin()
  }

  /** The socket closed: the id is void until the next attach. @internal */
  _detach(): void {
    this.generation++
    for (const room of this.rooms.values()) room._detach()
    if (this.currentStatus === 'mounted' || this.currentStatus === 'error') this.setStatus('mounting')
  }

  /** Handles one JSON frame addressed to this component. @internal */
  _receive(msg: ServerMessage): void {
    const payload = isPlainObject(msg.payload) ? msg.payload : {}
    switch (msg.type) {
      case 'STATE_UPDATE':
      case 'STATE_REHYDRATED':
        if (isPlainObject(payload.state)) this.setState(deepFreeze(payload.state) as S)
        this.rememberSignedState(payload.signedState)
        break
      case 'STATE_DELTA':
        if (isPlainObject(payload.delta)) this.setState(applyDelta((this.currentState ?? {}) as PlainObject, payload.delta) as S)
        break
      case 'STATE_SIGNATURE':
        this.rememberSignedState(payload.signedState)
        break
      case BINARY_DELTA_MESSAGE: {
        // A 0x01 frame: decoded with the generated fields, then applied as a STATE_DELTA.
        const fields = this.conn.binaryFields(this.name)
        const delta = fields && msg.payload instanceof Uint8Array ? decodeBinaryDelta(fields, msg.payload) : null
        if (delta) this._receive({ type: 'STATE_DELTA', componentId: msg.componentId, payload: { delta } })
        return
      }
      case BINARY_ROOM_MESSAGE: {
        // Only the connection builds these (a JSON frame cannot carry a Uint8Array).
        const frame = msg.payload as Partial<RoomFrame> | undefined
        if (frame?.payload instanceof Uint8Array) this.receiveRoomFrame(frame as RoomFrame)
        return
      }
      case 'ERROR':
        this.setError(errorText(msg, 'Component error'))
        break
      case 'ROOM_EVENT':
      case 'ROOM_STATE':
      case 'ROOM_SYSTEM':
      case 'ROOM_JOINED':
      case 'ROOM_LEFT': {
        const roomId = msg.roomId ?? payload.roomId
        if (typeof roomId === 'string') this.room(roomId)._receive(msg)
        break
      }
      default:
        if (msg.success === false) this.setError(errorText(msg))
    }
    for (const listener of [...(this.eventListeners.get(msg.type) ?? [])]) listener(msg.payload, msg)
  }

  /** Handles a binary room frame addressed to this component; corrupt payloads are dropped. */
  private receiveRoomFrame(frame: RoomFrame): void {
    let data: unknown
    try {
      data = frame.payload.length === 0 ? null : decodeMsgpack(frame.payload)
    } catch {
      return
    }
    this.room(frame.roomId)._receiveBinary(frame.type === BINARY_ROOM_STATE, frame.event, data)
  }

  private rememberSignedState(value: unknown): void {
    if (!isSignedState(value)) return
    this.signedState = value
    this.conn.store.save(this.name, value)
  }

  private setState(next: S): void {
    if (next === this.currentState) return
    this.currentState = next
    this.notify()
  }

  private setError(error: string): void {
    this.currentError = error
    this.notify()
  }

  private setStatus(status: HandleStatus): void {
    this.currentStatus = status
    if (status === 'mounted') for (const w of this.waiters) w.resolve()
    if (status === 'error' || status === 'unmounted') {
      for (const w of this.waiters) w.reject(new LiveError(this.currentError ?? `Component '${this.name}' is not mounted`))
    }
    if (status !== 'mounting') this.waiters.clear()
    this.notify()
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener()
  }
}
