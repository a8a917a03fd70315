/**
 * A scripted in-memory Live server and the WebSocket fake that talks to it.
 *
 * Everything the server sends is delivered in a microtask (never synchronously inside `send`),
 * so tests work with and without fake timers: `await flush()` lets all queued traffic settle.
 */
import type { WebSocketConstructor, WebSocketLike } from '../../src/index.js'

/** A client → server message as the fake server sees it. */
export type Msg = Record<string, any>

type Handler = (msg: Msg, socket: FakeSocket) => void
type Action = (state: Msg, args: any) => { result?: unknown; set?: Msg } | void

/** Settles all microtask-driven traffic (works under fake timers). */
export async function flush(rounds = 50): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.resolve()
}

/** The client side of one fake connection. */
export class FakeSocket implements WebSocketLike {
  readyState = 0
  binaryType = 'blob'
  onopen: ((event: any) => void) | null = null
  onmessage: ((event: any) => void) | null = null
  onclose: ((event: any) => void) | null = null
  onerror: ((event: any) => void) | null = null
  /** Every message the client sent, parsed. */
  readonly sent: Msg[] = []

  constructor(private readonly server: FakeServer, readonly url: string) {}

  /** Binary frames the client sent, as upload chunks: header and bytes. */
  readonly sentBinary: { header: Msg; bytes: Uint8Array }[] = []

  send(data: string | Uint8Array): void {
    if (this.readyState !== 1) throw new Error('socket is not open')
    if (typeof data !== 'string') {
      // `[headerLen: u32 LE][header JSON][bytes]`: handed to the server as its header message.
      const length = new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(0, true)
      const header = JSON.parse(new TextDecoder().decode(data.subarray(4, 4 + length))) as Msg
      const bytes = data.slice(4 + length)
      this.sentBinary.push({ header, bytes })
      queueMicrotask(() => this.server.receive({ ...header, binary: bytes }, this))
      return
    }
    const msg = JSON.parse(data) as Msg
    this.sent.push(msg)
    queueMicrotask(() => this.server.receive(msg, this))
  }

  close(code = 1000, reason = ''): void {
    if (this.readyState >= 2) return
    this.readyState = 3
    queueMicrotask(() => this.onclose?.({ code, reason }))
  }

  // ---- server side ----

  /** Opens the socket (server accepted the upgrade). */
  open(): void {
    this.readyState = 1
    this.onopen?.({})
  }

  /** Sends a text frame: one message, an array of messages, or a raw string. */
  deliver(frame: Msg | Msg[] | string): void {
    const data = typeof frame === 'string' ? frame : JSON.stringify(frame)
    queueMicrotask(() => { if (this.readyState === 1) this.onmessage?.({ data }) })
  }

  /** Sends a binary frame (as an ArrayBuffer, as browsers do with binaryType 'arraybuffer'). */
  deliverBinary(bytes: Uint8Array): void {
    const copy = bytes.slice().buffer
    queueMicrotask(() => { if (this.readyState === 1) this.onmessage?.({ data: copy }) })
  }

  /** The server closes the connection. */
  serverClose(code = 1006, reason = ''): void {
    if (this.readyState >= 2) return
    this.readyState = 3
    queueMicrotask(() => this.onclose?.({ code, reason }))
  }

  /** Messages of one type the client sent. */
  sentOf(type: string): Msg[] {
    return this.sent.filter((m) => m.type === type)
  }
}

/** One component instance on the fake server. */
export interface FakeComponent {
  id: string
  name: string
  state: Msg
  version: number
}

let nextId = 0

/**
 * Behaves like the Rust server by default: `CONNECTION_ESTABLISHED` on connect, mount answers
 * `STATE_UPDATE` then `MESSAGE_RESPONSE` (in one JSON array frame), actions answer `STATE_DELTA`
 * then `ACTION_RESPONSE`, `AUTH` and `COMPONENT_REHYDRATE` fail. Any type can be scripted with `on()`.
 */
