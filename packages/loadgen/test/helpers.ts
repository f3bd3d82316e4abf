import type { CommonConfig } from '../src/args';

/** The flags every mode shares, as a test run wants them: plaintext, verify on, no progress lines. */
export function commonConfig(bootstrap: string): CommonConfig {
  return {
    bootstrap: [bootstrap],
    topic: 't',
    clientId: 'c',
    plaintext: true,
    verify: true,
    progressIntervalS: 0,
    maxRetries: 1,
    waitForTopicS: 0,
    shutdownTimeoutS: 20,
    requestTimeoutMs: 30_000,
    connectionTimeoutMs: 4000,
  };
}

/** Waits for a state (never for a duration), failing with what it waited for. */
export async function until(what: string, cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
