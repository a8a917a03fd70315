/**
 * The inspector (`/live/inspector` of `cargo run -p demo`) in headless Chromium: with the
 * token the demo prints it shows the server's real figures, refreshed every second, and a
 * screenshot of it is taken; without the token (or with a wrong one) the server refuses
 * its data and the page says so.
 *
 * Needs `LIVE_DEMO_BIN` and Chromium, like demo-page.test.ts.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium, missingPrerequisites } from './support/browser.js'
import { DemoServer } from './support/demo-server.js'

const CI = process.env.CI === 'true'
const BIN = process.env.LIVE_DEMO_BIN
const missing = missingPrerequisites(BIN)
if (missing.length > 0 && !CI) console.warn(`inspector browser tests skipped: ${missing.join('; ')}`)

describe.skipIf(missing.length > 0 && !CI)('the inspector in Chromium', () => {
  let browser: Browser
  let demo: DemoServer
  let inspectorUrl: string
  let dir: string

  beforeAll(async () => {
    if (missing.length > 0) throw new Error(`browser tests cannot run (CI=true): ${missing.join('; ')}`)
    ;[demo, browser] = await Promise.all([DemoServer.start(BIN!, '127.0.0.1:0'), launchChromium()])
    inspectorUrl = await demo.line('Inspector: ')
    dir = await mkdtemp(join(tmpdir(), 'live-inspector-'))
  })

  afterAll(async () => {
    await browser?.close()
    await demo?.kill('SIGTERM')
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  async function open(url: string): Promise<Page> {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage()
    await page.goto(url)
    return page
  }

  const number = async (page: Page, id: string): Promise<number> => Number(await page.textContent(`#${id}`))

  it('with the printed token, shows live figures; screenshot', async () => {
    expect(inspectorUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/live\/inspector#token=[A-Za-z0-9]{24}$/)
    // Some traffic for the tables: the demo page mounts its components and ticks.
    const demoPage = await open(demo.pageUrl)
    const page = await open(inspectorUrl)
    await page.waitForSelector('body[data-state="live"]', { timeout: 10_000 })
    // Figures come from the server, refreshed every second: two pages connected, the demo
    // page's components and the inspector's own singleton running.
    await page.waitForFunction(() => Number(document.getElementById('connections')?.textContent) >= 2, null, { timeout: 10_000 })
    expect(await number(page, 'components')).toBeGreaterThanOrEqual(4)
    const uptime = Number((await page.textContent('#uptime'))?.replace(' s', ''))
    await page.waitForFunction((before) => Number(document.getElementById('uptime')?.textContent?.replace(' s', '')) > before, uptime, { timeout: 10_000 })
    await page.waitForFunction(() => document.querySelectorAll('#chart polyline').length === 2, null, { timeout: 10_000 })
    await page.waitForFunction(() => document.querySelectorAll('#owners tr').length > 0, null, { timeout: 10_000 })
    expect(await page.textContent('#owners')).toContain('LiveInspector')

    const shot = join(dir, 'inspector.png')
    await page.screenshot({ path: shot, fullPage: true })
    const png = await readFile(shot)
    expect(png.length).toBeGreaterThan(1000)
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
    await demoPage.context().close()
    await page.context().close()
  })

  it('without the token, or with a wrong one, the server refuses the data', async () => {
    const withoutToken = inspectorUrl.split('#')[0]
    for (const url of [withoutToken, `${withoutToken}#token=wrong`]) {
      const page = await open(url)
      await page.waitForSelector('body[data-state="refused"]', { timeout: 10_000 })
      expect(await page.textContent('#status')).toMatch(/refused/)
      expect(await page.textContent('#connections')).toBe('–')
      await page.context().close()
    }
  })
})
