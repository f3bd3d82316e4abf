import { loadExpectFiles, shouldStopConsuming } from '../src/consumer';
import { FatalError } from '../src/errors';

describe('shouldStopConsuming', () => {
  const start = 10_000;
  it('stops at the duration', () => {
    expect(shouldStopConsuming({ durationS: 5, idleTimeoutS: 0 }, start, start + 100, start + 4_999)).toBe(false);
    expect(shouldStopConsuming({ durationS: 5, idleTimeoutS: 0 }, start, start + 100, start + 5_000)).toBe(true);
  });

  it('stops after idling since the last record, or since the start when nothing came', () => {
    const cfg = { durationS: undefined, idleTimeoutS: 30 };
    expect(shouldStopConsuming(cfg, start, undefined, start + 29_999)).toBe(false);
    expect(shouldStopConsuming(cfg, start, undefined, start + 30_000)).toBe(true);
    expect(shouldStopConsuming(cfg, start, start + 20_000, start + 49_999)).toBe(false);
    expect(shouldStopConsuming(cfg, start, start + 20_000, start + 50_000)).toBe(true);
  });

  it('never stops on idle with --idle-timeout-s 0', () => {
    expect(shouldStopConsuming({ durationS: undefined, idleTimeoutS: 0 }, start, undefined, start + 1e9)).toBe(false);
  });
});

describe('loadExpectFiles', () => {
  const files: Record<string, string> = {
    'a.json': JSON.stringify({ mode: 'produce', acked: { 'a-0': { '0': [[0, 9]] } } }),
    'b.json': JSON.stringify({ mode: 'produce', acked: { 'b-0': { '0': [[0, 4]], '5': [[0, 1]] } } }),
    'c.json': JSON.stringify({ mode: 'consume' }),
    'd.json': '{not json',
  };
  const read = (p: string) => files[p];

  it('merges several producer summaries', () => {
    const sets = loadExpectFiles(['a.json', 'b.json'], read);
    expect(sets.total).toBe(17);
    expect(sets.streams).toBe(3);
  });

  it('rejects other files as usage errors (exit 2)', () => {
    for (const [file, message] of [['c.json', /not a produce summary/], ['d.json', /--expect-file d.json: /]] as const) {
      let caught: unknown;
      try {
        loadExpectFiles([file], read);
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(FatalError);
      expect((caught as FatalError).exitCode).toBe(2);
      expect((caught as FatalError).message).toMatch(message);
    }
  });
});
