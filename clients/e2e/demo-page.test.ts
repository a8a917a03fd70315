/**
 * The demo page (`/` of `cargo run -p demo`) in headless Chromium, two users at a time:
 * the Server panel ticks on its own, SharedCounter and the chat move in both pages, the
 * private Counter survives a reload through signed-state rehydration, and a killed and
 * restarted server is reconnected to.
 *
 * Needs `LIVE_DEMO_BIN` (the demo binary; `cargo xtask test` builds it and sets it) and
 * Chromium at /usr/bin/chromium. Without them it skips with the reason, and fails under
 * `CI=true`. Failed tests leave screenshots, page consoles and the server log in
 * `clients/e2e/artifacts/<test>/`.
 */
import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium, missingPrerequisites, withSession, type DemoPage } from './support/browser.js'
import { DemoServer } from './support/demo-server.js'

const CI = process.env.CI === 'true'
const BIN = process.env.LIVE_DEMO_BIN
// One secret for both runs of the server, so signed states survive the restart test; uploads
// go to a directory of this run.
const SERVER_ENV = {
  LIVE_STATE_SECRET: 'browser-e2e-secret-not-for-production',
  LIVE_UPLOAD_DIR: join(tmpdir(), `live-e2e-uploads-${process.pid}`),
}
/** A valid 1×1 PNG. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64')

const missing = missingPrerequisites(BIN)
if (missing.length > 0 && !CI) console.warn(`browser tests skipped: ${missing.join('; ')}`)

describe.skipIf(missing.length > 0 && !CI)('the demo page in Chromium', () => {
  let browser: Browser
  let demo: DemoServer

  beforeAll(async () => {
    if (missing.length > 0) throw new Error(`browser tests cannot run (CI=true): ${missing.join('; ')}`)
    const started = Date.now()
    ;[demo, browser] = await Promise.all([DemoServer.start(BIN!, '127.0.0.1:0', SERVER_ENV), launchChromium()])
    console.log(`demo on port ${demo.port} and Chromium ${browser.version()} up in ${Date.now() - started} ms`)
  })

  afterAll(async () => {
    await browser?.close()
    await demo?.kill('SIGTERM')
    await rm(SERVER_ENV.LIVE_UPLOAD_DIR, { recursive: true, force: true })
  })

  /** A test with fresh pages; on failure their screenshots and consoles are saved. */
  function browserTest(name: string, body: (open: (label: string) => Promise<DemoPage>) => Promise<void>): void {
    it(name, () => withSession(browser, name, () => demo.log, (session) => body((label) => session.open(label, demo.pageUrl))))
  }

  browserTest('serves the page, which connects and mounts all four components', async (open) => {
    const alice = await open('alice')
    expect(await alice.page.title()).toBe('Live demo')
    expect(await alice.text('counter-count')).toBe('0')
    expect(await alice.text('connection-id')).toMatch(/^[A-Za-z0-9_-]{8}$/)
    expect(alice.console.filter((line) => line.startsWith('[error]') || line.startsWith('[pageerror]'))).toEqual([])
  })

  browserTest('the Server panel ticks on its own, with no interaction', async (open) => {
    const alice = await open('alice')
    // ServerStats reads the server's figures every second; the test only watches.
    const uptimes = await alice.waitIncreases('server-uptime', 2)
    expect(uptimes.length).toBeGreaterThanOrEqual(3)
    // This page's connection and its four components are among them.
    expect(await alice.number('server-connections')).toBeGreaterThanOrEqual(1)
    expect(await alice.number('server-components')).toBeGreaterThanOrEqual(4)
    expect(Number.isInteger(await alice.number('server-actions'))).toBe(true)
  })

  browserTest('SharedCounter clicks in one page update the other', async (open) => {
    const [alice, bob] = [await open('alice'), await open('bob')]
    await alice.waitText('shared-viewers', 2)
    await bob.waitText('shared-viewers', 2)
    const start = await bob.number('shared-count')

    await alice.click('shared-increment')
    await bob.waitText('shared-count', start + 1)
    await bob.click('shared-add5')
    await alice.waitText('shared-count', start + 6)
    await alice.click('shared-decrement')
    await bob.waitText('shared-count', start + 5)
    await alice.waitText('shared-count', start + 5)
    // Counter is private: bob's clicks never reach alice's.
    await bob.click('counter-increment')
    await bob.waitText('counter-count', 1)
    expect(await alice.text('counter-count')).toBe('0')
  })

  browserTest('the chat shows who is here, in join order, and who left', async (open) => {
    // Server → binary $presence:* room events → the client's PresenceList → the page.
    const alice = await open('alice')
    const aliceName = `guest-${await alice.text('connection-id')}`
    const bob = await open('bob')
    const bobName = `guest-${await bob.text('connection-id')}`
    await alice.waitText('chat-presence', `${aliceName}, ${bobName}`)
    await bob.waitText('chat-presence', `${aliceName}, ${bobName}`)
    await bob.page.close()
    await alice.waitText('chat-presence', aliceName)
  })

  browserTest('a chat message sent in one page appears in both', async (open) => {
    const [alice, bob] = [await open('alice'), await open('bob')]
    await alice.waitText('chat-users', 2)
    await bob.waitText('chat-users', 2)

    const hello = `hello from alice ${Date.now()}`
    await alice.send(hello)
    const aliceName = `guest-${await alice.text('connection-id')}`
    expect(await alice.waitMessage(hello)).toBe(aliceName)
    expect(await bob.waitMessage(hello)).toBe(aliceName)
    // The input is cleared once the send succeeded.
    await alice.page.waitForFunction(() => document.querySelector<HTMLInputElement>('[data-testid="chat-input"]')?.value === '', null, { timeout: 10_000 })

    const reply = `hi alice, bob here ${Date.now()}`
    await bob.send(reply)
    await alice.waitMessage(reply)
    await bob.waitMessage(reply)
    expect((await bob.messages()).slice(-2)).toEqual([hello, reply])
  })

  browserTest('an image picked in one page appears in both', async (open) => {
    const [alice, bob] = [await open('alice'), await open('bob')]
    await alice.waitText('chat-users', 2)
    const name = `dot-${Date.now()}.png`
    await alice.page.getByTestId('chat-file').setInputFiles({ name, mimeType: 'image/png', buffer: PNG })
    const aliceName = `guest-${await alice.text('connection-id')}`
    expect(await alice.waitMessage(name)).toBe(aliceName)
    expect(await bob.waitMessage(name)).toBe(aliceName)
    for (const page of [alice, bob]) {
      const image = page.page.locator('[data-testid="chat-message"]').filter({ hasText: name }).locator('[data-testid="chat-image"]')
      expect(await image.getAttribute('src')).toMatch(/^\/uploads\/[0-9a-f]{32}\.png$/)
      // The browser fetched and decoded it from the server.
      await image.evaluate((img: HTMLImageElement) => img.decode())
      expect(await image.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(1)
    }
    expect(await alice.text('chat-error')).toBe('')
  })

  browserTest("Counter's state survives a reload (signed-state rehydration)", async (open) => {
    const alice = await open('alice')
    await alice.click('counter-add5')
    await alice.click('counter-increment')
    await alice.waitText('counter-count', 6)
    // The client stores every signed state it receives; wait for the one of count 6.
    await alice.waitSignedCount(6)
    const before = await alice.text('connection-id')

    await alice.reload()
    expect(await alice.text('connection-id')).not.toBe(before)
    await alice.waitText('counter-count', 6) // a fresh mount would show 0
    await alice.click('counter-decrement')
    await alice.waitText('counter-count', 5)
  })

  browserTest('a killed and restarted server (same port) is reconnected to', async (open) => {
    const [alice, bob] = [await open('alice'), await open('bob')]
    for (let i = 0; i < 3; i++) await alice.click('counter-increment')
    await alice.waitText('counter-count', 3)
    await alice.waitSignedCount(3)

    const port = demo.port
    await demo.kill()
    await alice.waitStatus('connecting')
    await bob.waitStatus('connecting')

    demo = await DemoServer.restart(BIN!, port, SERVER_ENV)
    await alice.ready(20_000)
    await bob.ready(20_000)
    // Same secret: the new process accepts the signed state, so Counter comes back as it was.
    await alice.waitText('counter-count', 3)
    await alice.click('counter-increment')
    await alice.waitText('counter-count', 4)

    await alice.waitText('shared-viewers', 2)
    const shared = await alice.number('shared-count')
    await bob.click('shared-increment')
    await alice.waitText('shared-count', shared + 1)
    await bob.waitText('shared-count', shared + 1)

    const back = `back again ${Date.now()}`
    await bob.send(back)
    await alice.waitMessage(back)
    await bob.waitMessage(back)
  })
})
