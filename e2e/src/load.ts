import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TLS, bootstrapServers, loadConsumerGroup } from '@stretched-kafka/fleet';
import { clientTimeouts } from '@stretched-kafka/kafka';
import { timeoutArgs } from '@stretched-kafka/loadjobs';
import { chooseCutRegion, cutRegion, describe, fullIsr, reportIsrRecovery } from './cut';
import { quorumRecovery } from './kraft';
import { alertChecks, watchAlerts } from './prometheus';
import { Harness } from './harness';
import { log } from './log';
import { FatalError } from './nodes';
import { Result, run } from './proc';
import { round } from './report';

// The load stage: the load program (--verify) produces from the first two regions while the last
// one is cut (cut.ts); then consumers in a producing region and in the cut region, and Kafka's
// Java consumer, check every acknowledged record.

/** The fields of the load program's JSON summary line the harness reads. */
export interface Summary {
  records: number;
  maxStallMs: number;
  maxPartitionStallMs?: number;
  errors: number;
  retries: number;
  fatal?: string;
  verify?: { expected: number; missing: number; outOfOrder: number; duplicated: number; ok?: boolean; acknowledged?: number };
}

export interface Producer {
  readonly region: string;
  /** The file the load program writes the acknowledged records' summary to (the consumers' --expect-file). */
  readonly summary: string;
  readonly logFile: string;
  readonly done: Promise<Result>;
}

/** Producers in two regions, the third (E2E_CUT_REGION, default the last) cut off while they run. */
export async function loadWithRegionCut(h: Harness): Promise<void> {
  const f = h.fleet;
  const r = h.report.figures;
  const cut = await chooseCutRegion(h);
  const producing = f.regions.map((x) => x.name).filter((x) => x !== cut).slice(0, 2);
  // The harness's own tools must not sit in the region that is cut off.
  if (cut === f.topic.managementRegion) h.tools = h.toolsAs(h.adminIdentity(), 'stack', producing[0]);
  const loadDir = join(h.s.work, 'load');
  mkdirSync(loadDir, { recursive: true });
  const before = await describe(h);
  r.leadersInCutRegion = before.filter((p) => h.regionOfBroker(p.leader) === cut).length;

  // The steady state as Prometheus sees it (metrics present, rules healthy), then its alerts every second.
  const alerts = await watchAlerts(h, h.prometheus);
  const producers = producing.map((region) => startProducer(h, region, loadDir));
  log(`load: producers running in ${producing.join(' and ')} for ${h.s.produceS} s at ${h.s.rate} records/s each; ${r.leadersInCutRegion} partition leaders sit in ${cut}`);
  const window = await cutRegion(h, cut);

  const isrFull = fullIsr(h);
  // KRaft: the voters' catch-up is watched from the restore on, alongside the ISRs.
  const quorumBack = f.metadata.mode === 'kraft' ? quorumRecovery(h, producing[0], window.restoredAt) : undefined;
  const results = await Promise.all(producers.map(async (p) => ({ ...p, res: await p.done })));
  const isrAt = await isrFull;
  reportIsrRecovery(h, isrAt, window);
  await quorumBack;
  await alertChecks(h, alerts, window, isrAt);

  const produced: Record<string, Summary | undefined> = {};
  for (const p of results) {
    produced[p.region] = lastJson(p.res.stdout) as Summary | undefined;
    h.report.check(`producer in ${p.region} exited 0 without a fatal error`, p.res.code === 0 && !produced[p.region]?.fatal, `exit ${p.res.code}${produced[p.region]?.fatal ? `, fatal: ${produced[p.region]?.fatal}` : ''}; log: ${p.logFile}`);
  }
  r.producers = produced;
  r.cutRegion = cut;
  r.producingRegions = producing;
  r.cutS = round((window.restoredAt - window.cutAt) / 1000);
  if (h.s.stages === 'alerts') return log('E2E_STAGES=alerts: stopping after the alert checks (no consumers)');
  // A deliberate breakage (E2E_FAULT) has made its point by now; reading the records back needs a quorum.
  if (h.s.fault !== 'none') return log(`fault: E2E_FAULT=${h.s.fault}: the consumers are left out`);
  const summaries = producers.map((p) => p.summary).filter((x) => existsSync(x));
  if (summaries.length !== producers.length) throw new FatalError(`producers wrote ${summaries.length} of ${producers.length} summary files; logs in ${join(h.s.work, 'logs')}`);

  const consumed = await consume(h, [producing[0], cut], loadDir, summaries);
  r.consumers = consumed;

  // The records were compressed by the load program's own LZ4 codec; Kafka's Java consumer
  // must read every one of them too (the brokers' Java stack only validated the batches).
  const acknowledged = Object.values(produced).reduce((n, p) => n + (p?.verify?.acknowledged ?? 0), 0);
  const javaRead = await h.tools.javaConsume(f.topic.name, acknowledged, `e2e-java-${Date.now()}`).catch((e: Error) => e);
  h.report.check(`Kafka's Java consumer read all ${acknowledged} acknowledged records`, typeof javaRead === 'number' && javaRead >= acknowledged, typeof javaRead === 'number' ? `read ${javaRead}` : javaRead.message);
  if (typeof javaRead === 'number') log(`java consumer: kafka-consumer-perf-test read ${javaRead} records`);
  const verifies = Object.values(consumed).map((c) => c?.verify).filter((v): v is NonNullable<Summary['verify']> => !!v);
  r.lostRecords = verifies.length ? Math.max(...verifies.map((v) => v.missing)) : undefined;
  r.reorderedRecords = verifies.length ? Math.max(...verifies.map((v) => v.outOfOrder)) : undefined;
  const stalls = Object.values(produced).map((p) => p?.maxStallMs).filter((n): n is number => typeof n === 'number');
  r.rtoS = stalls.length ? round(Math.max(...stalls) / 1000) : undefined;
  // Partitions led by the cut broker wait for kafkajs to give up on it (request timeout) and
  // find the new leader: shown apart, it is the client's share of the outage.
  const partitionStalls = Object.values(produced).map((p) => p?.maxPartitionStallMs).filter((n): n is number => typeof n === 'number');
  r.partitionStallS = partitionStalls.length ? round(Math.max(...partitionStalls) / 1000) : undefined;
  checkPartitionStall(h, r.partitionStallS as number | undefined, r.failoverS as number | undefined);
}

