import { PartitionState } from './kafka';
import { controllerAt, failoverSeconds } from './controller-log';
import { Harness } from './harness';
import { log } from './log';
import { sleep, waitFor } from './proc';
import { round } from './report';

// The cut stage: a region's uplink down at both ends while the producers run, then restored;
// how Kafka failed over (controller-log.ts) and how long the replicas took to rejoin.

/** When the cut began and when the region was back (ms since the epoch). */
export interface CutWindow {
  readonly region: string;
  readonly cutAt: number;
  readonly restoredAt: number;
}

/** The topic's partitions, as the break-glass admin sees them. */
export async function describe(h: Harness): Promise<PartitionState[]> {
  const parts = await h.tools.describe(h.fleet.topic.name);
  if (parts.length !== h.fleet.topic.partitions) throw new Error(`describe returned ${parts.length} partitions, expected ${h.fleet.topic.partitions}`);
  return parts;
}

/** After E2E_CUT_AT_S, cuts `region` off for E2E_CUT_S; reports the failover, the controller at the cut and the ISRs halfway through. */
export async function cutRegion(h: Harness, region: string): Promise<CutWindow> {
  const r = h.report.figures;
  await sleep(h.s.cutAtS * 1000);
  h.net.cut(region);
  const cutAt = Date.now();
  log(`cut: ${region} is off the network (uplink down at both ends) for ${h.s.cutS} s`);
  const duringCut = sleep((h.s.cutS * 1000) / 2).then(() => describe(h).catch(() => undefined));
  await sleep(h.s.cutS * 1000);
  h.net.restore(region);
  const restoredAt = Date.now();
  log(`restore: ${region} is back (cut lasted ${((restoredAt - cutAt) / 1000).toFixed(1)} s)`);
  r.failoverS = failoverSeconds(h.brokers, region, cutAt, restoredAt);
  const controller = controllerAt(h.brokers, cutAt);
  if (controller !== undefined) r.controllerAtCut = { broker: controller, region: h.regionOfBroker(controller) };
  if (r.failoverS !== undefined) log(`failover: the controller moved ${region}'s partition leaders ${r.failoverS} s after the cut`);
  const isrDuringCut = await duringCut;
  if (isrDuringCut) r.isrDuringCut = summarizeIsr(isrDuringCut);
  return { region, cutAt, restoredAt };
}

/** Waits (E2E_ISR_TIMEOUT_S) for every partition to have a full ISR: the time it did, or the time-out. */
export function fullIsr(h: Harness): Promise<number | Error> {
  return waitFor('every partition back to a full ISR', h.s.isrTimeoutS * 1000, 2000, async () => {
    const parts = await describe(h);
    return parts.every((p) => p.isr.length === p.replicas.length) ? Date.now() : undefined;
  }).catch((e: Error) => e);
}

/** The check and the figure of the ISR recovery after the restore. */
export function reportIsrRecovery(h: Harness, isrAt: number | Error, cut: CutWindow): void {
  const rf = h.fleet.kafka.replicationFactor;
  h.report.check(`every partition back to ${rf} in-sync replicas after the restore`, typeof isrAt === 'number', typeof isrAt === 'number' ? '' : isrAt.message);
  if (typeof isrAt === 'number') {
    h.report.figures.isrRecoveryS = round((isrAt - cut.restoredAt) / 1000);
    log(`isr: every partition has ${rf} in-sync replicas ${h.report.figures.isrRecoveryS} s after the restore`);
  }
}

function summarizeIsr(parts: readonly PartitionState[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of parts) out[`isr${p.isr.length}`] = (out[`isr${p.isr.length}`] ?? 0) + 1;
  return out;
}
