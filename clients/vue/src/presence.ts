import { onScopeDispose, shallowRef, type ShallowRef } from 'vue'
import type { ComponentHandle, PresenceEntry, RoomPresenceFor } from '@live/client'

/**
 * Who is in room `roomId` as seen by the component of `handle` (from `useLive(...).handle`):
 * a ref to its `room(roomId).presence` list, ordered by `joinedAt` then `key`, replaced on
 * every join, update and leave until the current scope is disposed. Empty until the server's
 * `$presence:state` arrives (rooms declared with `presence`). `roomId` is read once.
 */
export function usePresence<Rooms, Id extends string>(
  handle: ComponentHandle<any, any, Rooms, any>,
  roomId: Id,
): ShallowRef<readonly PresenceEntry<RoomPresenceFor<Rooms, Id>>[]> {
  const presence = handle.room(roomId).presence
  const list = shallowRef(presence.list())
  onScopeDispose(presence.subscribe(() => { list.value = presence.list() }))
  return list
}
