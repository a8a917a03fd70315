/**
 * Type-level test of the GENERATED registry of the demo (`cargo xtask gen-ts` writes
 * `clients/generated/demo.ts`; `cargo xtask test` fails when it is stale).
 *
 * `npm run typecheck` compiles this file: everything outside `@ts-expect-error` must
 * compile, and every line after `@ts-expect-error` must be a type error (tsc fails with
 * "Unused '@ts-expect-error' directive" otherwise). Never executed.
 */
import { expectTypeOf } from 'vitest'
import type { LiveConnection, PresenceList } from '../../src/index.js'
import {
  CounterComponent,
  type ChatMessage,
  type ChatPresence,
  type ChatRoomState,
  type CounterState,
  type LiveRegistry,
  type SharedCounterState,
  type UserJoined,
} from '../../../generated/demo.js'

export async function correctUse(conn: LiveConnection<LiveRegistry>): Promise<void> {
  const counter = conn.mount(CounterComponent, { count: 3 })
  expectTypeOf(counter.state).toEqualTypeOf<Readonly<CounterState> | null>()
  expectTypeOf(await counter.call('add', { by: 2 })).toEqualTypeOf<number>()
  expectTypeOf(await counter.call('increment')).toEqualTypeOf<number>()
  expectTypeOf(await counter.call('decrement')).toEqualTypeOf<number>()
  counter.fire('add', { by: -1 })
  await counter.set('count', 10)

  const shared = conn.mount('SharedCounter')
  expectTypeOf(shared.state).toEqualTypeOf<Readonly<SharedCounterState> | null>()
  expectTypeOf(await shared.call('add', { by: 5 })).toEqualTypeOf<number>()

  const chat = conn.mount('LiveChat')
  expectTypeOf(await chat.call('send', { text: 'hi' })).toEqualTypeOf<void>()
  expectTypeOf(chat.state?.messages).toEqualTypeOf<ChatMessage[] | undefined>()
  const room = chat.room('chat:general')
  expectTypeOf(room.state).toEqualTypeOf<Readonly<ChatRoomState>>()
  room.on('message:new', (message) => expectTypeOf(message).toEqualTypeOf<ChatMessage>())
  room.on('user:joined', (joined) => expectTypeOf(joined).toEqualTypeOf<UserJoined>())
  // gen-ts writes the room's presence metadata type into the registry.
  expectTypeOf(room.presence).toEqualTypeOf<PresenceList<ChatPresence>>()
}

export async function wrongUse(conn: LiveConnection<LiveRegistry>): Promise<void> {
  // @ts-expect-error unknown component
  conn.mount('Countr')

  const counter = conn.mount('Counter')
  // @ts-expect-error `by` is a number
  await counter.call('add', { by: 'x' })
  // @ts-expect-error no action `nope`
  await counter.call('nope')
  // @ts-expect-error `add` needs its argument
  await counter.call('add')
  // @ts-expect-error misspelled argument name
  await counter.call('add', { bye: 1 })
  // @ts-expect-error `increment` takes no argument
  await counter.call('increment', { by: 1 })
  // @ts-expect-error the result is a number
  const text: string = await counter.call('increment')
  void text
  // @ts-expect-error the state has no `total`
  void counter.state?.total

  const chat = conn.mount('LiveChat')
  // @ts-expect-error `text` is a string
  await chat.call('send', { text: 42 })
  const room = chat.room('chat:general')
  // @ts-expect-error no event `message:deleted` in the chat room
  room.on('message:deleted', () => {})
  // @ts-expect-error no chat event is `from_client`: clients post through `LiveChat.send`
  room.emit('message:new', { from: 'me', text: 'hi', timestamp: 0 })
}
