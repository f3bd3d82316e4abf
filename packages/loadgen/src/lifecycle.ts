import { describeError, EXIT_KAFKA, FatalError, notReadyReason } from './errors';

/** Progress and notices for stderr, one line each (no newline). */
export type Say = (line: string) => void;
export const stderrSay: Say = (line) => process.stderr.write(`${line}\n`);

/** What runProduce/runConsume print through, and the wait's poll interval (tests shorten it). */
export interface RunIo {
  readonly say?: Say;
  readonly waitRetryMs?: number;
  /** Told when a wait for the topic starts repeating and when it ends (the CLI mutes kafkajs' repeats). */
  readonly onWaiting?: (waiting: boolean) => void;
}

/**
 * Longest wait for a kafkajs disconnect after the run (admin, producers), so a broker that does
 * not answer cannot hold the summary back; part of the Jobs' terminationGracePeriodSeconds.
 */
export const DISCONNECT_TIMEOUT_MS = 5_000;

/** A stop request (SIGTERM/SIGINT) ended a phase that kafkajs itself cannot cancel. */
export class Aborted extends Error {
  constructor() {
    super('stopped');
  }
}

/**
 * Settles with `work`, or rejects with Aborted as soon as `signal` fires. kafkajs' connect and
 * metadata calls take no signal and retry for up to a minute; the process does not wait for
 * them (it exits after the summary), so the abandoned promise is only silenced here.
 */
export function abortable<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    work.catch(() => undefined);
    return Promise.reject(new Aborted());
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new Aborted());
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** Waits `ms`, ending early (resolving) when `signal` fires. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** True when `work` settled within `ms`; false when the time ran out (work keeps running). */
export async function settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([work.then(() => true, () => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export interface WaitOptions {
  /** How long "not there yet" answers are tolerated; 0 = one attempt. */
  readonly waitMs: number;
  readonly signal: AbortSignal;
  /** One progress line (no newline). */
  readonly say: (line: string) => void;
  /** Time between repeated progress lines while the reason stays the same. */
  readonly progressMs: number;
  /** Between attempts; default 2 s. */
  readonly retryMs?: number;
  readonly onWaiting?: (waiting: boolean) => void;
  readonly now?: () => number;
}

/**
 * Runs `attempt` until it succeeds, treating unreachable brokers, a missing topic and missing authorization as "not
 * yet" for `waitMs`: GitOps orders objects within one cluster only, so a Job in another region
 * can start before the management region's operators created the topic and the user's ACLs.
 * Any other error ends the wait at once. On timeout: FatalError (exit 3) naming what was missing.
 */
export async function waitUntilReady<T>(what: string, attempt: () => Promise<T>, o: WaitOptions, names: { topic?: string; group?: string } = {}): Promise<T> {
  const now = o.now ?? Date.now;
  const started = now();
  let lastReason: string | undefined;
  let lastSaid = 0;
  try {
    for (;;) {
      if (o.signal.aborted) throw new Aborted();
      try {
        return await abortable(attempt(), o.signal);
      } catch (e) {
        if (e instanceof Aborted || e instanceof FatalError) throw e;
        const reason = notReadyReason(e, names.topic, names.group);
        if (reason === undefined) throw new FatalError(describeError(e, names.topic), EXIT_KAFKA);
        const waited = now() - started;
        if (waited >= o.waitMs) {
          // With no wait (interactive default) the reason alone, as before the wait existed.
          throw new FatalError(
            o.waitMs > 0 ? `still ${reason} after ${Math.round(waited / 1000)} s (--wait-for-topic-s ${o.waitMs / 1000})` : reason,
            EXIT_KAFKA,
          );
        }
        if (reason !== lastReason || now() - lastSaid >= o.progressMs) {
          o.say(`waiting for ${what}: ${reason}; ${Math.round(waited / 1000)} s of ${o.waitMs / 1000} s (--wait-for-topic-s)`);
          lastReason = reason;
          lastSaid = now();
        }
      }
      o.onWaiting?.(true);
      await pause(Math.min(o.retryMs ?? 2000, Math.max(0, o.waitMs - (now() - started))), o.signal);
    }
  } finally {
    o.onWaiting?.(false);
  }
}
