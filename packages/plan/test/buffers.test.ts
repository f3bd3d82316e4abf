import { DEFAULT_FLEET } from '@stretched-kafka/fleet';
import { bufferPlan, sysctlLines, tunedProfile } from '../src/buffers';
import { fleetWith } from './fleets';

describe('bufferPlan', () => {
  it('is 245,000,000 bytes for 3.5 GB/s x 70 ms and raises every kernel cap to it', () => {
    const p = bufferPlan(DEFAULT_FLEET);
    expect(p.socketBufferBytes).toBe(245_000_000);
    expect(Object.fromEntries(p.sysctls)).toEqual({
      'net.core.rmem_max': '245000000',
      'net.core.wmem_max': '245000000',
      'net.ipv4.tcp_rmem': '4096 131072 245000000',
      'net.ipv4.tcp_wmem': '4096 16384 245000000',
    });
  });

  it('follows the fleet network figures', () => {
    const p = bufferPlan(fleetWith({ network: { bandwidthBytesPerSecond: 1_000_000_000, latencyMs: 20 } }));
    expect(p.socketBufferBytes).toBe(20_000_000);
    expect(sysctlLines(p).split('\n')).toEqual([
      'net.core.rmem_max = 20000000',
      'net.core.wmem_max = 20000000',
      'net.ipv4.tcp_rmem = 4096 131072 20000000',
      'net.ipv4.tcp_wmem = 4096 16384 20000000',
    ]);
  });

  it('prints a Tuned profile with the same values, multi-field ones quoted', () => {
    const text = tunedProfile(DEFAULT_FLEET, bufferPlan(DEFAULT_FLEET));
    expect(text).toContain('kind: Tuned');
    expect(text).toContain('      net.core.wmem_max=245000000');
    expect(text).toContain('      net.ipv4.tcp_rmem="4096 131072 245000000"');
  });
});
