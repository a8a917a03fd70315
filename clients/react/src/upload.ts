import { useCallback, useEffect, useRef, useState } from 'react'
import type { ComponentHandle, UploadOptions, UploadProgress, UploadResult, UploadSource } from '@live/client'

/** What `useUpload()` returns. */
export interface UseUploadResult<U extends string> {
  /** Uploads a file to the handle's component; resolves with the result (rejects on failure or cancel). */
  upload(file: UploadSource, options?: Omit<UploadOptions<U>, 'signal'>): Promise<UploadResult>
  /** Cancels the upload in progress. */
  cancel(): void
  /** Whether an upload is in progress. */
  uploading: boolean
  /** The last progress report (null before the first chunk). */
  progress: UploadProgress | null
  /** The last upload's error, if it failed. */
  error: string | null
  /** The last finished upload. */
  result: UploadResult | null
}

/**
 * Uploads files to the component of `handle` (from `Live.use(...).handle`) with progress and
 * cancel; an upload still running when the component unmounts is cancelled.
 */
export function useUpload<U extends string>(handle: ComponentHandle<any, any, any, U>): UseUploadResult<U> {
  const [uploading, setUploading] = useState(false)
  const [progress, setProgress] = useState<UploadProgress | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [result, setResult] = useState<UploadResult | null>(null)
  const controller = useRef<AbortController | null>(null)
  useEffect(() => () => controller.current?.abort(), [])

  const upload = useCallback(async (file: UploadSource, options: Omit<UploadOptions<U>, 'signal'> = {}) => {
    controller.current?.abort()
    const abort = new AbortController()
    controller.current = abort
    setUploading(true)
    setProgress(null)
    setError(null)
    try {
      const done = await handle.upload(file, {
        ...options,
        signal: abort.signal,
        onProgress: (p) => { setProgress(p); options.onProgress?.(p) },
      })
      setResult(done)
      return done
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure))
      throw failure
    } finally {
      if (controller.current === abort) {
        controller.current = null
        setUploading(false)
      }
    }
  }, [handle])

  const cancel = useCallback(() => controller.current?.abort(), [])
  return { upload, cancel, uploading, progress, error, result }
}
