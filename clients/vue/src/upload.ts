import { onScopeDispose, shallowRef, type ShallowRef } from 'vue'
import type { ComponentHandle, UploadOptions, UploadProgress, UploadResult, UploadSource } from '@live/client'

/** What `useUpload()` returns. */
export interface UseUploadResult<U extends string> {
  /** Uploads a file to the handle's component; resolves with the result (rejects on failure or cancel). */
  upload(file: UploadSource, options?: Omit<UploadOptions<U>, 'signal'>): Promise<UploadResult>
  /** Cancels the upload in progress. */
  cancel(): void
  /** Whether an upload is in progress. */
  uploading: ShallowRef<boolean>
  /** The last progress report (null before the first chunk). */
  progress: ShallowRef<UploadProgress | null>
  /** The last upload's error, if it failed. */
  error: ShallowRef<string | null>
  /** The last finished upload. */
  result: ShallowRef<UploadResult | null>
}

/**
 * Uploads files to the component of `handle` (from `useLive(...).handle`) with reactive
 * progress; an upload still running when the scope is disposed is cancelled.
 */
export function useUpload<U extends string>(handle: ComponentHandle<any, any, any, U>): UseUploadResult<U> {
  const uploading = shallowRef(false)
  const progress = shallowRef<UploadProgress | null>(null)
  const error = shallowRef<string | null>(null)
  const result = shallowRef<UploadResult | null>(null)
  let controller: AbortController | null = null
  const cancel = (): void => controller?.abort()
  onScopeDispose(cancel)

  async function upload(file: UploadSource, options: Omit<UploadOptions<U>, 'signal'> = {}): Promise<UploadResult> {
    controller?.abort()
    const abort = new AbortController()
    controller = abort
    uploading.value = true
    progress.value = null
    error.value = null
    try {
      const done = await handle.upload(file, {
        ...options,
        signal: abort.signal,
        onProgress: (p) => { progress.value = p; options.onProgress?.(p) },
      })
      result.value = done
      return done
    } catch (failure) {
      error.value = failure instanceof Error ? failure.message : String(failure)
      throw failure
    } finally {
      if (controller === abort) {
        controller = null
        uploading.value = false
      }
    }
  }

  return { upload, cancel, uploading, progress, error, result }
}
