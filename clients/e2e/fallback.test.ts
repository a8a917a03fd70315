/**
 * The demo page in headless Chromium with WebSocket blocked (an init script deletes
 * `window.WebSocket` before the page runs): `@live/client` falls back to Server-Sent Events
 * and the demo works as usual — everything mounts, a click changes the count, a second page
 * sees a shared change. See docs/transports.md.
 *
 * Needs `LIVE_DEMO_BIN` and Chromium, as demo-page.test.ts.
 */
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium, missingPrerequisites, withSession } from './support/browser.js'
import { DemoServer } from './support/demo-server.js'

const CI = process.env.CI === 'true'
const BIN = process.env.LIVE_DEMO_BIN
const NO_WEBSOCKET = 'delete window.WebSocket'

const missing = missingPrerequisites(BIN)
if (missing.length > 0 && !CI) console.warn(`browser tests skipped: ${missing.join('; ')}`)

describe.skipIf(missing.length > 0 && !CI)('the demo page without WebSocket', () => {
  let browser: Browser
  let demo: DemoServer

  beforeAll(async () => {
    if (missing.length > 0) throw new Error(`browser tests cannot run (CI=true): ${missing.join('; ')}`)
    ;[demo, browser] = await Promise.all([DemoServer.start(BIN!, '127.0.0.1:0'), launchChromium()])
  })

  afterAll(async () => {
    await browser?.close()
    await demo?.kill('SIGTERM')
  })

  it('runs over SSE: mounts, clicks change the count, a second page sees shared changes', () =>
    withSession(browser, 'runs over SSE', () => demo.log, async (session) => {
      const alice = await session.open('alice', demo.pageUrl, NO_WEBSOCKET)
      const transport = await alice.page.evaluate(() => ({
        websocket: typeof (window as { WebSocket?: unknown }).WebSocket,
        sse: performance.getEntriesByType('resource').filter((entry) => entry.name.endsWith('/api/live/sse')).length,
      }))
      expect(transport).toEqual({ websocket: 'undefined', sse: 1 })
      expect(await alice.text('connection-id')).toMatch(/^[A-Za-z0-9_-]{8}$/)

      await alice.click('counter-increment')
      await alice.waitText('counter-count', 1)
      await alice.click('counter-add5')
      await alice.waitText('counter-count', 6)

      const bob = await session.open('bob', demo.pageUrl, NO_WEBSOCKET)
      await alice.waitText('shared-viewers', 2)
      const start = await bob.number('shared-count')
      await alice.click('shared-increment')
      await bob.waitText('shared-count', start + 1)
      expect(alice.console.filter((line) => line.startsWith('[pageerror]'))).toEqual([])
    }))
})
