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
    expect(b.take()).toEqual([{ partition: 7, items: ['a', 'b'], bytes: 20 }]);
    expect(b.ready).toBe(false);
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

  it('takes one batch per partition per send, oldest first', () => {
    const b = new Batcher<number>({ batchBytes: 2, lingerMs: 50 });
    for (let i = 0; i < 5; i++) b.add(0, i, 1); // closes [0,1], [2,3]; 4 stays open
    b.add(1, 100, 2);
    expect(b.take().map((x) => [x.partition, x.items])).toEqual([[0, [0, 1]], [1, [100]]]);
    expect(b.take().map((x) => [x.partition, x.items])).toEqual([[0, [2, 3]]]);
    expect(b.take()).toEqual([]);
    jest.advanceTimersByTime(50);
    expect(b.take().map((x) => [x.partition, x.items])).toEqual([[0, [4]]]);
  });

  it('with linger 0 sends whatever accumulated while the sender was busy', () => {
    const b = new Batcher<number>({ batchBytes: 1000, lingerMs: 0 });
    b.add(0, 1, 10);
    expect(b.ready).toBe(true);
    b.add(0, 2, 10);
    expect(b.take()).toEqual([{ partition: 0, items: [1, 2], bytes: 20 }]);
  });

  it('applies back-pressure until the sender takes batches', async () => {
    const b = new Batcher<number>({ batchBytes: 10, lingerMs: 50 });
    b.add(0, 1, 10);
    b.add(1, 2, 10);
    const space = jest.fn();
    void b.whenBelow(15).then(space);
    await Promise.resolve();
    expect(space).not.toHaveBeenCalled();
    b.take();
    await Promise.resolve();
    expect(space).toHaveBeenCalled();
  });

  it('end() flushes open batches and wakes the sender; close() releases every waiter', async () => {
    const b = new Batcher<number>({ batchBytes: 100, lingerMs: 10_000 });
    b.add(3, 1, 10);
    b.end();
    expect(b.take()).toEqual([{ partition: 3, items: [1], bytes: 10 }]);
    await expect(b.whenReady()).resolves.toBeUndefined();

    const c = new Batcher<number>({ batchBytes: 100, lingerMs: 10_000 });
    c.add(0, 1, 50);
    const space = c.whenBelow(10);
    c.close();
    await expect(space).resolves.toBeUndefined();
    expect(jest.getTimerCount()).toBe(0);
  });
});
