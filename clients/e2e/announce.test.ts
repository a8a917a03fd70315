/**
 * App code pushing into a room: example-axum serves the demo page, and `POST /api/announce`
 * (an ordinary axum route using the server handle) posts to the chat of every open page.
 *
 * Needs `LIVE_AXUM_BIN` (the example-axum binary; `cargo xtask test` builds it and sets it)
 * and Chromium, like demo-page.test.ts; skipped without them, failed under `CI=true`.
 */
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium, missingPrerequisites, withSession } from './support/browser.js'
import { DemoServer } from './support/demo-server.js'

const CI = process.env.CI === 'true'
const BIN = process.env.LIVE_AXUM_BIN
const REQUEST_TIMEOUT_MS = 10_000

const missing = missingPrerequisites(BIN, 'LIVE_AXUM_BIN')
if (missing.length > 0 && !CI) console.warn(`announce browser test skipped: ${missing.join('; ')}`)

describe.skipIf(missing.length > 0 && !CI)('POST /api/announce on example-axum, in Chromium', () => {
  let browser: Browser
  let axum: DemoServer

  beforeAll(async () => {
    if (missing.length > 0) throw new Error(`browser tests cannot run (CI=true): ${missing.join('; ')}`)
    ;[axum, browser] = await Promise.all([DemoServer.start(BIN!, '127.0.0.1:0'), launchChromium()])
  })

  afterAll(async () => {
    await browser?.close()
    await axum?.kill('SIGTERM')
  })

  /** POSTs `body` as JSON to /api/announce; returns the status and the parsed answer. */
  async function announce(body: unknown): Promise<{ status: number; answer: unknown }> {
    const response = await fetch(`${axum.origin}/api/announce`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    })
    return { status: response.status, answer: await response.json() }
  }

  const name = 'an announcement reaches two pages, from "server"'
  it(name, () => withSession(browser, name, () => axum.log, async (session) => {
    const alice = await session.open('alice', axum.pageUrl)
    const bob = await session.open('bob', axum.pageUrl)
    await alice.waitText('chat-users', 2)
    await bob.waitText('chat-users', 2)

    const text = `maintenance at 22:00 (${Date.now()})`
    const sent = await announce({ text })
    expect(sent.status).toBe(200)
    expect(sent.answer).toMatchObject({ from: 'server', text })
    expect(await alice.waitMessage(text)).toBe('server')
    expect(await bob.waitMessage(text)).toBe('server')

    const refused = await announce({ text: '   ' })
    expect(refused.status).toBe(400)
    expect(refused.answer).toMatchObject({ error: expect.stringContaining('1 to 500') })
  }))
})
