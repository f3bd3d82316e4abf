import { PartitionState } from './kafka';
import { controllerAt, controllerFailoverSeconds, failoverSeconds } from './controller-log';
import { Harness } from './harness';
import { activeControllerRegion, killControllersOutside, kraftControllerAt, kraftControllerFailoverSeconds, kraftFailoverSeconds, regionOfController } from './kraft';
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

/**
 * The region to cut (E2E_CUT_REGION): a region's name, `active-controller` for the region of the
 * active controller (KRaft: the quorum leader; ZooKeeper mode: the broker elected controller)
 * just before the load starts, or by default the last region.
 */
export async function chooseCutRegion(h: Harness): Promise<string> {
  const wanted = h.s.cutRegion;
  const names = h.fleet.regions.map((r) => r.name);
  if (wanted === undefined) return names[names.length - 1];
  if (wanted !== 'active-controller') {
    if (!names.includes(wanted)) throw new Error(`E2E_CUT_REGION=${wanted}: must be active-controller or a region of the fleet (${names.join(', ')})`);
    return wanted;
  }
  const region = h.fleet.metadata.mode === 'kraft' ? await activeControllerRegion(h) : h.regionOfBroker(controllerAt(h.brokers, Date.now()) ?? -1);
  if (!region) throw new Error('E2E_CUT_REGION=active-controller: no broker logged its election as the controller');
  log(`cut: the active controller is in ${region} (E2E_CUT_REGION=active-controller)`);
  return region;
}

/** After E2E_CUT_AT_S, cuts `region` off for E2E_CUT_S; reports the failover, the controller at the cut and the ISRs halfway through. */
export async function cutRegion(h: Harness, region: string): Promise<CutWindow> {
  const r = h.report.figures;
  await sleep(h.s.cutAtS * 1000);
  h.net.cut(region);
  const cutAt = Date.now();
  log(`cut: ${region} is off the network (uplink down at both ends) for ${h.s.cutS} s`);
  if (h.s.fault === 'controller-majority') killControllersOutside(h, region);
  const duringCut = sleep((h.s.cutS * 1000) / 2).then(() => describe(h).catch(() => undefined));
  await sleep(h.s.cutS * 1000);
  h.net.restore(region);
  const restoredAt = Date.now();
  log(`restore: ${region} is back (cut lasted ${((restoredAt - cutAt) / 1000).toFixed(1)} s)`);
  const kraft = h.fleet.metadata.mode === 'kraft';
  r.failoverS = kraft ? kraftFailoverSeconds(h.controllers, h.brokers, region, cutAt, restoredAt) : failoverSeconds(h.brokers, region, cutAt, restoredAt);
  r.controllerFailoverS = kraft ? kraftControllerFailoverSeconds(h.controllers, region, cutAt, restoredAt) : controllerFailoverSeconds(h.brokers, region, cutAt, restoredAt);
  const controller = kraft ? kraftControllerAt(h.controllers, cutAt) : controllerAt(h.brokers, cutAt);
  const controllerRegion = controller === undefined ? undefined : kraft ? regionOfController(h, controller) : h.regionOfBroker(controller);
  if (controller !== undefined) r.controllerAtCut = { [kraft ? 'controller' : 'broker']: controller, region: controllerRegion };
  if (r.failoverS !== undefined) log(`failover: the controller moved ${region}'s partition leaders ${r.failoverS} s after the cut`);
  if (r.controllerFailoverS !== undefined) log(`failover: a controller outside ${region} became active ${r.controllerFailoverS} s after the cut`);
  if (kraft && controllerRegion === region) {
    h.report.check(`the quorum elected a leader outside ${region} during the cut`, r.controllerFailoverS !== undefined, 'no controller outside the cut region logged becoming active before the restore');
  }
  if (h.s.cutRegion === 'active-controller') {
    h.report.check(`the active controller was inside the cut region ${region} when the cut began (E2E_CUT_REGION=active-controller)`, controllerRegion === region, `controller ${controller ?? 'unknown'} in ${controllerRegion ?? 'unknown'}`);
  }
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
