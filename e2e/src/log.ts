/** When the harness started: the origin of every log line's time and of the wall time. */
export const started = Date.now();

/** One progress line, stamped with the seconds since the start. */
export function log(message: string): void {
  console.log(`[e2e ${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s] ${message}`);
}
