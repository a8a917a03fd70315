import { act, cleanup, render, screen } from '@testing-library/react'
import { afterEach, beforeEach, describe, expect, expectTypeOf, it } from 'vitest'
import { LiveConnection, PRESENCE_EVENTS, type PresenceEntry } from '@live/client'
import { FakeServer, flush } from '../../client/test/helpers/fake-server.js'
import { presenceEntry, sendPresence, type Meta, type PresenceRegistry as Registry } from '../../client/test/helpers/presence.js'
import { createLive, usePresence } from '../src/index.js'

const { LiveProvider, Live } = createLive<Registry>()

let server: FakeServer
let conn: LiveConnection<Registry>

beforeEach(() => {
  server = new FakeServer()
  conn = new LiveConnection<Registry>({ WebSocket: server.WebSocket, storage: null, heartbeatMs: 0 })
})
afterEach(() => {
  cleanup()
  conn.close()
})

const settle = () => act(() => flush())

const entry = (key: string, joinedAt: number, name: string) => presenceEntry(key, joinedAt, { meta: { name } })
const send = (event: string, data: unknown) => sendPresence(server, event, data)

let renders = 0
function Who() {
  renders++
  const { handle } = Live.use('LiveChat')
  const people = usePresence(handle, 'chat:general')
  expectTypeOf(people).toEqualTypeOf<readonly PresenceEntry<Meta>[]>()
  return <ul>{people.map((p) => <li key={p.key}>{p.meta.name}×{p.connections}</li>)}</ul>
}

describe('usePresence', () => {
  it('renders the presence list and re-renders on join, update and leave', async () => {
    render(<LiveProvider connection={conn}><Who /></LiveProvider>)
    await settle()
    expect(screen.queryAllByRole('listitem')).toHaveLength(0)

    send(PRESENCE_EVENTS.state, { entries: [entry('user:bob', 2, 'Bob'), entry('user:me', 1, 'Me')] })
    await settle()
    expect(screen.getAllByRole('listitem').map((li) => li.textContent)).toEqual(['Me×1', 'Bob×1'])

    send(PRESENCE_EVENTS.join, { entry: entry('user:ann', 3, 'Ann') })
    send(PRESENCE_EVENTS.update, { entry: { ...entry('user:bob', 2, 'Bob'), connections: 2 } })
    send(PRESENCE_EVENTS.leave, { key: 'user:me' })
    await settle()
    expect(screen.getAllByRole('listitem').map((li) => li.textContent)).toEqual(['Bob×2', 'Ann×1'])
  })

  it('does not re-render for malformed or no-op presence events', async () => {
    render(<LiveProvider connection={conn}><Who /></LiveProvider>)
    await settle()
    send(PRESENCE_EVENTS.state, { entries: [entry('user:me', 1, 'Me')] })
    await settle()
    const before = renders
    send(PRESENCE_EVENTS.join, { entry: { key: 'user:x' } })
    send(PRESENCE_EVENTS.update, { entry: entry('user:me', 1, 'Me') })
    send(PRESENCE_EVENTS.leave, { key: 'user:nobody' })
    await settle()
    expect(renders).toBe(before)
    expect(screen.getAllByRole('listitem').map((li) => li.textContent)).toEqual(['Me×1'])
  })
})
