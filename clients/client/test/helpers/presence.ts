import { encode } from '@msgpack/msgpack'
import { BINARY_ROOM_EVENT, type PresenceEntry } from '../../src/index.js'
import { roomFrame, type FakeServer } from './fake-server.js'

/** The metadata of the presence tests. */
export interface Meta { name: string; typing?: boolean }

/** A registry with one component and a `chat` room whose presence carries {@link Meta}. */
export interface PresenceRegistry {
  components: { LiveChat: { state: { messages: string[] }; actions: {} } }
  rooms: { chat: { state: { messages: string[] }; events: {}; presence: Meta } }
}

/** A wire entry (camelCase, as the server sends it); `meta.name` is the key unless `fields` say otherwise. */
export function presenceEntry(key: string, joinedAt: number, fields: Partial<PresenceEntry<Meta>> = {}): PresenceEntry<Meta> {
  return {
    key,
    componentId: `comp-${key}`,
    connectionId: `conn-${key}`,
    userId: key.startsWith('user:') ? key.slice(5) : null,
    sessionId: null,
    joinedAt,
    meta: { name: key },
    connections: 1,
    ...fields,
  }
}

/** A `0x02` room frame carrying presence event `event` with msgpack `data`. */
export function presenceFrame(componentId: string, roomId: string, event: string, data: unknown): Uint8Array {
  return roomFrame(BINARY_ROOM_EVENT, componentId, roomId, event, encode(data))
}

/** Sends a presence event in `chat:general` to the one mounted `LiveChat` of `server`. */
export function sendPresence(server: FakeServer, event: string, data: unknown): void {
  server.socket.deliverBinary(presenceFrame(server.component('LiveChat').id, 'chat:general', event, data))
}
