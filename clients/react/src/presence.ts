import { useSyncExternalStore } from 'react'
import type { ComponentHandle, PresenceEntry, RoomPresenceFor } from '@live/client'

/**
 * Who is in room `roomId` as seen by the component of `handle` (from `Live.use(...).handle`):
 * its `room(roomId).presence` list, ordered by `joinedAt` then `key`. Re-renders on every
 * join, update and leave; the array is immutable and keeps its identity between changes.
 * Empty until the server's `$presence:state` arrives (rooms declared with `presence`).
 */
export function usePresence<Rooms, Id extends string>(
  handle: ComponentHandle<any, any, Rooms, any>,
  roomId: Id,
): readonly PresenceEntry<RoomPresenceFor<Rooms, Id>>[] {
  const presence = handle.room(roomId).presence
  return useSyncExternalStore(presence.subscribe, presence.getSnapshot, presence.getSnapshot)
}
