/**
 * The client over real sockets: the `ws` package on both ends, on 127.0.0.1. This checks what
 * the fake cannot: `ws` as the injected constructor, text frames as strings, binary frames as
 * ArrayBuffers, and real close codes.
 */
import { encode } from '@msgpack/msgpack'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { WebSocket, WebSocketServer, type WebSocket as ServerSocket } from 'ws'
import { LiveConnection } from '../src/index.js'
import { roomFrame } from './helpers/fake-server.js'

let wss: WebSocketServer
let url: string
let onMessage: (socket: ServerSocket, msg: Record<string, any>) => void
let onConnection: (socket: ServerSocket) => void
const connections: LiveConnection[] = []

beforeEach(async () => {
  wss = new WebSocketServer({ host: '127.0.0.1', port: 0 })
  await new Promise<void>((resolve) => wss.once('listening', resolve))
  url = `ws://127.0.0.1:${(wss.address() as { port: number }).port}/api/live/ws`
  onConnection = (socket) => socket.send(JSON.stringify({ type: 'CONNECTION_ESTABLISHED', connectionId: 'real' }))
  wss.on('connection', (socket) => {
    onConnection(socket)
    socket.on('message', (data) => onMessage(socket, JSON.parse(String(data))))
  })
})

afterEach(async () => {
  for (const conn of connections.splice(0)) conn.close()
  for (const client of wss.clients) client.terminate()
  await new Promise((resolve) => wss.close(resolve))
})

const open = (): LiveConnection => {
  const conn = new LiveConnection({ url, WebSocket, storage: null, heartbeatMs: 0 })
  connections.push(conn)
  return conn
}

const until = async (check: () => boolean): Promise<void> => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 5))
  expect(check()).toBe(true)
}

describe('over a real ws socket', () => {
  it('mounts, calls an action and receives a binary room frame', async () => {
    let count = 0
    onMessage = (socket, msg) => {
      if (msg.type === 'COMPONENT_MOUNT') {
        socket.send(JSON.stringify([
          { type: 'STATE_UPDATE', componentId: 'srv1', payload: { state: { count } } },
          { type: 'MESSAGE_RESPONSE', success: true, result: { componentId: 'srv1', initialState: { count } }, requestId: msg.requestId },
        ]))
      } else if (msg.type === 'CALL_ACTION') {
        count += 1
        socket.send(JSON.stringify({ type: 'STATE_DELTA', componentId: 'srv1', payload: { delta: { count } } }))
        socket.send(JSON.stringify({ type: 'ACTION_RESPONSE', componentId: 'srv1', success: true, result: count, requestId: msg.requestId }))
        socket.send(roomFrame(0x02, 'srv1', 'counter:global', 'counter:updated', encode({ count })))
      }
    }
    const conn = open()
    const counter = conn.mount('Counter')
    await counter.ready
    expect(conn.connectionId).toBe('real')
    expect(counter.state).toEqual({ count: 0 })

    const events: unknown[] = []
    counter.room('counter:global').on('counter:updated', (data) => events.push(data))
    expect(await counter.call('increment')).toBe(1)
    expect(counter.state).toEqual({ count: 1 })
    await until(() => events.length === 1)
    expect(events).toEqual([{ count: 1 }])
  })

  it('reports a 4003 close as fatal', async () => {
    onConnection = (socket) => socket.close(4003, 'Origin not allowed')
    const conn = open()
    await until(() => conn.status === 'closed')
    expect(conn.error).toBe('Connection rejected: origin not allowed')
  })
})
