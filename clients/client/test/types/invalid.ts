/**
 * Type-level test, part 2: every line after `@ts-expect-error` must be a type error —
 * tsc fails (`Unused '@ts-expect-error' directive`) if one of them compiles.
 */
import type { LiveConnection } from '../../src/index.js'
import type { LiveRegistry } from './registry.js'

export async function errors(conn: LiveConnection<LiveRegistry>): Promise<void> {
  // @ts-expect-error unknown component name
  conn.mount('Nope')
  // @ts-expect-error props of the wrong type
  conn.mount('Counter', { count: 'three' })

  const profile = conn.mount('Profile')
  // @ts-expect-error unknown upload name
  await profile.upload(new Blob([]), { uploadName: 'video' })
  // @ts-expect-error a component without uploads takes no upload name
  await conn.mount('Counter').upload(new Blob([]), { uploadName: 'avatar' })

  const counter = conn.mount('Counter')
  // @ts-expect-error wrong argument type
  await counter.call('add', { by: 'x' })
  // @ts-expect-error unknown action
  await counter.call('nope')
  // @ts-expect-error missing required argument
  await counter.call('add')
  // @ts-expect-error an action whose args are void takes no argument
  await counter.call('increment', 1)
  // @ts-expect-error the result type is inferred (number, not string)
  const result: string = await counter.call('increment')
  void result
  // @ts-expect-error fire() checks arguments too
  counter.fire('add', { by: true })
  // @ts-expect-error set() checks field and value
  await counter.set('count', 'many')
  // @ts-expect-error snapshots are read-only
  counter.state!.count = 2

  const chat = counter.room('chat:lobby')
  // @ts-expect-error unknown room event
  chat.emit('message:deleted', {})
  // @ts-expect-error wrong event payload
  chat.emit('message:new', { text: 1 })

  const desk = counter.room('desk:1')
  // @ts-expect-error an event not declared `from_client` (the server would refuse it)
  desk.emit('note', 'hi')
  // @ts-expect-error a client event with the wrong payload
  desk.emit('typing', { active: 'yes' })
}
