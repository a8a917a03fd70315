import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'

/** Debian's Chromium (`apt-get install chromium`); `LIVE_CHROMIUM` overrides. Never downloaded. */
export const CHROMIUM = process.env.LIVE_CHROMIUM ?? '/usr/bin/chromium'
export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--no-first-run',
]
/** Screenshots, page consoles and the server log of failed tests (gitignored). */
export const ARTIFACTS = join(dirname(fileURLToPath(import.meta.url)), '..', 'artifacts')

const WAIT_MS = 10_000

/** Why the browser tests cannot run here, if anything is missing; `variable` names the server binary. */
export function missingPrerequisites(bin: string | undefined, variable = 'LIVE_DEMO_BIN'): string[] {
  const missing: string[] = []
  if (!bin) missing.push(`${variable} is not set (cargo xtask test builds the binary and sets it)`)
  else if (!existsSync(bin)) missing.push(`${variable}=${bin} does not exist`)
  if (!existsSync(CHROMIUM)) missing.push(`no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set LIVE_CHROMIUM)`)
  return missing
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 30_000 })
}

/**
 * Runs `body` with a fresh session; if it throws, saves the session's screenshots and consoles
 * with `serverLog()` (see {@link Session.saveArtifacts}), reports where, and rethrows.
 */
export async function withSession(browser: Browser, test: string, serverLog: () => readonly string[],
  body: (session: Session) => Promise<void>): Promise<void> {
  const session = new Session(browser)
  try {
    await body(session)
  } catch (error) {
    const dir = await session.saveArtifacts(test, serverLog()).catch((e: unknown) => `(not saved: ${String(e)})`)
    console.error(`artifacts of "${test}": ${dir}`)
    throw error
  } finally {
    await session.close()
  }
}

/** The pages of one test, each in its own browser context (its own localStorage: another user). */
export class Session {
  private readonly contexts: BrowserContext[] = []
  private readonly pages: DemoPage[] = []

  constructor(private readonly browser: Browser) {}

  /**
   * Opens `url` in a fresh context and waits until the page is connected and everything is
   * mounted. `prepare` runs on the context first (e.g. an init script that deletes
   * `WebSocket`, or a route that blocks a path).
   */
  async open(label: string, url: string, prepare?: (context: BrowserContext) => Promise<void>): Promise<DemoPage> {
    const context = await this.browser.newContext()
    this.contexts.push(context)
    await prepare?.(context)
    const page = new DemoPage(await context.newPage(), label)
    this.pages.push(page)
    await page.goto(url)
    return page
  }

  /** Saves a screenshot and the console of every page, plus `serverLog`, under ARTIFACTS/<test>. */
  async saveArtifacts(test: string, serverLog: readonly string[]): Promise<string> {
    const dir = join(ARTIFACTS, test.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '').toLowerCase())
    await mkdir(dir, { recursive: true })
    for (const page of this.pages) {
      await page.page.screenshot({ path: join(dir, `${page.label}.png`), fullPage: true }).catch(() => {})
      await writeFile(join(dir, `${page.label}.console.log`), page.console.join('\n') + '\n')
    }
    await writeFile(join(dir, 'server.log'), serverLog.join('\n') + '\n')
    return dir
  }

  async close(): Promise<void> {
    await Promise.all(this.contexts.map((context) => context.close().catch(() => {})))
  }
}

/** The demo page: element access by `data-testid`, and waits that report what they saw. */
export class DemoPage {
  /** Console messages and uncaught errors, in order. */
  readonly console: string[] = []

  constructor(readonly page: Page, readonly label: string) {
    page.on('console', (message) => this.console.push(`[${message.type()}] ${message.text()}`))
    page.on('pageerror', (error) => this.console.push(`[pageerror] ${error.stack ?? error.message}`))
  }

  async goto(url: string): Promise<void> {
    await this.page.goto(url)
    await this.ready()
  }

  /** Reloads and waits until connected and mounted again. */
  async reload(): Promise<void> {
    await this.page.reload()
    await this.ready()
  }

