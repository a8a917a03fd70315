import { generateId } from './ids.js'
import { LiveError, type ClientMessage, type ServerMessage } from './protocol.js'

/** The reference client's default chunk size (64 KiB). */
export const DEFAULT_UPLOAD_CHUNK_SIZE = 64 * 1024
/** The largest chunk a server accepts (1 MiB). */
export const MAX_UPLOAD_CHUNK_SIZE = 1024 * 1024

/** What a progress callback gets after every stored chunk. */
export interface UploadProgress {
  /** Bytes the server has stored. */
  bytesUploaded: number
  /** The file's size. */
  totalBytes: number
  /** Whole percent 0–100, as the server computed it. */
  progress: number
}

/** Options of `handle.upload()`. */
export interface UploadOptions<Name extends string = string> {
  /** Bytes per chunk (default 64 KiB, at most 1 MiB). */
  chunkSize?: number
  /** Binary chunk frames (default) or JSON with base64 data. */
  binary?: boolean
  /** Which `#[upload]` method of the component (needed when it has several that accept the type). */
  uploadName?: Name
  /** Called after every chunk the server stored. */
  onProgress?: (progress: UploadProgress) => void
  /** Cancels the upload between chunks; the server deletes what it got after its idle timeout. */
  signal?: AbortSignal
}

/** A finished upload. */
export interface UploadResult {
  /** Where the server serves the file, if it does. */
  fileUrl: string | null
  /** The file name the server recorded. */
  filename: string | null
  /** The `FILE_UPLOAD_COMPLETE` frame. */
  response: ServerMessage
}

/** A `File` or `Blob` (or anything with the same reading API). */
export interface UploadSource {
  readonly size: number
  readonly type: string
  readonly name?: string
  slice(start: number, end: number): { arrayBuffer(): Promise<ArrayBuffer> }
}

/**
 * What an upload needs from its connection.
 * @internal
 */
export interface UploadPort {
  request(msg: ClientMessage, timeoutMs?: number): Promise<ServerMessage>
  requestBinary(header: ClientMessage, bytes: Uint8Array, timeoutMs?: number): Promise<ServerMessage>
}

/** `[headerLen: u32 LE][header JSON][bytes]`: the binary `FILE_UPLOAD_CHUNK` frame. */
export function encodeChunkFrame(header: ClientMessage, bytes: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header))
  const frame = new Uint8Array(4 + json.length + bytes.length)
  new DataView(frame.buffer).setUint32(0, json.length, true)
  frame.set(json, 4)
  frame.set(bytes, 4 + json.length)
  return frame
}

function base64(bytes: Uint8Array): string {
  let binary = ''
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  }
  return btoa(binary)
}

/**
 * Uploads `file` to component `componentId` (§15): `FILE_UPLOAD_START`, one chunk at a time
 * (each answered before the next), `FILE_UPLOAD_COMPLETE`. Rejects with a {@link LiveError}
 * carrying the server's error (or `Upload cancelled`).
 * @internal use `handle.upload()`
 */
export async function uploadFile(
  port: UploadPort,
  componentId: string,
  file: UploadSource,
  options: UploadOptions = {},
): Promise<UploadResult> {
  const chunkSize = Math.min(Math.max(1, Math.floor(options.chunkSize ?? DEFAULT_UPLOAD_CHUNK_SIZE)), MAX_UPLOAD_CHUNK_SIZE)
  const binary = options.binary ?? true
  const uploadId = `${generateId()}${generateId()}`
  const filename = file.name ?? 'upload'
  const cancelled = (): void => {
    if (options.signal?.aborted) throw new LiveError('Upload cancelled')
  }
  cancelled()
  const start: ClientMessage = {
    type: 'FILE_UPLOAD_START', componentId, uploadId, filename,
    fileType: file.type, fileSize: file.size, chunkSize,
  }
  if (options.uploadName !== undefined) start.uploadName = options.uploadName
  await port.request(start)
  const totalChunks = Math.max(1, Math.ceil(file.size / chunkSize))
  for (let index = 0, offset = 0; offset < file.size; index++, offset += chunkSize) {
    cancelled()
    const bytes = new Uint8Array(await file.slice(offset, Math.min(offset + chunkSize, file.size)).arrayBuffer())
    const header: ClientMessage = { type: 'FILE_UPLOAD_CHUNK', componentId, uploadId, chunkIndex: index, totalChunks }
    const reply = binary
      ? await port.requestBinary(header, bytes)
      : await port.request({ ...header, data: base64(bytes) })
    options.onProgress?.({
      bytesUploaded: Number(reply.bytesUploaded ?? offset + bytes.length),
      totalBytes: Number(reply.totalBytes ?? file.size),
      progress: Number(reply.progress ?? 0),
    })
  }
  cancelled()
  const response = await port.request({ type: 'FILE_UPLOAD_COMPLETE', componentId, uploadId })
  return {
    fileUrl: typeof response.fileUrl === 'string' ? response.fileUrl : null,
    filename: typeof response.filename === 'string' ? response.filename : null,
    response,
  }
}