/**
 * A partition led by a cut broker waits for Kafka to move its leader, then at most for the
 * client's own share: the request timeout (when it outlasts the failover), one connection attempt
 * to the lost broker begun just before the move, and one more acknowledgement wait: the batch
 * retried on a surviving leader can wait again while that leader's ISR still holds the cut
 * follower (in ZooKeeper mode with the controller cut, no ISR shrinks until a new controller is
 * elected), which the broker ends at the ack timeout. The bound is max(failover, request timeout)
 * + connection timeout + ack timeout, below the cut's length, so a client that waits on the
 * silent socket until the cut ends (unpatched kafkajs: 48-58 s) fails it. How far the stall lies
 * above Kafka's own failover is printed apart (the load program's target is a few seconds; the
 * WAN and a loaded machine add the per-partition requests queued behind each other).
 */
function checkPartitionStall(h: Harness, stallS: number | undefined, failoverS: number | undefined): void {
  const t = clientTimeouts(h.fleet);
  if (stallS === undefined || failoverS === undefined) {
    h.report.check('longest partition stall measured next to Kafka\'s failover', false, `partition stall ${stallS ?? 'n/a'} s, failover ${failoverS ?? 'n/a'} s`);
    return;
  }
  h.report.figures.partitionStallAboveFailoverS = round(stallS - failoverS);
  const parts = { request: t.requestTimeoutMs / 1000, connection: t.connectionTimeoutMs / 1000, ack: t.ackTimeoutMs / 1000 };
  const bound = round(Math.max(failoverS, parts.request) + parts.connection + parts.ack);
  const cutS = h.s.cutS;
  h.report.check(
    `longest partition stall ${stallS} s is within the client's share of Kafka's failover (${failoverS} s): at most ${bound} s, below the ${cutS} s cut`,
    stallS <= bound && bound < cutS,
    `stall ${stallS} s, bound ${bound} s = max(failover ${failoverS} s, request timeout ${parts.request} s) + connection timeout ${parts.connection} s + ack timeout ${parts.ack} s${bound < cutS ? '' : `; the bound is not below the cut (${cutS} s): the check cannot tell a client that waited for the cut to end`}`,
  );
}

/** A load phase other than the cut's (the rotation): its name prefixes client ids, files and checks. */
export interface Phase {
  readonly name: string;
  readonly durationS: number;
  /** Stops the producers gracefully (SIGTERM) before durationS. */
  readonly stop?: AbortSignal;
}

