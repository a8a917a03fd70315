const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

/** A random 8-character id from `A–Z a–z 0–9 - _` (48 bits), as the protocol uses for request ids. */
export function generateId(): string {
  const bytes = new Uint8Array(8)
  if (globalThis.crypto?.getRandomValues) globalThis.crypto.getRandomValues(bytes)
  else for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256)
  let id = ''
  for (const b of bytes) id += ALPHABET[b & 63]
  return id
}
