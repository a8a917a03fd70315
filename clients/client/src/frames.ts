/** Binary frame type: room event (also carries room system events like `$sub:join`), §10.4. */
export const BINARY_ROOM_EVENT = 0x02
/** Binary frame type: room state delta, payload `{ state: diff }`, §10.4. */
export const BINARY_ROOM_STATE = 0x03

/**
 * The `type` under which the connection hands a parsed room frame (a {@link RoomFrame} as
 * `payload`) to its component handle, buffered like JSON frames while the component id is not
 * known yet (a room joined in `on_mount` sends its frames before the mount reply). Not a wire word.
 * @internal
 */
export const BINARY_ROOM_MESSAGE = '$binaryRoom'

/** The header of a binary room frame, plus its still-encoded msgpack payload. */
export interface RoomFrame {
  type: typeof BINARY_ROOM_EVENT | typeof BINARY_ROOM_STATE
  componentId: string
  roomId: string
  event: string
  payload: Uint8Array
}

const utf8 = new TextDecoder()

/**
 * Parses `[type u8][compIdLen u8][compId][roomIdLen u8][roomId][eventLen u16 BE][event][payload]`.
 * Returns `null` for anything else: another frame type, fewer than 6 bytes, or lengths that run
 * past the end of the frame.
 */
export function parseRoomFrame(bytes: Uint8Array): RoomFrame | null {
  if (bytes.length < 6) return null
  const type = bytes[0]
  if (type !== BINARY_ROOM_EVENT && type !== BINARY_ROOM_STATE) return null
  let pos = 1
  const field = (len: number): string | null => {
    if (pos + len > bytes.length) return null
    const text = utf8.decode(bytes.subarray(pos, pos + len))
    pos += len
    return text
  }
  const componentId = field(bytes[pos++]!)
  if (componentId === null || pos >= bytes.length) return null
  const roomId = field(bytes[pos++]!)
  if (roomId === null || pos + 2 > bytes.length) return null
  const eventLen = (bytes[pos]! << 8) | bytes[pos + 1]!
  pos += 2
  const event = field(eventLen)
  if (event === null) return null
  return { type, componentId, roomId, event, payload: bytes.subarray(pos) }
}
