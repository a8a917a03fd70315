import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { encodeChunkFrame, LiveConnection, LiveError } from '../src/index.js'
import { FakeServer, flush } from './helpers/fake-server.js'
import { acceptUploads as accept } from './helpers/uploads.js'

const acceptUploads = () => accept(server)

let server: FakeServer
const connections: LiveConnection[] = []

function connect(): LiveConnection {
  const conn = new LiveConnection({ WebSocket: server.WebSocket, storage: null, heartbeatMs: 0, reconnect: false })
  connections.push(conn)
  return conn
}

beforeEach(() => { server = new FakeServer() })
afterEach(() => { for (const conn of connections.splice(0)) conn.close() })

describe('uploads', () => {
  it('encodes the binary chunk frame as [headerLen u32 LE][header JSON][bytes]', () => {
    const frame = encodeChunkFrame({ type: 'FILE_UPLOAD_CHUNK', uploadId: 'u' }, new Uint8Array([7, 8]))
    const header = '{"type":"FILE_UPLOAD_CHUNK","uploadId":"u"}'
    expect(Array.from(frame.subarray(0, 4))).toEqual([header.length, 0, 0, 0])
    expect(new TextDecoder().decode(frame.subarray(4, 4 + header.length))).toBe(header)
    expect(Array.from(frame.subarray(4 + header.length))).toEqual([7, 8])
  })

  it('sends binary chunks one at a time, reports progress, and resolves with the file URL', async () => {
    const { received, starts } = acceptUploads()
    const conn = connect()
    const handle = conn.mount('Profile')
    await handle.ready
    const bytes = Uint8Array.from({ length: 10 }, (_, i) => i)
    const progress: number[] = []
    const result = await handle.upload(new File([bytes], 'a.png', { type: 'image/png' }), {
      chunkSize: 4, uploadName: 'avatar', onProgress: (p) => progress.push(p.bytesUploaded),
    })
    expect(result.fileUrl).toBe('/uploads/x.png')
    expect(received).toEqual(Array.from(bytes))
    expect(progress).toEqual([4, 8, 10])
    expect(starts[0]).toMatchObject({ componentId: handle.id, filename: 'a.png', fileType: 'image/png', fileSize: 10, chunkSize: 4, uploadName: 'avatar' })
    const chunks = server.socket.sentBinary.map((c) => c.header)
    expect(chunks.map((c) => c.chunkIndex)).toEqual([0, 1, 2])
    expect(chunks.every((c) => c.type === 'FILE_UPLOAD_CHUNK' && typeof c.requestId === 'string' && c.totalChunks === 3)).toBe(true)
  })

  it('can send JSON chunks with base64 data', async () => {
    const { received } = acceptUploads()
    const conn = connect()
    const handle = conn.mount('Profile')
    await handle.ready
    await handle.upload(new Blob([new Uint8Array([1, 2, 3])], { type: 'text/plain' }), { binary: false })
    expect(received).toEqual([1, 2, 3])
    expect(server.socket.sentOf('FILE_UPLOAD_CHUNK').map((m) => m.data)).toEqual(['AQID'])
  })

  it('rejects with the server error, and stops when cancelled', async () => {
    server.on('FILE_UPLOAD_START', (msg, socket) => {
      socket.deliver({ type: 'FILE_UPLOAD_START_RESPONSE', success: false, error: "File type 'x/y' is not allowed", requestId: msg.requestId })
    })
    const conn = connect()
    const handle = conn.mount('Profile')
    await handle.ready
    const refused = handle.upload(new Blob(['x'], { type: 'x/y' }))
    await expect(refused).rejects.toThrow("File type 'x/y' is not allowed")

    acceptUploads()
    const controller = new AbortController()
    const cancelled = handle.upload(new Blob([new Uint8Array(100)], { type: 'image/png' }), {
      chunkSize: 10, onProgress: (p) => { if (p.bytesUploaded >= 20) controller.abort() }, signal: controller.signal,
    })
    await expect(cancelled).rejects.toBeInstanceOf(LiveError)
    await flush()
    expect(server.socket.sentBinary.length).toBe(2)
    expect(server.socket.sentOf('FILE_UPLOAD_COMPLETE')).toEqual([])
  })
})
