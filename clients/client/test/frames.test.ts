import { describe, expect, it } from 'vitest'
import { BINARY_ROOM_EVENT, BINARY_ROOM_STATE, parseRoomFrame } from '../src/index.js'
import { roomFrame } from './helpers/fake-server.js'

const hex = (s: string): Uint8Array => new Uint8Array(s.trim().split(/\s+/).map((b) => parseInt(b, 16)))

describe('parseRoomFrame (§10.4)', () => {
  it('parses the reference example byte for byte', () => {
    // 02 06 "comp-1" 0e "counter:global" 00 0f "counter:updated" 81 a5 "count" 0a
    const frame = hex(`02 06 63 6f 6d 70 2d 31 0e 63 6f 75 6e 74 65 72 3a 67 6c 6f 62 61 6c
      00 0f 63 6f 75 6e 74 65 72 3a 75 70 64 61 74 65 64 81 a5 63 6f 75 6e 74 0a`)
    const parsed = parseRoomFrame(frame)
    expect(parsed).toMatchObject({ type: BINARY_ROOM_EVENT, componentId: 'comp-1', roomId: 'counter:global', event: 'counter:updated' })
    expect([...parsed!.payload]).toEqual([0x81, 0xa5, 0x63, 0x6f, 0x75, 0x6e, 0x74, 0x0a])
  })

  it('reads the event length as a big-endian u16', () => {
    const event = 'e'.repeat(300) // 0x012c: little-endian would read 0x2c01
    const parsed = parseRoomFrame(roomFrame(BINARY_ROOM_STATE, 'c', 'r', event, new Uint8Array([0xc0])))
    expect(parsed?.event).toBe(event)
    expect(parsed?.type).toBe(BINARY_ROOM_STATE)
    expect([...parsed!.payload]).toEqual([0xc0])
  })

  it('decodes UTF-8 ids and allows an empty payload', () => {
    const parsed = parseRoomFrame(roomFrame(BINARY_ROOM_EVENT, 'cömp', 'räum', 'ëv', new Uint8Array()))
    expect(parsed).toMatchObject({ componentId: 'cömp', roomId: 'räum', event: 'ëv' })
    expect(parsed!.payload.length).toBe(0)
  })

  it('drops other frame types and frames shorter than 6 bytes', () => {
    expect(parseRoomFrame(roomFrame(0x01, 'c', 'r', 'e', new Uint8Array([0xc0])))).toBeNull()
    expect(parseRoomFrame(roomFrame(0x04, 'c', 'r', 'e', new Uint8Array([0xc0])))).toBeNull()
    expect(parseRoomFrame(hex('02 00 00 00 00'))).toBeNull()
  })

  it('drops every truncation that cuts into the header', () => {
    const full = roomFrame(BINARY_ROOM_EVENT, 'comp-1', 'room', 'event', new Uint8Array([0x01]))
    const headerEnd = full.length - 1
    for (let len = 0; len < headerEnd; len++) {
      expect(parseRoomFrame(full.subarray(0, len)), `length ${len}`).toBeNull()
    }
    expect(parseRoomFrame(full.subarray(0, headerEnd))?.payload.length).toBe(0)
  })

  it('drops frames whose declared lengths run past the end', () => {
    expect(parseRoomFrame(hex('02 ff 61 62 63 64 65'))).toBeNull() // componentId length 255
    expect(parseRoomFrame(hex('02 01 63 ff 72 00 00'))).toBeNull() // roomId length 255
    expect(parseRoomFrame(hex('02 01 63 01 72 ff ff 65'))).toBeNull() // event length 65535
  })
})
