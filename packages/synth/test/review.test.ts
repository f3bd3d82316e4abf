import { pending, staleMessage } from '../src/review';

const plan = (changed: string[], added: string[] = [], deleted: string[] = []) => ({ changed, added, deleted, unchanged: ['a/x.yaml'] });

describe('staleMessage', () => {
  test('fresh: no message', () => {
    expect(staleMessage('clusters', plan([]))).toBeUndefined();
    expect(pending(plan([]))).toBe(0);
  });

  test('one file, singular', () => {
    expect(staleMessage('clusters', plan(['us-east4/kafka/StatefulSet-kafka.yaml']))).toBe(
      'clusters/ is stale: 1 file differs from a fresh synth (us-east4/kafka/StatefulSet-kafka.yaml changed). Run npm run synth and commit the result.',
    );
  });

  test('names the first five (changed, then missing, then no longer generated) and counts the rest', () => {
    const p = plan(['r/c1.yaml', 'r/c2.yaml'], ['r/a1.yaml', 'r/a2.yaml', 'r/a3.yaml'], ['r/d1.yaml', 'r/d2.yaml']);
    expect(pending(p)).toBe(7);
    expect(staleMessage('out', p)).toBe(
      'out/ is stale: 7 files differ from a fresh synth (r/c1.yaml changed, r/c2.yaml changed, r/a1.yaml missing, r/a2.yaml missing, r/a3.yaml missing, and 2 more). Run npm run synth and commit the result.',
    );
  });
});
