// Processes of the harness: bounded one-shot commands and long-running services, each service in
// its own process group (killed as a group) and tied to this process with PR_SET_PDEATHSIG, so
// nothing outlives the test even when node itself is killed.
import { ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Result {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout and stderr interleaved in the order the command wrote them (only with `combined`). */
  readonly combined: string;
  readonly ms: number;
}

export interface RunOptions {
  readonly input?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** killed (SIGKILL) after this long; the result then has code 124 */
  readonly timeoutMs?: number;
  /** also capture both streams into one, in write order (a temp file shared by both fds) */
  readonly combined?: boolean;
}

let tmpCounter = 0;
let tmpDir = '/tmp';
export function setTmpDir(dir: string): void {
  tmpDir = dir;
}

/** Runs a command to completion; never throws for a non-zero exit (the caller decides). */
export function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<Result> {
  const started = Date.now();
  return new Promise((resolve) => {
    let combinedFile: string | undefined;
    let fd: number | undefined;
    if (opts.combined) {
      combinedFile = join(tmpDir, `.out-${process.pid}-${tmpCounter++}`);
      fd = openSync(combinedFile, 'w');
    }
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', fd ?? 'pipe', fd ?? 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs ?? 120_000);
    if (opts.input !== undefined) {
      child.stdin?.on('error', () => undefined);
      child.stdin?.end(opts.input);
    }
    const finish = (code: number, extra = ''): void => {
      clearTimeout(timer);
      let combined = '';
      if (combinedFile !== undefined && fd !== undefined) {
        closeSync(fd);
        combined = readFileSync(combinedFile, 'utf8');
        rmSync(combinedFile, { force: true });
      }
      resolve({ code: timedOut ? 124 : code, stdout, stderr: stderr + extra, combined: combined + extra, ms: Date.now() - started });
    };
    child.on('error', (e) => finish(127, `${cmd}: ${e.message}\n`));
    child.on('close', (code, signal) => finish(code ?? (signal ? 128 : 1), timedOut ? `${cmd}: timed out after ${opts.timeoutMs ?? 120_000} ms\n` : ''));
  });
}

/** Like run, but a non-zero exit is an error naming the command and its stderr. */
export async function must(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<Result> {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) throw new Error(`${[cmd, ...args].join(' ')} exited ${r.code}: ${(r.stderr || r.stdout).trim().slice(0, 2000)}`);
  return r;
}

export interface Service {
  readonly name: string;
  readonly child: ChildProcess;
  readonly log: string;
  exited: boolean;
}

const services: Service[] = [];
let pidFile: string | undefined;

/** Where the pids of running services are written, for run.sh's trap as a second line of defence. */
export function setPidFile(file: string): void {
  pidFile = file;
}

function writePids(): void {
  if (pidFile) writeFileSync(pidFile, services.filter((s) => !s.exited).map((s) => `${s.child.pid}\n`).join(''));
}

/** Starts a long-running process in its own process group, logging to `log`; it dies with us (pdeathsig). */
export function startService(name: string, cmd: string, args: readonly string[], log: string, cwd?: string): Service {
  const fd = openSync(log, 'a');
  const child = spawn('setpriv', ['--pdeathsig', 'KILL', '--', cmd, ...args], { cwd, detached: true, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const svc: Service = { name, child, log, exited: false };
  child.on('exit', () => {
    svc.exited = true;
  });
  child.on('error', () => {
    svc.exited = true;
  });
  services.push(svc);
  writePids();
  return svc;
}

function signalGroup(s: Service, sig: NodeJS.Signals): void {
  if (s.exited || s.child.pid === undefined) return;
  try {
    process.kill(-s.child.pid, sig);
  } catch {
    // already gone
  }
}

/** Stops the given services (default: all), TERM first, KILL after `graceMs`. */
export async function stopServices(which: readonly Service[] = services, graceMs = 3000): Promise<void> {
  const list = [...which].reverse();
  for (const s of list) signalGroup(s, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (list.some((s) => !s.exited) && Date.now() < deadline) await sleep(100);
  for (const s of list) signalGroup(s, 'SIGKILL');
  while (list.some((s) => !s.exited) && Date.now() < deadline + 2000) await sleep(50);
  writePids();
}

/** Synchronous last resort (process 'exit' handler): SIGKILL every group still running. */
export function killAllNow(): void {
  for (const s of services) signalGroup(s, 'SIGKILL');
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `probe` every `everyMs` until it returns true; false when `timeoutMs` passes or `alive` says the service died. */
export async function waitUntil(probe: () => Promise<boolean>, timeoutMs: number, everyMs = 250, alive?: () => boolean): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) return true;
    if (alive && !alive()) return false;
    if (Date.now() >= deadline) return false;
    await sleep(everyMs);
  }
}

/** Runs async jobs with at most `limit` at a time, keeping the order of results. */
export async function pool<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (;;) {
      const i = next++;
      if (i >= items.length) return;
      results[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Last `lines` lines of a log file, for error messages. */
export function tail(file: string, lines = 20): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}
