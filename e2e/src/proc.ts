import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';

// Every external command the harness runs has a time limit, and every long-running process it
// starts is recorded so that cleanup can end exactly those (by process group id).

export interface Result {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

export interface RunOptions {
  readonly timeoutMs: number;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Return the result instead of throwing when the command fails. */
  readonly allowFail?: boolean;
  /** Sends the process group SIGTERM when it fires (a graceful stop, as Kubernetes stops a pod). */
  readonly stop?: AbortSignal;
}

function describe(args: readonly string[]): string {
  const text = args.join(' ');
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}

/** Short synchronous command (ip, openssl): throws with its stderr when it fails. */
export function sh(args: readonly string[], opts: Partial<RunOptions> = {}): string {
  const started = Date.now();
  const r = spawnSync(args[0], args.slice(1), { encoding: 'utf8', timeout: opts.timeoutMs ?? 30_000, env: opts.env ?? process.env, cwd: opts.cwd });
  if (r.error) throw new Error(`${describe(args)}: ${r.error.message}`);
  if (r.status !== 0 && !opts.allowFail) {
    throw new Error(`${describe(args)} exited ${r.status ?? r.signal} after ${Date.now() - started} ms: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ')}`);
  }
  return r.stdout;
}

/** Asynchronous command with a hard time limit (the whole process group is killed on expiry). */
export function run(args: readonly string[], opts: RunOptions): Promise<Result> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(args[0], args.slice(1), { env: opts.env ?? process.env, cwd: opts.cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child, 'SIGKILL');
    }, opts.timeoutMs);
    opts.stop?.addEventListener('abort', () => killGroup(child, 'SIGTERM'), { once: true });
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`${describe(args)}: ${e.message}`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const result = { code, stdout, stderr, ms: Date.now() - started };
      if (timedOut) return reject(new Error(`${describe(args)} did not finish within ${opts.timeoutMs / 1000} s`));
      if (code !== 0 && !opts.allowFail) {
        return reject(new Error(`${describe(args)} exited ${code}: ${(stderr || stdout).trim().split('\n').slice(-4).join(' | ')}`));
      }
      resolve(result);
    });
  });
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

export interface Service {
  readonly name: string;
  readonly logFile: string;
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
}

const services: Service[] = [];

/** Starts a long-running process in its own process group, stdout and stderr to `logFile`. */
export function startService(name: string, args: readonly string[], env: NodeJS.ProcessEnv, logFile: string): Service {
  const fd = openSync(logFile, 'a');
  const child = spawn(args[0], args.slice(1), { env, detached: true, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const service = { name, logFile, child, exited };
  services.push(service);
  return service;
}

export function running(service: Service): boolean {
  return service.child.exitCode === null && service.child.signalCode === null;
}

/** Ends every started process group: TERM, then KILL for what is still alive after `graceMs`. */
export async function stopServices(graceMs = 10_000): Promise<void> {
  const alive = services.filter(running);
  for (const s of alive) killGroup(s.child, 'SIGTERM');
  await Promise.race([Promise.all(alive.map((s) => s.exited)), sleep(graceMs)]);
  for (const s of alive.filter(running)) killGroup(s.child, 'SIGKILL');
  await Promise.race([Promise.all(alive.map((s) => s.exited)), sleep(3_000)]);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `check` until it returns a value (not undefined) or the time is up. */
export async function waitFor<T>(what: string, timeoutMs: number, intervalMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (e) {
      last = (e as Error).message;
    }
    if (Date.now() >= deadline) throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}${last ? ` (last error: ${last})` : ''}`);
    await sleep(intervalMs);
  }
}