  /** Connected, and Counter, SharedCounter, the chat and ServerStats all mounted. */
  async ready(timeout = WAIT_MS): Promise<void> {
    await this.waitStatus('open', timeout)
    for (const section of ['counter', 'shared', 'chat', 'server']) await this.waitAttr(section, 'status', 'mounted', timeout)
  }

  /** Waits for the connection indicator (`data-status` of `status`). */
  waitStatus(status: 'open' | 'connecting' | 'closed', timeout = WAIT_MS): Promise<void> {
    return this.waitAttr('status', 'status', status, timeout)
  }

  async click(testid: string): Promise<void> {
    await this.page.getByTestId(testid).click()
  }

  async text(testid: string): Promise<string> {
    return (await this.page.getByTestId(testid).textContent())?.trim() ?? ''
  }

  async number(testid: string): Promise<number> {
    const text = await this.text(testid)
    const value = Number(text)
    if (text === '' || !Number.isFinite(value)) throw new Error(`${this.label}: ${testid} is not a number: ${JSON.stringify(text)}`)
    return value
  }

  /** Waits until the element's text is `expected`. */
  waitText(testid: string, expected: string | number, timeout = WAIT_MS): Promise<void> {
    return this.waitFor(`${testid} = ${JSON.stringify(String(expected))}`, () => this.text(testid), (text) => text === String(expected), timeout)
  }

  /**
   * Waits until the number shown in `testid` has gone up `times` times (polling; with no
   * interaction from the test); returns the values seen, first one first.
   */
  async waitIncreases(testid: string, times: number, timeout = WAIT_MS): Promise<number[]> {
    const seen = [await this.number(testid)]
    await this.waitFor(`${testid} to go up ${times} times`, async () => {
      const value = await this.number(testid)
      if (value !== seen[seen.length - 1]) seen.push(value)
      return seen
    }, (values) => values.slice(1).filter((value, i) => value > values[i]!).length >= times, timeout)
    return seen
  }

  /** Sends a chat message through the form. */
  async send(message: string): Promise<void> {
    await this.page.getByTestId('chat-input').fill(message)
    await this.click('chat-send')
  }

  /** The chat's message texts, oldest first. */
  async messages(): Promise<string[]> {
    return this.page.locator('[data-testid="chat-message"] .text').allTextContents()
  }

  /** Waits until the chat shows `message`; returns the sender shown with it. */
  async waitMessage(message: string, timeout = WAIT_MS): Promise<string> {
    await this.waitFor(`chat shows ${JSON.stringify(message)}`, () => this.messages(), (texts) => texts.includes(message), timeout)
    const item = this.page.locator('[data-testid="chat-message"]').filter({ hasText: message }).last()
    return (await item.locator('.from').textContent()) ?? ''
  }

  /** The Counter's stored signed state has `count` (the server re-signs at most once a second). */
  waitSignedCount(count: number, timeout = WAIT_MS): Promise<void> {
    const stored = (): Promise<unknown> => this.page.evaluate(() => {
      const raw = localStorage.getItem('live_component_Counter')
      const signed = raw ? JSON.parse(raw).signedState : null
      if (!signed) return null
      return signed.compressed || signed.encrypted ? 'opaque' : JSON.parse(signed.data).count
    })
    return this.waitFor(`stored signed Counter state has count ${count}`, stored, (seen) => seen === count, timeout)
  }

  private waitAttr(testid: string, attribute: string, expected: string, timeout: number): Promise<void> {
    return this.waitFor(`${testid}[data-${attribute}=${expected}]`,
      () => this.page.getByTestId(testid).getAttribute(`data-${attribute}`),
      (value) => value === expected, timeout)
  }

  /** Polls `read` until `ok`; on timeout the error names what was expected and what was seen last. */
  private async waitFor<T>(what: string, read: () => Promise<T>, ok: (value: T) => boolean, timeout: number): Promise<void> {
    const deadline = Date.now() + timeout
    let seen: T | undefined
    for (;;) {
      seen = await read()
      if (ok(seen)) return
      if (Date.now() > deadline) throw new Error(`${this.label}: timed out after ${timeout} ms waiting for ${what}; last saw ${JSON.stringify(seen)}`)
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
  }
}
