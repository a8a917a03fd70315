/**
 * Type-level test, part 1: everything here must compile (`npm run typecheck`).
 * Never executed; the assertions are checked by tsc through `expectTypeOf`.
 */
import { expectTypeOf } from 'vitest'
import { LiveConnection, type ComponentHandle, type RoomHandle } from '../../src/index.js'
import type { ChatMessage, ChatState, CounterState, LiveRegistry } from './registry.js'

export async function typed(conn: LiveConnection<LiveRegistry>): Promise<void> {
  const counter = conn.mount('Counter', { count: 3 })
  expectTypeOf(counter.state).toEqualTypeOf<Readonly<CounterState> | null>()
  expectTypeOf(counter.getSnapshot()).toEqualTypeOf<Readonly<CounterState> | null>()

  expectTypeOf(await counter.call('increment')).toEqualTypeOf<number>()
  expectTypeOf(await counter.call('add', { by: 2 })).toEqualTypeOf<number>()
  await counter.call('reset')
  await counter.call('reset', { to: 1 })
  counter.fire('add', { by: 1 })
  await counter.set('count', 4)

  const chat = counter.room('chat:lobby')
  expectTypeOf(chat).toEqualTypeOf<RoomHandle<ChatState, { 'message:new': ChatMessage; 'user:joined': { name: string } }>>()
  chat.emit('message:new', { user: 'ana', text: 'hi' })
  // with `clientEvents`, only those events can be emitted
  counter.room('desk:1').emit('typing', { active: true })
  chat.on('user:joined', (data) => expectTypeOf(data).toEqualTypeOf<{ name: string }>())
  expectTypeOf(chat.state.topic).toEqualTypeOf<string>()
  expectTypeOf(counter.room('chat').state).toEqualTypeOf<Readonly<ChatState>>()
  // a room id without a registry entry is untyped
  expectTypeOf(counter.room('free-room').state).toEqualTypeOf<Readonly<Record<string, unknown>>>()

  const shared = conn.shared('Counter')
  expectTypeOf(shared).toEqualTypeOf<ComponentHandle<CounterState, LiveRegistry['components']['Counter']['actions'], LiveRegistry['rooms'], never>>()
}

export async function uploads(conn: LiveConnection<LiveRegistry>, file: Blob): Promise<void> {
  const profile = conn.mount('Profile')
  const done = await profile.upload(file, { uploadName: 'avatar', onProgress: (p) => expectTypeOf(p.progress).toEqualTypeOf<number>() })
  expectTypeOf(done.fileUrl).toEqualTypeOf<string | null>()
  await profile.upload(file)
}

export async function untyped(conn: LiveConnection): Promise<void> {
  const anything = conn.mount('Whatever', { any: 'props' })
  expectTypeOf(anything.state).toEqualTypeOf<Readonly<Record<string, unknown>> | null>()
  expectTypeOf(await anything.call('anyAction', { any: 1 })).toEqualTypeOf<unknown>()
  await anything.call('noArgs')
  anything.room('r').emit('evt', 42)
}
