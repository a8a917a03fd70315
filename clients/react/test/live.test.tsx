import { act, cleanup, fireEvent, render, screen } from '@testing-library/react'
import { StrictMode, useState, type ReactNode } from 'react'
import { afterEach, beforeEach, describe, expect, expectTypeOf, it, vi } from 'vitest'
import { LiveConnection } from '@live/client'
import { FakeServer, flush } from '../../client/test/helpers/fake-server.js'
import type { CounterState, LiveRegistry } from '../../client/test/types/registry.js'
import { createLive } from '../src/index.js'

const { LiveProvider, Live } = createLive<LiveRegistry>()

let server: FakeServer
let conn: LiveConnection<LiveRegistry>

beforeEach(() => {
  server = new FakeServer()
  server.defaults.Counter = { count: 0 }
  server.actions.Counter = {
    increment: (s) => ({ set: { count: (s.count as number) + 1 }, result: (s.count as number) + 1 }),
    add: (s, args: { by: number }) => ({ set: { count: (s.count as number) + args.by }, result: (s.count as number) + args.by }),
  }
  conn = new LiveConnection<LiveRegistry>({ WebSocket: server.WebSocket, storage: null, heartbeatMs: 0 })
})
afterEach(() => {
  cleanup()
  conn.close()
})

/** Lets fake-server traffic settle inside act(). */
const settle = () => act(() => flush())

let renders = 0
function Counter({ start }: { start?: number }) {
  renders++
  const { state, call, loading, error, connected } = Live.use('Counter', start === undefined ? undefined : { count: start })
  expectTypeOf(state).toEqualTypeOf<Readonly<CounterState> | null>()
  if (error) return <p>error: {error}</p>
  if (loading) return <p>loading</p>
  return (
    <div>
      <span data-testid="count">{state?.count}</span>
      <span data-testid="connected">{String(connected)}</span>
      <button onClick={() => void call('add', { by: 2 })}>add</button>
    </div>
  )
}

const app = (children: ReactNode) => <LiveProvider connection={conn}>{children}</LiveProvider>

describe('Live.use', () => {
  it('mounts on first use and renders the server state', async () => {
    render(app(<Counter start={5} />))
    expect(screen.getByText('loading')).toBeTruthy()
    await settle()
    expect(screen.getByTestId('count').textContent).toBe('5')
    expect(screen.getByTestId('connected').textContent).toBe('true')
    expect(server.socket.sentOf('COMPONENT_MOUNT')[0]!.payload).toEqual({ component: 'Counter', props: { count: 5 } })
  })

  it('calls actions and re-renders with the delta', async () => {
    render(app(<Counter />))
    await settle()
    fireEvent.click(screen.getByText('add'))
    await settle()
    expect(screen.getByTestId('count').textContent).toBe('2')
  })

  it('re-renders only when something changed', async () => {
    render(app(<Counter />))
    await settle()
    const before = renders
    const id = server.component('Counter').id
    await act(async () => {
      server.socket.deliver({ type: 'STATE_DELTA', componentId: id, payload: { delta: { count: 0 } } })
      await flush()
    })
    expect(renders).toBe(before)
    await act(async () => {
      server.socket.deliver({ type: 'STATE_DELTA', componentId: id, payload: { delta: { count: 1 } } })
      await flush()
    })
    expect(renders).toBe(before + 1)
  })

  it('shares one server component between users and unmounts it with the last one', async () => {
    function Two() {
      const [second, setSecond] = useState(true)
      const [first, setFirst] = useState(true)
      return (
        <>
          {first && <Counter />}
          {second && <Counter />}
          <button onClick={() => setSecond(false)}>drop second</button>
          <button onClick={() => setFirst(false)}>drop first</button>
        </>
      )
    }
    render(app(<Two />))
    await settle()
    expect(screen.getAllByTestId('count')).toHaveLength(2)
    expect(server.socket.sentOf('COMPONENT_MOUNT')).toHaveLength(1)
    const id = server.component('Counter').id
    fireEvent.click(screen.getByText('drop second'))
    await settle()
    expect(server.socket.sentOf('COMPONENT_UNMOUNT')).toHaveLength(0)
    fireEvent.click(screen.getByText('drop first'))
    await settle()
    expect(server.socket.sentOf('COMPONENT_UNMOUNT')).toEqual([{ type: 'COMPONENT_UNMOUNT', componentId: id }])
    expect(server.components.size).toBe(0)
  })

  it('mounts once under StrictMode', async () => {
    render(<StrictMode>{app(<Counter />)}</StrictMode>)
    await settle()
    expect(screen.getByTestId('count').textContent).toBe('0')
    expect(server.socket.sentOf('COMPONENT_MOUNT')).toHaveLength(1)
    expect(server.socket.sentOf('COMPONENT_UNMOUNT')).toHaveLength(0)
  })

  it('reports a failed mount', async () => {
    server.on('COMPONENT_MOUNT', (msg, s) => s.deliver({ type: 'MESSAGE_RESPONSE', success: false, error: 'AUTH_DENIED: Authentication required', requestId: msg.requestId }))
    render(app(<Counter />))
    await settle()
    expect(screen.getByText('error: AUTH_DENIED: Authentication required')).toBeTruthy()
  })

  it('shows the connection going down', async () => {
    render(app(<Counter />))
    await settle()
    await act(async () => {
      server.socket.serverClose(1006)
      await flush()
    })
    expect(screen.getByTestId('connected').textContent).toBe('false')
  })

  it('needs a LiveProvider', () => {
    const spy = vi.spyOn(console, 'error').mockImplementation(() => {})
    expect(() => render(<Counter />)).toThrow(/LiveProvider/)
    spy.mockRestore()
  })
})

describe('rooms', () => {
  function Chat() {
    const { $room, loading } = Live.use('Counter')
    const room = $room('chat:lobby')
    const state = Live.useRoom(room)
    expectTypeOf(state.topic).toEqualTypeOf<string>()
    return <p>{loading ? 'loading' : `topic: ${state.topic ?? '-'}`}</p>
  }

  it('re-renders on room state from binary or JSON frames', async () => {
    render(app(<Chat />))
    await settle()
    expect(screen.getByText('topic: -')).toBeTruthy()
    const id = server.component('Counter').id
    await act(async () => {
      server.socket.deliver({ componentId: id, type: 'ROOM_STATE', roomId: 'chat:lobby', event: '$state:update', data: { state: { topic: 'Rust' } } })
      await flush()
    })
    expect(screen.getByText('topic: Rust')).toBeTruthy()
  })
})
