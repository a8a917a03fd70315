import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { basename } from 'node:path'
import { createInterface } from 'node:readline'

// `Live demo listening on …` (demo) or `Live axum example listening on …` (example-axum).
const FIRST_LINE = /^Live [a-z ]+ listening on ws:\/\/127\.0\.0\.1:(\d+)\/api\/live\/ws$/
const START_TIMEOUT_MS = 20_000
const LOG_LINES = 400

const running = new Set<ChildProcess>()
// Never leave a server behind, whatever ends this process.
process.on('exit', () => { for (const child of running) child.kill('SIGKILL') })

/**
 * One run, on 127.0.0.1, of a binary that serves the demo page: the demo (`cargo run -p demo`)
 * or example-axum (`cargo run -p example-axum`).
 */
export class DemoServer {
  private constructor(
    private readonly child: ChildProcess,
    /** The bound port. */
    readonly port: number,
    /** The last lines of its stderr (the log), for failure reports. */
    readonly log: string[],
  ) {}

  /** The page URL, `http://127.0.0.1:<port>/`. */
  get pageUrl(): string { return `${this.origin}/` }

  /** The server's origin, `http://127.0.0.1:<port>`, for HTTP requests from the test. */
  get origin(): string { return `http://127.0.0.1:${this.port}` }

  /**
   * Starts `bin` with `LIVE_ADDR=<addr>` and waits for its first stdout line,
   * `Live … listening on ws://127.0.0.1:PORT/api/live/ws`.
   */
  static async start(bin: string, addr: string, env: Record<string, string> = {}): Promise<DemoServer> {
    const child = spawn(bin, [], {
      env: { ...process.env, RUST_LOG: 'warn', ...env, LIVE_ADDR: addr },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    running.add(child)
    child.once('exit', () => running.delete(child))
    const name = basename(bin)
    const log: string[] = []
    createInterface({ input: child.stderr! }).on('line', (line) => {
      log.push(line)
      if (log.length > LOG_LINES) log.shift()
    })
    const stdout = createInterface({ input: child.stdout! })
    let timer: ReturnType<typeof setTimeout> | undefined
    try {
      const first = await new Promise<string>((resolve, reject) => {
        stdout.once('line', resolve)
        child.once('error', reject)
        // 'close' (not 'exit'): stderr has been read to the end, so the log holds the reason.
        child.once('close', (code, signal) => reject(new Error(
          `${name} exited (${signal ?? code}) before listening on ${addr}:\n${log.join('\n')}`)))
        timer = setTimeout(() => reject(new Error(`${name} printed nothing within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS)
      })
      const port = FIRST_LINE.exec(first)?.[1]
      if (!port) throw new Error(`unexpected first line from ${name}: ${JSON.stringify(first)}`)
      stdout.on('line', () => { /* keep draining stdout */ })
      return new DemoServer(child, Number(port), log)
    } catch (error) {
      child.kill('SIGKILL')
      throw error
    } finally {
      clearTimeout(timer)
    }
  }

  /** Starts `bin` on `port` again, retrying while the port is still being released. */
  static async restart(bin: string, port: number, env: Record<string, string> = {}): Promise<DemoServer> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await DemoServer.start(bin, `127.0.0.1:${port}`, env)
      } catch (error) {
        if (attempt >= 50 || !String(error).includes('could not bind')) throw error
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
    }
  }

  /** Kills the process (SIGKILL by default: no goodbye to the clients) and waits for it. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return
    const exited = once(this.child, 'exit')
    this.child.kill(signal)
    await exited
  }
}
