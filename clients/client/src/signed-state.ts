/**
 * The server's signed state envelope (§9.1). The client treats it as opaque: it only checks the
 * shape (§9.2), stores the newest one, and hands it back in `COMPONENT_REHYDRATE`.
 */
export interface SignedState {
  data: string
  signature: string
  timestamp: number
  version: number
  componentId: string
  nonce?: string
  compressed?: boolean
  encrypted?: boolean
}

/** The minimal `Storage` surface used for persistence (`localStorage` fits). */
export interface StorageLike {
  getItem(key: string): string | null
  setItem(key: string, value: string): void
  removeItem(key: string): void
}

/** The §9.2 shape check, shared by the client and the server's validator. */
export function isSignedState(value: unknown): value is SignedState {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const v = value as Record<string, unknown>
  const optional = (x: unknown, type: string): boolean => x === undefined || typeof x === type
  return typeof v.data === 'string'
    && typeof v.signature === 'string'
    && typeof v.timestamp === 'number'
    && typeof v.version === 'number'
    && typeof v.componentId === 'string'
    && optional(v.nonce, 'string')
    && optional(v.compressed, 'boolean')
    && optional(v.encrypted, 'boolean')
}

/** States older than this are not offered for rehydration (the server's maximum age, §9.4). */
export const SIGNED_STATE_MAX_AGE_MS = 30 * 60 * 1000

const keyFor = (componentName: string): string => `live_component_${componentName}`

/**
 * Persists the newest signed state per component name. All storage errors (quota, disabled
 * storage, corrupt entries) are swallowed: persistence is an optimisation, never a failure.
 */
export class SignedStateStore {
  constructor(private readonly storage: StorageLike | null) {}

  /** Stores `signedState` for `componentName`. */
  save(componentName: string, signedState: SignedState): void {
    try {
      this.storage?.setItem(keyFor(componentName), JSON.stringify({ componentName, signedState, lastUpdate: Date.now() }))
    } catch { /* storage full or unavailable */ }
  }

  /** The stored state for `componentName`, if it is well-formed and not older than 30 minutes. */
  load(componentName: string, now = Date.now()): SignedState | null {
    try {
      const raw = this.storage?.getItem(keyFor(componentName))
      if (!raw) return null
      const entry: unknown = JSON.parse(raw)
      const signed = (entry as { signedState?: unknown } | null)?.signedState
      if (!isSignedState(signed) || now - signed.timestamp > SIGNED_STATE_MAX_AGE_MS) return null
      return signed
    } catch {
      return null
    }
  }

  /** Forgets the state stored for `componentName`. */
  remove(componentName: string): void {
    try { this.storage?.removeItem(keyFor(componentName)) } catch { /* unavailable */ }
  }
}

/** `globalThis.localStorage` when it exists and is usable, else `null`. */
export function defaultStorage(): StorageLike | null {
  try {
    const storage = (globalThis as { localStorage?: StorageLike }).localStorage
    return storage ?? null
  } catch {
    return null
  }
}
