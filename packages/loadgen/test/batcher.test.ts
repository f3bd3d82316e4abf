import { Batcher } from '../src/batcher';

describe('Batcher', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('closes a batch when it reaches batch bytes', () => {
    const b = new Batcher<number>({ batchBytes: 300, lingerMs: 50 });
    expect(b.add(0, 1, 100)).toBe(false);
    expect(b.add(0, 2, 100)).toBe(false);
    expect(b.ready).toBe(false);
    expect(b.add(0, 3, 100)).toBe(true);
    expect(b.ready).toBe(true);
    expect(b.hasOpen(0)).toBe(false);
    const taken = b.take();
    expect(taken).toEqual([{ partition: 0, items: [1, 2, 3], bytes: 300 }]);
    expect(b.bufferedBytes).toBe(300);
    expect(b.isEmpty).toBe(false);
    b.release(taken[0]);
    expect(b.bufferedBytes).toBe(0);
    expect(b.isEmpty).toBe(true);
  });

  it('makes a partial batch sendable after linger, and it keeps filling until taken', () => {
    const b = new Batcher<string>({ batchBytes: 1000, lingerMs: 50 });
    b.add(7, 'a', 10);
    jest.advanceTimersByTime(49);
    expect(b.ready).toBe(false);
    expect(b.take()).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(b.ready).toBe(true);
    b.add(7, 'b', 10);
    const [first] = b.take();
    expect(first).toEqual({ partition: 7, items: ['a', 'b'], bytes: 20 });
    expect(b.ready).toBe(false);
    b.release(first);
    // The next record opens a new batch with its own linger clock.
    b.add(7, 'c', 10);
    jest.advanceTimersByTime(30);
    expect(b.ready).toBe(false);
    jest.advanceTimersByTime(20);
    expect(b.take()).toEqual([{ partition: 7, items: ['c'], bytes: 10 }]);
  });

  it('wakes a waiting sender on size and on linger', async () => {
    const b = new Batcher<number>({ batchBytes: 20, lingerMs: 50 });
    const woke = jest.fn();
    void b.whenReady().then(woke);
    b.add(1, 1, 10);
    await Promise.resolve();
    expect(woke).not.toHaveBeenCalled();
    jest.advanceTimersByTime(50);
    await Promise.resolve();
    expect(woke).toHaveBeenCalledTimes(1);
    b.take();
    const woke2 = jest.fn();
    void b.whenReady().then(woke2);
    b.add(2, 1, 10);
    b.add(2, 2, 10);
    await Promise.resolve();
    expect(woke2).toHaveBeenCalledTimes(1);
  });

  it('hands out one batch per partition at a time, oldest first, the next only after release', () => {
    const b = new Batcher<number>({ batchBytes: 2, lingerMs: 50 });
    for (let i = 0; i < 5; i++) b.add(0, i, 1); // closes [0,1], [2,3]; 4 stays open
    b.add(1, 100, 2);
    const first = b.take();
    expect(first.map((x) => [x.partition, x.items])).toEqual([[0, [0, 1]], [1, [100]]]);
    expect(b.inFlight).toBe(2);
    // Partition 0 has a closed batch queued, but its previous batch is still out.
    expect(b.ready).toBe(false);
    expect(b.take()).toEqual([]);
    b.release(first[1]);
    expect(b.take()).toEqual([]);
    b.release(first[0]);
    expect(b.ready).toBe(true);
    const second = b.take();
    expect(second.map((x) => [x.partition, x.items])).toEqual([[0, [2, 3]]]);
    b.release(second[0]);
    expect(b.take()).toEqual([]);
    jest.advanceTimersByTime(50);
    expect(b.take().map((x) => [x.partition, x.items])).toEqual([[0, [4]]]);
    expect(() => b.release(first[1])).toThrow('partition 1 has no batch out');
  });

  it('a busy partition holds back only itself', () => {
    const b = new Batcher<string>({ batchBytes: 1, lingerMs: 50 });
    b.add(0, 'a0', 1);
    const [stuck] = b.take();
    b.add(0, 'a1', 1);
    for (let round = 0; round < 3; round++) {
      b.add(1, `b${round}`, 1);
      b.add(2, `c${round}`, 1);
      const taken = b.take();
      expect(taken.map((x) => x.items[0])).toEqual([`b${round}`, `c${round}`]);
      for (const t of taken) b.release(t);
    }
    b.release(stuck);
    expect(b.take().map((x) => x.items)).toEqual([['a1']]);
  });

  it('wakes a waiting sender when a batch is released, and is drained only when nothing is out', async () => {
    const b = new Batcher<number>({ batchBytes: 10, lingerMs: 50 });
    b.add(0, 1, 10);
    const [out] = b.take();
    b.end();
    expect(b.drained).toBe(false);
    const woke = jest.fn();
    void b.whenReady().then(woke);
    await Promise.resolve();
    expect(woke).not.toHaveBeenCalled();
    b.release(out);
    await Promise.resolve();
    expect(woke).toHaveBeenCalledTimes(1);
    expect(b.drained).toBe(true);
  });

  it('with linger 0 sends whatever accumulated while the sender was busy', () => {
    const b = new Batcher<number>({ batchBytes: 1000, lingerMs: 0 });
    b.add(0, 1, 10);
    expect(b.ready).toBe(true);
    b.add(0, 2, 10);
    expect(b.take()).toEqual([{ partition: 0, items: [1, 2], bytes: 20 }]);
  });

  it('counts a batch against the buffer until it is released, not when taken', async () => {
    const b = new Batcher<number>({ batchBytes: 10, lingerMs: 50 });
    b.add(0, 1, 10);
    b.add(1, 2, 10);
    const space = jest.fn();
    void b.whenBelow(15).then(space);
    const taken = b.take();
    expect(b.bufferedBytes).toBe(20);
    await Promise.resolve();
    expect(space).not.toHaveBeenCalled();
    b.release(taken[0]);
    await Promise.resolve();
    expect(space).toHaveBeenCalled();
    expect(b.bufferedBytes).toBe(10);
  });

  it('end() flushes open batches and wakes the sender; close() stops handing out and releases every waiter', async () => {
    const b = new Batcher<number>({ batchBytes: 100, lingerMs: 10_000 });
    b.add(3, 1, 10);
    b.end();
    const [last] = b.take();
    expect(last).toEqual({ partition: 3, items: [1], bytes: 10 });
    b.release(last);
    await expect(b.whenReady()).resolves.toBeUndefined();
    expect(b.drained).toBe(true);

    const c = new Batcher<number>({ batchBytes: 10, lingerMs: 10_000 });
    c.add(0, 1, 10);
    const [out] = c.take();
    c.add(1, 2, 10);
    c.add(2, 3, 5);
    const space = c.whenBelow(10);
    c.close();
    await expect(space).resolves.toBeUndefined();
    expect(jest.getTimerCount()).toBe(0);
    // Queued batches are abandoned; the one out still gets released by its sender.
    expect(c.ready).toBe(false);
    expect(c.take()).toEqual([]);
    expect(c.drained).toBe(false);
    c.release(out);
    expect(c.drained).toBe(true);
  });
});
