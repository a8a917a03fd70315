/**
 * End-to-end against a real Live server running the demo components. Not part of `npm test`:
 * start the server, then run `LIVE_E2E_URL=ws://127.0.0.1:3000/api/live/ws npm run test:e2e`
 * (`cargo run -p demo` listens on `LIVE_ADDR`, default 127.0.0.1:3000).
 */
import { afterEach, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { LiveConnection, LiveError } from '../src/index.js'

const url = process.env.LIVE_E2E_URL
if (!url) throw new Error('Set LIVE_E2E_URL to the ws:// URL of a running demo server')

interface DemoRegistry {
  components: {
    Counter: {
      state: { count: number }
      actions: { increment: { args: void; result: number }; add: { args: { by: number }; result: number } }
    }
    SharedCounter: {
      state: { count: number; viewers: number }
      actions: { increment: { args: void; result: number } }
    }
  }
}

const connections: LiveConnection<DemoRegistry>[] = []
const open = (): LiveConnection<DemoRegistry> => {
  const conn = new LiveConnection<DemoRegistry>({ url, WebSocket, storage: null, heartbeatMs: 0, reconnect: { initialDelayMs: 50, jitter: false } })
  connections.push(conn)
  return conn
}
afterEach(() => { for (const conn of connections.splice(0)) conn.close() })

describe('against the Rust demo server', () => {
  it('mounts, calls actions, writes a field and reports errors', async () => {
    const counter = open().mount('Counter', { count: 5 })
    await counter.ready
    expect(counter.state).toEqual({ count: 5 })
    expect(await counter.call('add', { by: 2 })).toBe(7)
    expect(counter.state).toEqual({ count: 7 })
    expect(await counter.call('increment')).toBe(8)
    await counter.set('count', 1)
    expect(counter.state).toEqual({ count: 1 })
    const failure = await counter.call('nope' as 'increment').catch((e: unknown) => e)
    expect(failure).toBeInstanceOf(LiveError)
    expect((failure as LiveError).message).toBe("Action 'nope' is not callable")
  })

  it('shares a singleton between connections', async () => {
    const a = open().mount('SharedCounter')
    const b = open().mount('SharedCounter')
    await Promise.all([a.ready, b.ready])
    const before = a.state!.count
    await a.call('increment')
    for (let i = 0; i < 100 && b.state!.count !== before + 1; i++) await new Promise((r) => setTimeout(r, 10))
    expect(b.state!.count).toBe(before + 1)
    expect(a.state!.viewers).toBeGreaterThanOrEqual(2)
  })

  it('reports an unknown component name as a failed mount', async () => {
    const ghost = open().mount('Ghost' as 'Counter')
    await expect(ghost.ready).rejects.toThrow(/Ghost/)
    expect(ghost.status).toBe('error')
  })
})