export class FakeServer {
  readonly sockets: FakeSocket[] = []
  readonly components = new Map<string, FakeComponent>()
  /** Initial state per component name. */
  defaults: Record<string, Msg> = {}
  /** Actions per component name. */
  actions: Record<string, Record<string, Action>> = {}
  /** Accept connections (open + CONNECTION_ESTABLISHED) automatically. */
  autoAccept = true
  /** Send events and the reply as one JSON array frame (true) or as separate frames. */
  batch = true
  /** Attach a (fake, shape-valid) signedState to mount replies, STATE_UPDATE and deltas. */
  signing = false
  /** Accept COMPONENT_REHYDRATE with a state this server signed. */
  acceptRehydrate = false
  private readonly handlers = new Map<string, Handler>()

  /** The constructor to pass as `options.WebSocket`. */
  readonly WebSocket: WebSocketConstructor

  constructor() {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const server = this
    this.WebSocket = class extends FakeSocket {
      constructor(url: string) {
        super(server, url)
        server.sockets.push(this)
        if (server.autoAccept) queueMicrotask(() => server.accept(this))
      }
    }
  }

  /** The most recent socket. */
  get socket(): FakeSocket {
    const socket = this.sockets.at(-1)
    if (!socket) throw new Error('no socket yet')
    return socket
  }

  /** Opens `socket` and greets it. */
  accept(socket: FakeSocket): void {
    socket.open()
    socket.deliver({ type: 'CONNECTION_ESTABLISHED', connectionId: `conn${this.sockets.length}` })
  }

  /** Replaces the default behaviour for one message type. */
  on(type: string, handler: Handler): void {
    this.handlers.set(type, handler)
  }

  /** The single component instance with `name` (throws if there is not exactly one). */
  component(name: string): FakeComponent {
    const found = [...this.components.values()].filter((c) => c.name === name)
    if (found.length !== 1) throw new Error(`${found.length} instances of ${name}`)
    return found[0]!
  }

  /** A fake signed state for `component` (shape-valid per §9.2). */
  sign(component: FakeComponent): Msg {
    return {
      data: JSON.stringify({ ...component.state, __componentName: component.name }),
      signature: 'f'.repeat(64),
      timestamp: Date.now(),
      version: ++component.version,
      componentId: component.id,
      compressed: false,
      encrypted: false,
    }
  }

  /** Sends events followed by a reply, batched or not. */
  respond(socket: FakeSocket, events: Msg[], reply?: Msg): void {
    const frames = reply ? [...events, reply] : events
    if (frames.length === 0) return
    if (this.batch && frames.length > 1) socket.deliver(frames)
    else for (const frame of frames) socket.deliver(frame)
  }

