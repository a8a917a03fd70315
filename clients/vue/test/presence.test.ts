import { flushPromises, mount } from '@vue/test-utils'
import { defineComponent, effectScope, h } from 'vue'
import { afterEach, beforeEach, describe, expect, expectTypeOf, it } from 'vitest'
import { LiveConnection, PRESENCE_EVENTS, type PresenceEntry } from '@live/client'
import { FakeServer, flush } from '../../client/test/helpers/fake-server.js'
import { presenceEntry, sendPresence, type Meta, type PresenceRegistry as Registry } from '../../client/test/helpers/presence.js'
import { createLive, usePresence } from '../src/index.js'

const typed = createLive<Registry>()

let server: FakeServer
let conn: LiveConnection<Registry>

beforeEach(() => {
  server = new FakeServer()
  conn = new LiveConnection<Registry>({ WebSocket: server.WebSocket, storage: null, heartbeatMs: 0 })
})
afterEach(() => conn.close())

const settle = async (): Promise<void> => {
  await flush()
  await flushPromises()
}

const entry = (key: string, joinedAt: number, name: string) => presenceEntry(key, joinedAt, { meta: { name } })
const send = (event: string, data: unknown) => sendPresence(server, event, data)

const Who = defineComponent({
  setup() {
    const { handle } = typed.useLive('LiveChat')
    const people = usePresence(handle, 'chat:general')
    expectTypeOf(people.value).toEqualTypeOf<readonly PresenceEntry<Meta>[]>()
    return () => h('ul', people.value.map((p) => h('li', { key: p.key }, `${p.meta.name}×${p.connections}`)))
  },
})

const App = defineComponent({
  setup() {
    typed.provideLiveConnection(conn)
    return () => h(Who)
  },
})

describe('usePresence', () => {
  it('renders the presence list and follows join, update and leave', async () => {
    const wrapper = mount(App)
    await settle()
    expect(wrapper.findAll('li')).toHaveLength(0)

    send(PRESENCE_EVENTS.state, { entries: [entry('user:bob', 2, 'Bob'), entry('user:me', 1, 'Me')] })
    await settle()
    expect(wrapper.findAll('li').map((li) => li.text())).toEqual(['Me×1', 'Bob×1'])

    send(PRESENCE_EVENTS.join, { entry: entry('user:ann', 3, 'Ann') })
    send(PRESENCE_EVENTS.update, { entry: { ...entry('user:bob', 2, 'Bob'), connections: 2 } })
    send(PRESENCE_EVENTS.leave, { key: 'user:me' })
    await settle()
    expect(wrapper.findAll('li').map((li) => li.text())).toEqual(['Bob×2', 'Ann×1'])
    wrapper.unmount()
  })

  it('stops updating the ref when its scope is disposed', async () => {
    const handle = conn.mount('LiveChat')
    await handle.ready
    const scope = effectScope()
    const people = scope.run(() => usePresence(handle, 'chat:general'))!
    send(PRESENCE_EVENTS.join, { entry: entry('user:ann', 3, 'Ann') })
    await settle()
    expect(people.value.map((p) => p.key)).toEqual(['user:ann'])
    scope.stop()
    send(PRESENCE_EVENTS.leave, { key: 'user:ann' })
    await settle()
    expect(handle.room('chat:general').presence.list()).toEqual([])
    expect(people.value.map((p) => p.key)).toEqual(['user:ann'])
  })
})
