import { act, cleanup, fireEvent, render, screen } from '@testing-library/react'
import { afterEach, beforeEach, describe, expect, expectTypeOf, it } from 'vitest'
import { LiveConnection } from '@live/client'
import { FakeServer, flush } from '../../client/test/helpers/fake-server.js'
import { acceptUploads } from '../../client/test/helpers/uploads.js'
import type { LiveRegistry } from '../../client/test/types/registry.js'
import { createLive, useUpload } from '../src/index.js'

const { LiveProvider, Live } = createLive<LiveRegistry>()

let server: FakeServer
let conn: LiveConnection<LiveRegistry>

beforeEach(() => {
  server = new FakeServer()
  conn = new LiveConnection<LiveRegistry>({ WebSocket: server.WebSocket, storage: null, heartbeatMs: 0 })
})
afterEach(() => {
  cleanup()
  conn.close()
})

const settle = () => act(() => flush())

function Avatar({ file }: { file: File }) {
  const { handle } = Live.use('Profile')
  const { upload, uploading, progress, result, error } = useUpload(handle)
  expectTypeOf(upload).parameter(1).toEqualTypeOf<Omit<import('@live/client').UploadOptions<'avatar' | 'document'>, 'signal'> | undefined>()
  return (
    <div>
      <button onClick={() => void upload(file, { chunkSize: 4, uploadName: 'avatar' }).catch(() => {})}>upload</button>
      <span data-testid="progress">{progress ? `${progress.bytesUploaded}/${progress.totalBytes}` : '-'}</span>
      <span data-testid="uploading">{String(uploading)}</span>
      <span data-testid="url">{result?.fileUrl ?? error ?? ''}</span>
    </div>
  )
}

describe('useUpload', () => {
  it('uploads with progress and shows the file URL', async () => {
    const { received } = acceptUploads(server)
    const file = new File([new Uint8Array([1, 2, 3, 4, 5, 6])], 'a.png', { type: 'image/png' })
    render(<LiveProvider connection={conn}><Avatar file={file} /></LiveProvider>)
    await settle()
    fireEvent.click(screen.getByText('upload'))
    for (let i = 0; i < 5; i++) await settle()
    expect(received).toEqual([1, 2, 3, 4, 5, 6])
    expect(screen.getByTestId('progress').textContent).toBe('6/6')
    expect(screen.getByTestId('uploading').textContent).toBe('false')
    expect(screen.getByTestId('url').textContent).toBe('/uploads/x.png')
  })

  it('shows the server error', async () => {
    server.on('FILE_UPLOAD_START', (msg, socket) => {
      socket.deliver({ type: 'FILE_UPLOAD_START_RESPONSE', success: false, error: 'Upload quota exceeded (1 bytes per 24 hours)', requestId: msg.requestId })
    })
    render(<LiveProvider connection={conn}><Avatar file={new File(['xy'], 'a.png', { type: 'image/png' })} /></LiveProvider>)
    await settle()
    fireEvent.click(screen.getByText('upload'))
    for (let i = 0; i < 5; i++) await settle()
    expect(screen.getByTestId('url').textContent).toBe('Upload quota exceeded (1 bytes per 24 hours)')
  })
})