/** The load program producing from `region`'s client namespace for E2E_PRODUCE_S (or the phase's time) at E2E_RATE. */
export function startProducer(h: Harness, region: string, loadDir: string, phase?: Phase): Producer {
  const f = h.fleet;
  const r = f.regions.find((x) => x.name === region)!;
  const prefix = phase ? `${phase.name}-` : '';
  const summary = join(loadDir, `${prefix}produce-${region}.json`);
  const args = loadArgs(h, 'produce', region, [
    '--client-id', `e2e-${prefix}${region}`,
    '--duration-s', String(phase?.durationS ?? h.s.produceS),
    '--rate', String(h.s.rate),
    '--producers', String(Math.max(1, Math.min(r.producers, h.s.mode === 'ci' ? 2 : r.producers))),
    '--record-bytes', String(f.load.recordBytes),
    '--batch-bytes', String(f.load.batchBytes),
    '--linger-ms', String(f.load.lingerMs),
    '--progress-interval-s', '5',
    '--summary-file', summary,
  ]);
  const logFile = join(h.s.work, 'logs', `${prefix}produce-${region}.log`);
  const timeoutMs = ((phase?.durationS ?? h.s.produceS) + 240) * 1000;
  return { region, summary, logFile, done: run(args, { timeoutMs, allowFail: true, stop: phase?.stop }).then((res) => (writeFileSync(logFile, `${res.stderr}\n${res.stdout}`), res)) };
}

/**
 * Consumers, one after the other, in each of `regions` (rack = region: the cut region's consumer
 * fetches from the replicas that were cut off and had to catch up), each checking every record
 * the producers' summaries list as acknowledged.
 */
export async function consume(h: Harness, regions: readonly string[], loadDir: string, summaries: readonly string[], phase?: string): Promise<Record<string, Summary | undefined>> {
  const f = h.fleet;
  const group = loadConsumerGroup(f);
  const consumed: Record<string, Summary | undefined> = {};
  for (const [i, region] of regions.entries()) {
    if (i > 0) await h.tools.resetGroup(group, f.topic.name);
    const prefix = phase ? `${phase}-` : '';
    const summary = join(loadDir, `${prefix}consume-${region}.json`);
    const res = await run(
      loadArgs(h, 'consume', region, ['--client-id', `e2e-${prefix}consumer-${region}`, '--group', group, '--rack', region, '--idle-timeout-s', '20', '--progress-interval-s', '10', '--summary-file', summary, '--expect-file', ...summaries]),
      { timeoutMs: 300_000, allowFail: true },
    );
    const logFile = join(h.s.work, 'logs', `${prefix}consume-${region}.log`);
    writeFileSync(logFile, `${res.stderr}\n${res.stdout}`);
    const c = (consumed[region] = lastJson(res.stdout) as Summary | undefined);
    const v = c?.verify;
    h.report.check(`${phase ? `${phase}: ` : ''}consumer in ${region} (rack ${region}) read every acknowledged record in order`, res.code === 0 && !!v && v.ok === true && v.expected > 0, v ? `expected ${v.expected}, missing ${v.missing}, out of order ${v.outOfOrder}, duplicated ${v.duplicated}; exit ${res.code}` : `exit ${res.code}, no summary; log: ${logFile}`);
    log(`consume: ${region}: ${v ? `${v.expected} acknowledged, ${v.missing} missing, ${v.outOfOrder} out of order, ${v.duplicated} duplicated` : 'no verification summary'}`);
  }
  return consumed;
}

/** The load program in `region`'s client namespace, with the producer's or the consumer's certificate. */
export function loadArgs(h: Harness, mode: 'produce' | 'consume', region: string, extra: string[]): string[] {
  const f = h.fleet;
  const r = f.regions.find((x) => x.name === region)!;
  const secret = mode === 'produce' ? TLS.producer.secret : TLS.consumer.secret;
  return h.net.exec(h.clients.get(region)!, [
    process.execPath, h.s.loadgen, mode,
    '--bootstrap', bootstrapServers(f, r),
    '--topic', f.topic.name,
    '--tls-dir', h.pki.secretDir(region, secret),
    '--verify',
    // Right after the cut the group coordinator may still be moving or loading: wait for it, as
    // the load Jobs do, instead of ending the run on the first answer.
    '--wait-for-topic-s', '120',
    // The timeouts the Jobs get from this fleet's broker tuning.
    ...timeoutArgs(f, mode === 'produce' ? 'producer' : 'consumer'),
    ...extra,
  ]);
}

/** The last line of `stdout` that parses as JSON (the load program's summary). */
export function lastJson(stdout: string): unknown {
  const lines = stdout.trim().split('\n').reverse();
  for (const l of lines) {
    try {
      return JSON.parse(l);
    } catch {
      // Not the summary line.
    }
  }
  return undefined;
}
