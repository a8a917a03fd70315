/**
 * `@live/client`: the framework-free client of Live servers (FluxStack Live wire protocol).
 * @module
 */
export {
  LiveConnection, CLOSE_ORIGIN_NOT_ALLOWED,
  type LiveConnectionOptions, type ReconnectOptions, type ConnectionStatus, type LiveHandle,
  type WebSocketLike, type WebSocketConstructor,
} from './connection.js'
export {
  SseSocket, PollingSocket, DEFAULT_TRANSPORTS, httpUrl, parseEvent,
  type TransportName, type FetchLike, type ResponseLike,
} from './transports.js'
export { ComponentHandle, REHYDRATE_TIMEOUT_MS, type HandleStatus, type MountOptions } from './handle.js'
export { RoomHandle } from './room.js'
export { PresenceList, PRESENCE_EVENTS, type PresenceEntry, type PresenceDiff } from './presence.js'
export { LiveError, type ServerMessage, type ClientMessage } from './protocol.js'
export { applyDelta, deepFreeze, isPlainObject, type PlainObject } from './merge.js'
export { decodeMsgpack, MsgpackError, MSGPACK_MAX_DEPTH } from './msgpack.js'
export {
  decodeBinaryDelta, parseBinaryDeltaFrame, BINARY_STATE_DELTA,
  type BinaryField, type BinaryDeltaFields, type BinaryDeltaFrame, type WireType,
} from './binary-delta.js'
export { parseRoomFrame, BINARY_ROOM_EVENT, BINARY_ROOM_STATE, type RoomFrame } from './frames.js'
export { isSignedState, SignedStateStore, SIGNED_STATE_MAX_AGE_MS, type SignedState, type StorageLike } from './signed-state.js'
export { generateId } from './ids.js'
export {
  encodeChunkFrame, DEFAULT_UPLOAD_CHUNK_SIZE, MAX_UPLOAD_CHUNK_SIZE,
  type UploadOptions, type UploadProgress, type UploadResult, type UploadSource,
} from './upload.js'
export type * from './types.js'
