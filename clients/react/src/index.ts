/**
 * `@live/react`: React bindings for `@live/client`.
 *
 * ```tsx
 * const { LiveProvider, Live } = createLive<LiveRegistry>()
 * <LiveProvider connection={new LiveConnection<LiveRegistry>()}><Counter /></LiveProvider>
 * function Counter() {
 *   const { state, call } = Live.use('Counter')
 *   return <button onClick={() => call('increment')}>{state?.count ?? '…'}</button>
 * }
 * ```
 * @module
 */
import {
  createContext, createElement, useContext, useEffect, useMemo, useSyncExternalStore,
  type ReactElement, type ReactNode,
} from 'react'
import type {
  ComponentName, LiveConnection, LiveHandle, MountOptions, PropsOf, RegistryShape, RoomHandle, StateOf, UntypedRegistry,
} from '@live/client'

/** What `Live.use()` returns. */
export interface UseLiveResult<R extends RegistryShape, N extends ComponentName<R>> {
  /** The latest state snapshot (null until the first state arrives). */
  state: Readonly<StateOf<R, N>> | null
  /** Calls an action and resolves with its result (typed from the registry). */
  call: LiveHandle<R, N>['call']
  /** True until the first state arrives (and no error happened). */
  loading: boolean
  /** The mount error, or the last component error. */
  error: string | null
  /** Whether the connection is open. */
  connected: boolean
  /** The room handle `roomId` of this component; use `Live.useRoom()` to re-render on room state. */
  $room: LiveHandle<R, N>['room']
  /** The underlying handle (for `fire`, `set`, `on`, …). */
  handle: LiveHandle<R, N>
}

/** The bindings for registry `R`; see {@link createLive}. */
export interface LiveBindings<R extends RegistryShape> {
  /** Provides the connection to `Live.use()` below it. */
  LiveProvider: (props: { connection: LiveConnection<R>; children?: ReactNode }) => ReactElement
  Live: {
    /**
     * Uses server component `name`. The first user mounts it; all users with the same name,
     * props and room share one server instance; the last one to unmount unmounts it.
     * `props` are compared by value (JSON), so inline objects are fine.
     */
    use<N extends ComponentName<R>>(name: N, props?: PropsOf<R, N>, options?: Pick<MountOptions, 'room'>): UseLiveResult<R, N>
    /** Re-renders on the state of a room handle and returns that state. */
    useRoom<S, E>(room: RoomHandle<S, E>): Readonly<S>
    /** The connection from the nearest `LiveProvider`. */
    useConnection(): LiveConnection<R>
  }
}

/**
 * Creates the React bindings for a registry (the generated `LiveRegistry`, or untyped when
 * omitted). Create them once per app, at module level.
 */
export function createLive<R extends RegistryShape = UntypedRegistry>(): LiveBindings<R> {
  const Context = createContext<LiveConnection<R> | null>(null)

  function LiveProvider({ connection, children }: { connection: LiveConnection<R>; children?: ReactNode }): ReactElement {
    return createElement(Context.Provider, { value: connection }, children)
  }

  function useConnection(): LiveConnection<R> {
    const connection = useContext(Context)
    if (!connection) throw new Error('Live.use() needs a <LiveProvider connection={…}> above it')
    return connection
  }

  function use<N extends ComponentName<R>>(name: N, props?: PropsOf<R, N>, options?: Pick<MountOptions, 'room'>): UseLiveResult<R, N> {
    const connection = useConnection()
    const key = JSON.stringify([name, props ?? null, options?.room ?? null])
    // shared() has no side effect: the same key always yields the same cached handle.
    const handle = useMemo(() => connection.shared(name, props, options), [connection, key])
    useEffect(() => handle.retain(), [handle])

    const state = useSyncExternalStore(handle.subscribe, handle.getSnapshot, handle.getSnapshot)
    const status = useSyncExternalStore(handle.subscribe, () => handle.status, () => handle.status)
    const error = useSyncExternalStore(handle.subscribe, () => handle.error, () => handle.error)
    const connected = useSyncExternalStore(connection.subscribe, connection.getSnapshot, () => false)
    const call = useMemo(() => handle.call.bind(handle), [handle])
    const $room = useMemo(() => handle.room.bind(handle), [handle])

    return { state, call, loading: state === null && status !== 'error', error, connected, $room, handle }
  }

  function useRoom<S, E>(room: RoomHandle<S, E>): Readonly<S> {
    return useSyncExternalStore(room.subscribe, room.getSnapshot, room.getSnapshot)
  }

  return { LiveProvider, Live: { use, useRoom, useConnection } }
}
export { useUpload, type UseUploadResult } from './upload.js'
export { usePresence } from './presence.js'
