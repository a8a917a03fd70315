import { flushPromises, mount } from '@vue/test-utils'
import { defineComponent, h, nextTick, watch, type PropType } from 'vue'
import { afterEach, beforeEach, describe, expect, expectTypeOf, it, vi } from 'vitest'
import { LiveConnection } from '@live/client'
import { FakeServer, flush } from '../../client/test/helpers/fake-server.js'
import type { CounterState, LiveRegistry } from '../../client/test/types/registry.js'
import { createLive, liveConnectionKey, provideLiveConnection, useLive } from '../src/index.js'

const typed = createLive<LiveRegistry>()

let server: FakeServer
let conn: LiveConnection<LiveRegistry>

beforeEach(() => {
  server = new FakeServer()
  server.defaults.Counter = { count: 0 }
  server.actions.Counter = {
    add: (s, args: { by: number }) => ({ set: { count: (s.count as number) + args.by }, result: (s.count as number) + args.by }),
  }
  conn = new LiveConnection<LiveRegistry>({ WebSocket: server.WebSocket, storage: null, heartbeatMs: 0 })
})
afterEach(() => conn.close())

const settle = async (): Promise<void> => {
  await flush()
  await flushPromises()
}

const Counter = defineComponent({
  setup() {
    const live = typed.useLive('Counter')
    expectTypeOf(live.state.value).toEqualTypeOf<Readonly<CounterState> | null>()
    return () => live.error.value
      ? h('p', `error: ${live.error.value}`)
      : live.loading.value
        ? h('p', 'loading')
        : h('div', [
          h('span', { class: 'count' }, String(live.state.value?.count)),
          h('span', { class: 'connected' }, String(live.connected.value)),
          h('button', { onClick: () => live.call('add', { by: 2 }) }, 'add'),
        ])
  },
})

/** Provides the connection and renders `count` Counters. */
const App = defineComponent({
  props: { count: { type: Number, default: 1 }, child: { type: Object as PropType<ReturnType<typeof defineComponent>>, default: () => Counter } },
  setup(props) {
    typed.provideLiveConnection(conn)
    return () => h('main', Array.from({ length: props.count }, () => h(props.child)))
  },
})

describe('useLive', () => {
  it('mounts and renders the server state reactively', async () => {
    const wrapper = mount(App)
    expect(wrapper.text()).toBe('loading')
    await settle()
    expect(wrapper.find('.count').text()).toBe('0')
    expect(wrapper.find('.connected').text()).toBe('true')
    await wrapper.find('button').trigger('click')
    await settle()
    expect(wrapper.find('.count').text()).toBe('2')
    wrapper.unmount()
  })

  it('shares one server component and unmounts it when the last scope is disposed', async () => {
    const wrapper = mount(App, { props: { count: 2 } })
    await settle()
    expect(wrapper.findAll('.count')).toHaveLength(2)
    expect(server.socket.sentOf('COMPONENT_MOUNT')).toHaveLength(1)
    const id = server.component('Counter').id
    await wrapper.setProps({ count: 1 })
    await settle()
    expect(server.socket.sentOf('COMPONENT_UNMOUNT')).toHaveLength(0)
    wrapper.unmount()
    await settle()
    expect(server.socket.sentOf('COMPONENT_UNMOUNT')).toEqual([{ type: 'COMPONENT_UNMOUNT', componentId: id }])
  })

  it('keeps the same state object when a delta changes nothing', async () => {
    let live: ReturnType<typeof typed.useLive<'Counter'>> | undefined
    const Probe = defineComponent({
      setup() {
        live = typed.useLive('Counter')
        return () => h('i')
      },
    })
    mount(App, { props: { child: Probe } })
    await settle()
    const before = live!.state.value
    const onChange = vi.fn()
    const stop = watch(live!.state, onChange)
    server.socket.deliver({ type: 'STATE_DELTA', componentId: server.component('Counter').id, payload: { delta: { count: 0 } } })
    await settle()
    await nextTick()
    expect(live!.state.value).toBe(before)
    expect(onChange).not.toHaveBeenCalled()
    stop()
  })

  it('reports a failed mount', async () => {
    server.on('COMPONENT_MOUNT', (msg, s) => s.deliver({ type: 'MESSAGE_RESPONSE', success: false, error: "Component 'Counter' not found", requestId: msg.requestId }))
    const wrapper = mount(App)
    await settle()
    expect(wrapper.text()).toBe("error: Component 'Counter' not found")
  })

  it('follows the connection status', async () => {
    const wrapper = mount(App)
    await settle()
    server.socket.serverClose(1006)
    await settle()
    expect(wrapper.find('.connected').text()).toBe('false')
  })

  it('works untyped with the plain exports', async () => {
    const Plain = defineComponent({
      setup() {
        provideLiveConnection(conn)
        return () => h(defineComponent({
          setup() {
            const { state } = useLive('Counter', { count: 7 })
            return () => h('b', String(state.value?.count ?? '…'))
          },
        }))
      },
    })
    const wrapper = mount(Plain)
    await settle()
    expect(wrapper.text()).toBe('7')
  })

  it('accepts an app-level provide with liveConnectionKey', async () => {
    const wrapper = mount(Counter, { global: { provide: { [liveConnectionKey as symbol]: conn } } })
    await settle()
    expect(wrapper.find('.count').text()).toBe('0')
  })

  it('needs provideLiveConnection', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    expect(() => mount(Counter)).toThrow(/provideLiveConnection/)
    warn.mockRestore()
  })
})

describe('useRoomState', () => {
  it('tracks a room state reactively', async () => {
    const Chat = defineComponent({
      setup() {
        const { $room } = typed.useLive('Counter')
        const state = typed.useRoomState($room('chat:lobby'))
        expectTypeOf(state.value.topic).toEqualTypeOf<string>()
        return () => h('p', `topic: ${state.value.topic ?? '-'}`)
      },
    })
    const wrapper = mount(App, { props: { child: Chat } })
    await settle()
    expect(wrapper.text()).toBe('topic: -')
    server.socket.deliver({ componentId: server.component('Counter').id, type: 'ROOM_STATE', roomId: 'chat:lobby', event: '$state:update', data: { state: { topic: 'Rust' } } })
    await settle()
    expect(wrapper.text()).toBe('topic: Rust')
  })
})
