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
    /** Its stdout after the first line (the demo prints the inspector's URL there). */
    readonly stdout: string[],
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
      // The demo's metrics on any free port, so that runs never collide.
      env: { ...process.env, RUST_LOG: 'warn', LIVE_METRICS_ADDR: '127.0.0.1:0', ...env, LIVE_ADDR: addr },
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
    // Every line after the first, collected from the start (readline emits a burst at once).
    const lines: string[] = []
    let first: ((line: string) => void) | undefined
    stdout.on('line', (line) => {
      if (first) { const resolve = first; first = undefined; resolve(line) } else if (lines.length < LOG_LINES) lines.push(line)
    })
    let timer: ReturnType<typeof setTimeout> | undefined
    try {
      const firstLine = await new Promise<string>((resolve, reject) => {
        first = resolve
        child.once('error', reject)
        // 'close' (not 'exit'): stderr has been read to the end, so the log holds the reason.
        child.once('close', (code, signal) => reject(new Error(
          `${name} exited (${signal ?? code}) before listening on ${addr}:\n${log.join('\n')}`)))
        timer = setTimeout(() => reject(new Error(`${name} printed nothing within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS)
      })
      const port = FIRST_LINE.exec(firstLine)?.[1]
      if (!port) throw new Error(`unexpected first line from ${name}: ${JSON.stringify(firstLine)}`)
      return new DemoServer(child, Number(port), log, lines)
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

  /** Waits (at most 5 s) for a stdout line starting with `prefix`; returns the rest of it. */
  async line(prefix: string): Promise<string> {
    for (let waited = 0; waited < 5_000; waited += 50) {
      const found = this.stdout.find((line) => line.startsWith(prefix))
      if (found !== undefined) return found.slice(prefix.length)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    throw new Error(`no stdout line starting with ${JSON.stringify(prefix)}: ${JSON.stringify(this.stdout)}`)
  }

  /** Kills the process (SIGKILL by default: no goodbye to the clients) and waits for it. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return
    const exited = once(this.child, 'exit')
    this.child.kill(signal)
    await exited
  }
}
