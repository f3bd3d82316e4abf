import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Harness } from './harness';
import { log } from './log';
import { Host, Network } from './net';
import { run, running, startService, waitFor } from './proc';

// The WAN stage: a delay line (e2e/wan, a Go program) in every region's uplink holds each frame
// for a quarter of the emulated round trip (an inter-region packet crosses two uplinks each way),
// then ping measures the round trip between the regions' client namespaces and inside each region
// before anything else starts. TCP runs end to end through the delay lines: windows, socket
// buffers and a cut behave as on a long link. The run stops here when the round trip measured is
// not the one asked for (±10%) or a region's own traffic is slower than 1 ms.

/** The round trip to emulate between regions, in ms: E2E_WAN_MS, else the fleet's network.latencyMs. */
export function wanRttMs(h: Harness): number {
  return h.s.wanMs ?? h.fleet.network.latencyMs;
}

const SAMPLES = 10;

/** Starts the delay lines (with a WAN) and checks the round trips; false when a check failed. */
export async function startWan(h: Harness): Promise<boolean> {
  const rttMs = wanRttMs(h);
  const r = h.report.figures;
  if (rttMs > 0) {
    // The delay each frame gets at each of the 4 uplink crossings of a round trip.
    const appliedMs = h.s.wanTestDelayMs ?? rttMs;
    const delayUs = Math.round((appliedMs * 1000) / 4);
    for (const region of h.fleet.regions.map((x) => x.name)) {
      const logFile = join(h.s.work, 'logs', `wan-${region}.log`);
      const [a, b] = Network.DELAY_TAPS;
      const args = ['ip', 'netns', 'exec', h.net.hubNs(region), h.s.wanBin, '--a', a, '--b', b, '--delay', `${delayUs}us`, '--mbit', String(h.s.wanMbit)];
      const service = startService(`wan-${region}`, args, process.env, logFile);
      await waitFor(`the delay line of ${region} to attach`, 10_000, 100, async () => {
        if (!running(service)) throw new Error(`the delay line of ${region} exited: ${readFileSync(logFile, 'utf8').trim()}`);
        return readFileSync(logFile, 'utf8').includes('wan: ') ? true : undefined;
      });
    }
    log(`wan: delay lines in the uplinks of ${h.fleet.regions.length} regions, ${delayUs / 1000} ms per crossing${h.s.wanMbit ? `, ${h.s.wanMbit} Mbit/s each` : ''}${h.s.wanTestDelayMs !== undefined ? ` (E2E_WAN_TEST_DELAY_MS=${h.s.wanTestDelayMs}: the lines apply a ${h.s.wanTestDelayMs} ms round trip)` : ''}`);
  }
  const regions = h.fleet.regions.map((x) => x.name);
  const client = (region: string) => h.clients.get(region)!;
  const pairs = regions.flatMap((a, i) => regions.slice(i + 1).map((b) => [a, b] as const));
  const [inter, intra] = await Promise.all([
    Promise.all(pairs.map(([a, b]) => medianRtt(h, client(a), client(b).ip))),
    Promise.all(regions.map((region) => medianRtt(h, client(region), h.brokers.find((x) => x.node.region.name === region)!.host.ip))),
  ]);
  const interMs = Object.fromEntries(pairs.map(([a, b], i) => [`${a}-${b}`, inter[i]]));
  const intraMs = Object.fromEntries(regions.map((region, i) => [region, intra[i]]));
  r.wan = { rttMs, mbit: h.s.wanMbit, interRegionRttMs: interMs, intraRegionRttMs: intraMs };
  const show = (m: Record<string, number>) => Object.entries(m).map(([k, v]) => `${k} ${v} ms`).join(', ');
  log(`wan: round trip (median of ${SAMPLES} pings) between regions: ${show(interMs)}; inside regions (client to broker): ${show(intraMs)}`);
  if (rttMs > 0) {
    const off = Object.entries(interMs).filter(([, v]) => Math.abs(v - rttMs) > rttMs * 0.1);
    h.report.check(`inter-region round trip is the ${rttMs} ms asked for (±10%)`, off.length === 0, `measured ${show(interMs)}`);
  }
  const slow = Object.entries(intraMs).filter(([, v]) => !(v < 1));
  h.report.check('intra-region round trip is below 1 ms', slow.length === 0, `measured ${show(intraMs)}`);
  return h.report.checks.every((c) => c.ok);
}

/** The median of SAMPLES ping round trips from `from`'s namespace to `ip`, in ms. */
async function medianRtt(h: Harness, from: Host, ip: string): Promise<number> {
  const res = await run(h.net.exec(from, ['ping', '-n', '-c', String(SAMPLES + 1), '-i', '0.1', '-W', '5', ip]), { timeoutMs: 30_000, allowFail: true });
  return pingMedianMs(res.stdout, SAMPLES, `ping from ${from.ns} to ${ip} (exit ${res.code}): ${(res.stderr || res.stdout).trim().split('\n').slice(-2).join(' | ')}`);
}

/**
 * The median round trip of ping's output in ms, without the first answer (it waited for ARP, whose
 * request crosses the WAN too); three decimals below 1 ms, one above. Throws (with `what`) when fewer
 * than half of the `samples` expected answers came.
 */
export function pingMedianMs(stdout: string, samples: number, what: string): number {
  const times = [...stdout.matchAll(/icmp_seq=(\d+) .*time=([\d.]+) ms/g)].filter((m) => m[1] !== '1').map((m) => Number(m[2]));
  if (times.length < samples / 2) throw new Error(`${what}: ${times.length} of ${samples} answers`);
  times.sort((a, b) => a - b);
  const mid = Math.floor(times.length / 2);
  const median = times.length % 2 ? times[mid] : (times[mid - 1] + times[mid]) / 2;
  return median < 1 ? Math.round(median * 1000) / 1000 : Math.round(median * 10) / 10;
}