  /** @internal Called for every client message. */
  receive(msg: Msg, socket: FakeSocket): void {
    const custom = this.handlers.get(msg.type)
    if (custom) return custom(msg, socket)
    const reply = (fields: Msg): Msg => ({ ...fields, ...(msg.requestId ? { requestId: msg.requestId } : {}) })
    switch (msg.type) {
      case 'PING':
        return
      case 'AUTH':
        return socket.deliver(reply({ type: 'AUTH_RESPONSE', success: false, payload: { authenticated: false, error: 'Authentication failed' } }))
      case 'COMPONENT_MOUNT': {
        const name = msg.payload.component as string
        const component: FakeComponent = { id: `c${++nextId}`, name, state: { ...this.defaults[name], ...msg.payload.props }, version: 0 }
        this.components.set(component.id, component)
        const signedState = this.signing ? this.sign(component) : undefined
        return this.respond(
          socket,
          [{ type: 'STATE_UPDATE', componentId: component.id, payload: { state: component.state, signedState } }],
          reply({ type: 'MESSAGE_RESPONSE', success: true, result: { componentId: component.id, initialState: component.state, signedState } }),
        )
      }
      case 'COMPONENT_REHYDRATE': {
        const signed = msg.payload.signedState
        if (!this.acceptRehydrate) {
          return socket.deliver(reply({ type: 'COMPONENT_REHYDRATED', componentId: msg.componentId, success: false, error: 'State rehydration is not enabled on this server' }))
        }
        const { __componentName, ...state } = JSON.parse(signed.data)
        const component: FakeComponent = { id: `c${++nextId}`, name: __componentName, state, version: signed.version }
        this.components.set(component.id, component)
        return this.respond(
          socket,
          [{ type: 'STATE_REHYDRATED', componentId: component.id, payload: { state, signedState: this.sign(component), oldComponentId: msg.componentId, newComponentId: component.id } }],
          reply({ type: 'COMPONENT_REHYDRATED', componentId: msg.componentId, success: true, result: { newComponentId: component.id } }),
        )
      }
      case 'COMPONENT_UNMOUNT':
        this.components.delete(msg.componentId)
        return socket.deliver(reply({ type: 'MESSAGE_RESPONSE', componentId: msg.componentId, success: true }))
      case 'CALL_ACTION': {
        const component = this.components.get(msg.componentId)
        if (!component) {
          return socket.deliver(reply({ type: 'ACTION_RESPONSE', componentId: msg.componentId, success: false, error: `COMPONENT_REHYDRATION_REQUIRED:${msg.componentId}` }))
        }
        const action = this.actions[component.name]?.[msg.action]
        if (!action) {
          return socket.deliver(reply({ type: 'ACTION_RESPONSE', componentId: component.id, success: false, error: `Action '${msg.action}' is not callable` }))
        }
        const outcome = action(component.state, msg.payload) ?? {}
        const events: Msg[] = []
        if (outcome.set) {
          component.state = { ...component.state, ...outcome.set }
          events.push({ type: 'STATE_DELTA', componentId: component.id, payload: { delta: outcome.set } })
          if (this.signing) events.push({ type: 'STATE_SIGNATURE', componentId: component.id, payload: { signedState: this.sign(component) } })
        }
        const ok = msg.expectResponse ? reply({ type: 'ACTION_RESPONSE', componentId: component.id, success: true, result: outcome.result }) : undefined
        return this.respond(socket, events, ok)
      }
      case 'PROPERTY_UPDATE': {
        const component = this.components.get(msg.componentId)!
        component.state = { ...component.state, [msg.property]: msg.payload.value }
        return this.respond(
          socket,
          [{ type: 'STATE_DELTA', componentId: component.id, payload: { delta: { [msg.property]: msg.payload.value } } }],
          reply({ type: 'MESSAGE_RESPONSE', componentId: component.id, success: true }),
        )
      }
      case 'ROOM_JOIN':
        return socket.deliver(reply({ type: 'ROOM_JOINED', componentId: msg.componentId, payload: { roomId: msg.roomId, state: msg.payload?.initialState ?? {} } }))
      case 'ROOM_LEAVE':
        return socket.deliver(reply({ type: 'ROOM_LEFT', componentId: msg.componentId, payload: { roomId: msg.roomId } }))
      default:
        return
    }
  }
}

/** An in-memory `Storage`. */
export class MemoryStorage {
  readonly items = new Map<string, string>()
  getItem(key: string): string | null { return this.items.get(key) ?? null }
  setItem(key: string, value: string): void { this.items.set(key, value) }
  removeItem(key: string): void { this.items.delete(key) }
}

/** Builds a binary room frame (§10.4). */
export function roomFrame(type: number, componentId: string, roomId: string, event: string, payload: Uint8Array): Uint8Array {
  const enc = new TextEncoder()
  const c = enc.encode(componentId)
  const r = enc.encode(roomId)
  const e = enc.encode(event)
  return new Uint8Array([type, c.length, ...c, r.length, ...r, e.length >> 8, e.length & 0xff, ...e, ...payload])
}
