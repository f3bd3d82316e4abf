import { fillerPool, share } from '../src/producer';

describe('producer helpers', () => {
  it('splits totals across producers without losing the remainder', () => {
    expect([0, 1, 2].map((i) => share(10, 3, i))).toEqual([4, 3, 3]);
    expect([0, 1].map((i) => share(1, 2, i))).toEqual([1, 0]);
  });

  it('fills with letters that lz4 cannot shrink much', async () => {
    const pool = fillerPool(64 * 1024);
    expect(pool.every((b) => b >= 65 && b <= 90)).toBe(true);
    const { compressFrameSync } = await import('lz4-napi');
    expect(compressFrameSync(pool).length).toBeGreaterThan(pool.length * 0.9);
  });
});
