import { pingMedianMs } from '../e2e/src/wan';

// The harness's WAN check (e2e/src/wan.ts) reads ping's own output; these cases are what
// iputils' ping prints through the delay lines (the first answer waited for ARP across the WAN).
const ping = (times: readonly number[]) =>
  [`PING 198.18.3.10 (198.18.3.10) 56(84) bytes of data.`, ...times.map((t, i) => `64 bytes from 198.18.3.10: icmp_seq=${i + 1} ttl=64 time=${t} ms`), '', '--- 198.18.3.10 ping statistics ---'].join('\n');

describe('pingMedianMs', () => {
  it('takes the median of the answers after the first', () => {
    expect(pingMedianMs(ping([141.2, 70.6, 70.9, 70.5, 71.8, 70.7]), 5, 'x')).toBe(70.7);
    expect(pingMedianMs(ping([141.2, 70.6, 70.9, 70.5, 71.8]), 4, 'x')).toBe(70.8);
  });

  it('keeps sub-millisecond round trips to the microsecond', () => {
    expect(pingMedianMs(ping([0.091, 0.031, 0.026, 0.029]), 3, 'x')).toBe(0.029);
  });

  it('refuses a run where most pings went unanswered', () => {
    expect(() => pingMedianMs(ping([70.1, 70.4]), 10, 'ping from a to b')).toThrow('ping from a to b: 1 of 10 answers');
    expect(() => pingMedianMs('connect: Network is unreachable', 10, 'ping from a to b')).toThrow('0 of 10 answers');
  });
});
