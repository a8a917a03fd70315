/**
 * The demo page served by `cargo run -p demo` at `/`: Counter, SharedCounter, the chat and
 * the server's figures (ServerStats), on one `LiveConnection` from `@live/client`. Plain DOM;
 * every element the end-to-end tests touch has a `data-testid`.
 * @module
 */
import { LiveConnection, type ComponentHandle, type ConnectionStatus } from '@live/client'
// The demo's typings from `cargo xtask gen-ts`: a renamed action or field fails `npm run typecheck`.
import type { ChatMessage, LiveRegistry } from '../../generated/demo.js'

const STATUS_TEXT: Record<ConnectionStatus, string> = {
  connecting: 'connecting…',
  open: 'connected',
  closed: 'disconnected',
}

/** The element with `data-testid="<id>"` (the template has them all). */
function el<T extends HTMLElement = HTMLElement>(id: string): T {
  const found = document.querySelector<T>(`[data-testid="${id}"]`)
  if (!found) throw new Error(`demo page: no element ${id}`)
  return found
}

/** Reflects a handle's status on its section, and its last error under it. */
function bindStatus(handle: ComponentHandle<any, any, any>, section: string): void {
  const root = el(section)
  const error = el(`${section}-error`)
  const render = (): void => {
    root.dataset.status = handle.status
    error.textContent = handle.error ?? ''
  }
  handle.subscribe(render)
  render()
}

/** Runs an action call, showing a failure in the section's error line. */
function act(section: string, call: () => Promise<unknown>): void {
  call().catch((error: unknown) => {
    el(`${section}-error`).textContent = error instanceof Error ? error.message : String(error)
  })
}

const live = new LiveConnection<LiveRegistry>({
  // Same host as the page; come back quickly after a server restart.
  reconnect: { initialDelayMs: 250, maxDelayMs: 4000 },
})

const status = el('status')
const connectionId = el('connection-id')
const renderConnection = (): void => {
  status.dataset.status = live.status
  status.textContent = live.error ?? STATUS_TEXT[live.status]
  connectionId.textContent = live.connectionId ?? '–'
}
live.subscribe(renderConnection)
renderConnection()

// ---- Counter: private, persisted as signed state, rehydrated after a reload ---------------

const counter = live.mount('Counter')
bindStatus(counter, 'counter')
counter.subscribe(() => { el('counter-count').textContent = String(counter.state?.count ?? '…') })
el('counter-increment').onclick = () => act('counter', () => counter.call('increment'))
el('counter-decrement').onclick = () => act('counter', () => counter.call('decrement'))
el('counter-add5').onclick = () => act('counter', () => counter.call('add', { by: 5 }))

// ---- SharedCounter: one singleton for every client -----------------------------------------

const shared = live.mount('SharedCounter')
bindStatus(shared, 'shared')
shared.subscribe(() => {
  el('shared-count').textContent = String(shared.state?.count ?? '…')
  el('shared-viewers').textContent = String(shared.state?.viewers ?? '…')
})
el('shared-increment').onclick = () => act('shared', () => shared.call('increment'))
el('shared-decrement').onclick = () => act('shared', () => shared.call('decrement'))
el('shared-add5').onclick = () => act('shared', () => shared.call('add', { by: 5 }))

// ---- Chat: LiveChat keeps the messages; the typed room chat:general counts members ---------

const chat = live.mount('LiveChat')
bindStatus(chat, 'chat')
const list = el<HTMLUListElement>('chat-messages')
let shown: readonly ChatMessage[] | undefined
chat.subscribe(() => {
  const messages = chat.state?.messages
  if (!messages || messages === shown) return
  shown = messages
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 8
  list.replaceChildren(...messages.map(renderMessage))
  if (atBottom) list.scrollTop = list.scrollHeight
})

const room = chat.room('chat:general')
room.subscribe(() => { el('chat-users').textContent = String(room.state.userCount ?? '…') })
// Who is here: the room's presence list (one entry per user; `connections` counts their tabs).
const showPresence = (): void => {
  el('chat-presence').textContent = room.presence
    .list()
    .map((entry) => (entry.connections > 1 ? `${entry.meta.name} (×${entry.connections})` : entry.meta.name))
    .join(', ')
}
room.presence.subscribe(showPresence)
showPresence()

const input = el<HTMLInputElement>('chat-input')
el<HTMLFormElement>('chat-form').onsubmit = (event) => {
  event.preventDefault()
  const text = input.value.trim()
  if (text === '') return
  act('chat', async () => {
    await chat.call('send', { text })
    el('chat-error').textContent = ''
    if (input.value.trim() === text) input.value = ''
  })
}

// An image (png, jpeg, gif, webp; at most 5 MiB) uploads to LiveChat's `image` method, which
// posts it as a message to everybody.
const file = el<HTMLInputElement>('chat-file')
const progress = el<HTMLProgressElement>('chat-progress')
file.onchange = () => {
  const picked = file.files?.[0]
  if (!picked) return
  progress.hidden = false
  progress.value = 0
  act('chat', async () => {
    try {
      await chat.upload(picked, { uploadName: 'image', onProgress: (p) => { progress.value = p.progress } })
      el('chat-error').textContent = ''
    } finally {
      progress.hidden = true
      file.value = ''
    }
  })
}

function renderMessage(message: ChatMessage): HTMLLIElement {
  const item = document.createElement('li')
  item.dataset.testid = 'chat-message'
  const from = document.createElement('span')
  from.className = 'from'
  from.textContent = message.from
  const text = document.createElement('span')
  text.className = 'text'
  text.textContent = message.text
  const time = document.createElement('time')
  time.className = 'muted'
  const date = new Date(message.timestamp)
  if (!Number.isNaN(date.getTime())) {
    time.dateTime = date.toISOString()
    time.textContent = date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
  }
  item.append(from, text, time)
  if (message.image) {
    const image = document.createElement('img')
    image.src = message.image
    image.alt = message.text
    image.dataset.testid = 'chat-image'
    item.append(image)
  }
  return item
}

// ---- ServerStats: a singleton that only the server changes, on its own timer --------------

const stats = live.mount('ServerStats')
bindStatus(stats, 'server')
stats.subscribe(() => {
  const figures = stats.state
  el('server-connections').textContent = String(figures?.connections ?? '…')
  el('server-components').textContent = String(figures?.components ?? '…')
  el('server-actions').textContent = String(figures?.actionsPerSecond ?? '…')
  el('server-uptime').textContent = String(figures?.uptimeSeconds ?? '…')
})

// For the console (and the end-to-end tests' diagnostics).
Object.assign(globalThis, { live, handles: { counter, shared, chat, stats } })
