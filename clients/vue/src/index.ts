/**
 * `@live/vue`: Vue 3 bindings for `@live/client`.
 *
 * ```ts
 * // App.vue setup:      provideLiveConnection(new LiveConnection())
 * // Counter.vue setup:  const { state, call } = useLive('Counter')
 * // template:           <button @click="call('increment')">{{ state?.count }}</button>
 * ```
 * @module
 */
import { inject, onScopeDispose, provide, shallowRef, type InjectionKey, type ShallowRef } from 'vue'
import type {
  ComponentName, LiveConnection, LiveHandle, MountOptions, PropsOf, RegistryShape, RoomHandle, StateOf, UntypedRegistry,
} from '@live/client'

/** The injection key of the connection (for `app.provide(liveConnectionKey, conn)`). */
export const liveConnectionKey: InjectionKey<LiveConnection<any>> = Symbol('live-connection')

/** What `useLive()` returns. The refs update on every change and stop when the scope is disposed. */
export interface UseLiveResult<R extends RegistryShape, N extends ComponentName<R>> {
  /** The latest state snapshot (null until the first state arrives). */
  state: ShallowRef<Readonly<StateOf<R, N>> | null>
  /** True until the first state arrives (and no error happened). */
  loading: ShallowRef<boolean>
  /** The mount error, or the last component error. */
  error: ShallowRef<string | null>
  /** Whether the connection is open. */
  connected: ShallowRef<boolean>
  /** Calls an action and resolves with its result (typed from the registry). */
  call: LiveHandle<R, N>['call']
  /** The room handle `roomId` of this component; use `useRoomState()` for a reactive room state. */
  $room: LiveHandle<R, N>['room']
  /** The underlying handle (for `fire`, `set`, `on`, …). */
  handle: LiveHandle<R, N>
}

/** The composables for registry `R`; see {@link createLive}. */
export interface LiveComposables<R extends RegistryShape> {
  /** Provides `connection` to `useLive()` in descendants (call in a component's setup). */
  provideLiveConnection(connection: LiveConnection<R>): void
  /**
   * Uses server component `name` inside a setup function or effect scope. Users with the same
   * name, props and room share one server instance; it is unmounted when the last scope using it
   * is disposed. `props` are read once (not reactive).
   */
  useLive<N extends ComponentName<R>>(name: N, props?: PropsOf<R, N>, options?: Pick<MountOptions, 'room'>): UseLiveResult<R, N>
  /** A reactive view of a room's state, updated until the scope is disposed. */
  useRoomState<S, E>(room: RoomHandle<S, E>): ShallowRef<Readonly<S>>
}

/** Creates the composables for a registry (the generated `LiveRegistry`, or untyped when omitted). */
export function createLive<R extends RegistryShape = UntypedRegistry>(): LiveComposables<R> {
  return { provideLiveConnection, useLive: useLive as LiveComposables<R>['useLive'], useRoomState }
}

/** Provides `connection` to `useLive()` in descendants (call in a component's setup). */
export function provideLiveConnection(connection: LiveConnection<any>): void {
  provide(liveConnectionKey, connection)
}

/**
 * Uses server component `name` (untyped registry; see {@link createLive} for typed use).
 * Must run inside a setup function or an effect scope.
 */
export function useLive<N extends string>(
  name: N, props?: PropsOf<UntypedRegistry, N>, options?: Pick<MountOptions, 'room'>,
): UseLiveResult<UntypedRegistry, N> {
  const connection = inject(liveConnectionKey, null) as LiveConnection<UntypedRegistry> | null
  if (!connection) throw new Error('useLive() needs provideLiveConnection(connection) in an ancestor component')
  const handle: LiveHandle<UntypedRegistry, N> = connection.shared(name, props, options)

  const state = shallowRef(handle.state)
  const loading = shallowRef(false)
  const error = shallowRef(handle.error)
  const connected = shallowRef(connection.connected)
  const sync = (): void => {
    state.value = handle.state
    error.value = handle.error
    loading.value = handle.state === null && handle.status !== 'error'
  }
  sync()
  const unsubscribeHandle = handle.subscribe(sync)
  const unsubscribeConnection = connection.subscribe(() => { connected.value = connection.connected })
  const release = handle.retain()
  onScopeDispose(() => {
    unsubscribeHandle()
    unsubscribeConnection()
    release()
  })

  return { state, loading, error, connected, call: handle.call.bind(handle), $room: handle.room.bind(handle), handle }
}

/** A reactive view of a room's state, updated until the current scope is disposed. */
export function useRoomState<S, E>(room: RoomHandle<S, E>): ShallowRef<Readonly<S>> {
  const state = shallowRef(room.state) as ShallowRef<Readonly<S>>
  onScopeDispose(room.subscribe(() => { state.value = room.state }))
  return state
}
export { useUpload, type UseUploadResult } from './upload.js'
export { usePresence } from './presence.js'
