import { flushPromises } from '@vue/test-utils'
import { effectScope } from 'vue'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { LiveConnection } from '@live/client'
import { FakeServer, flush } from '../../client/test/helpers/fake-server.js'
import { acceptUploads } from '../../client/test/helpers/uploads.js'
import type { LiveRegistry } from '../../client/test/types/registry.js'
import { useUpload } from '../src/index.js'

let server: FakeServer
let conn: LiveConnection<LiveRegistry>

beforeEach(() => {
  server = new FakeServer()
  conn = new LiveConnection<LiveRegistry>({ WebSocket: server.WebSocket, storage: null, heartbeatMs: 0 })
})
afterEach(() => conn.close())

describe('useUpload', () => {
  it('uploads with reactive progress and result', async () => {
    const { received } = acceptUploads(server)
    const handle = conn.mount('Profile')
    const scope = effectScope()
    const uploader = scope.run(() => useUpload(handle))!
    const seen: number[] = []
    const done = uploader.upload(new File([new Uint8Array([9, 8, 7])], 'a.png', { type: 'image/png' }), {
      chunkSize: 2, uploadName: 'avatar', onProgress: (p) => seen.push(p.bytesUploaded),
    })
    expect(uploader.uploading.value).toBe(true)
    await done
    await flush()
    await flushPromises()
    expect(received).toEqual([9, 8, 7])
    expect(seen).toEqual([2, 3])
    expect(uploader.progress.value?.progress).toBe(100)
    expect(uploader.result.value?.fileUrl).toBe('/uploads/x.png')
    expect(uploader.uploading.value).toBe(false)
    scope.stop()
  })

  it('cancels the upload when its scope is disposed', async () => {
    acceptUploads(server)
    const handle = conn.mount('Profile')
    await handle.ready
    const scope = effectScope()
    const uploader = scope.run(() => useUpload(handle))!
    const pending = uploader.upload(new Blob([new Uint8Array(50)], { type: 'image/png' }), {
      chunkSize: 5, onProgress: () => scope.stop(),
    })
    await expect(pending).rejects.toThrow('Upload cancelled')
    expect(uploader.error.value).toBe('Upload cancelled')
    expect(server.socket.sentOf('FILE_UPLOAD_COMPLETE')).toEqual([])
  })
})
