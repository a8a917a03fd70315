import type { FakeServer, Msg } from './fake-server.js'

/** A server that stores chunks like Live: progress per chunk, the URL at completion. */
export function acceptUploads(server: FakeServer): { received: number[]; starts: Msg[] } {
  const received: number[] = []
  const starts: Msg[] = []
  let size = 0
  server.on('FILE_UPLOAD_START', (msg, socket) => {
    starts.push(msg)
    size = msg.fileSize
    socket.deliver({ type: 'FILE_UPLOAD_START_RESPONSE', componentId: msg.componentId, uploadId: msg.uploadId, success: true, requestId: msg.requestId })
  })
  server.on('FILE_UPLOAD_CHUNK', (msg, socket) => {
    const bytes: Uint8Array = msg.binary ?? Uint8Array.from(atob(msg.data), (c) => c.charCodeAt(0))
    received.push(...bytes)
    socket.deliver({
      type: 'FILE_UPLOAD_PROGRESS', componentId: msg.componentId, uploadId: msg.uploadId, chunkIndex: msg.chunkIndex,
      totalChunks: msg.totalChunks, bytesUploaded: received.length, totalBytes: size,
      progress: Math.floor((received.length * 100) / size), timestamp: 1, requestId: msg.requestId,
    })
  })
  server.on('FILE_UPLOAD_COMPLETE', (msg, socket) => {
    socket.deliver({ type: 'FILE_UPLOAD_COMPLETE', componentId: msg.componentId, uploadId: msg.uploadId, success: true, filename: 'a.png', fileUrl: '/uploads/x.png', timestamp: 2, requestId: msg.requestId })
  })
  return { received, starts }
}
