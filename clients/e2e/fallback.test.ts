/**
 * The demo page in headless Chromium with WebSocket blocked (an init script deletes
 * `window.WebSocket` before the page runs): `@live/client` falls back to Server-Sent Events
 * and the demo works as usual — everything mounts, a click changes the count, a second page
 * sees a shared change; with the event stream blocked as well, over long-polling. See
 * docs/transports.md.
 *
 * Needs `LIVE_DEMO_BIN` and Chromium, as demo-page.test.ts.
 */
import type { Browser, BrowserContext } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium, missingPrerequisites, withSession } from './support/browser.js'
import { DemoServer } from './support/demo-server.js'

const CI = process.env.CI === 'true'
const BIN = process.env.LIVE_DEMO_BIN
/** No `window.WebSocket`, as on a host without it. */
const noWebSocket = async (context: BrowserContext): Promise<void> => { await context.addInitScript('delete window.WebSocket') }
/** No WebSocket, and a "proxy" that refuses the event stream: long-polling is left. */
const onlyPolling = async (context: BrowserContext): Promise<void> => {
  await noWebSocket(context)
  await context.route('**/api/live/sse', (route) => route.abort())
}

/** Which of the Live HTTP paths the page has finished requests to. */
function pathsSeen(): { websocket: string; sseSends: boolean; polls: boolean } {
  const urls = performance.getEntriesByType('resource').map((entry) => new URL(entry.name).pathname)
  return {
    websocket: typeof (window as { WebSocket?: unknown }).WebSocket,
    sseSends: urls.includes('/api/live/sse/send'),
    polls: urls.includes('/api/live/http/poll'),
  }
}

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
      const alice = await session.open('alice', demo.pageUrl, noWebSocket)
      // Frames went up as POSTs to /api/live/sse/send (the event stream itself never
      // completes, so it has no resource timing entry yet).
      expect(await alice.page.evaluate(pathsSeen)).toEqual({ websocket: 'undefined', sseSends: true, polls: false })
      expect(await alice.text('connection-id')).toMatch(/^[A-Za-z0-9_-]{8}$/)

      await alice.click('counter-increment')
      await alice.waitText('counter-count', 1)
      await alice.click('counter-add5')
      await alice.waitText('counter-count', 6)

      const bob = await session.open('bob', demo.pageUrl, noWebSocket)
      await alice.waitText('shared-viewers', 2)
      const start = await bob.number('shared-count')
      await alice.click('shared-increment')
      await bob.waitText('shared-count', start + 1)
      expect(alice.console.filter((line) => line.startsWith('[pageerror]'))).toEqual([])
    }))

  it('runs over long-polling when the event stream is blocked too', () =>
    withSession(browser, 'runs over long-polling', () => demo.log, async (session) => {
      const alice = await session.open('alice', demo.pageUrl, onlyPolling)
      expect(await alice.page.evaluate(pathsSeen)).toMatchObject({ websocket: 'undefined', polls: true })
      await alice.click('counter-increment')
      await alice.waitText('counter-count', 1)
      const bob = await session.open('bob', demo.pageUrl, noWebSocket)
      await bob.waitText('shared-viewers', 2)
      const start = await alice.number('shared-count')
      await bob.click('shared-increment')
      await alice.waitText('shared-count', start + 1)
      expect(alice.console.filter((line) => line.startsWith('[pageerror]'))).toEqual([])
    }))
})
