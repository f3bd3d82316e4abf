import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { record, recordBlock } from '../../scripts/record.mjs';
import type { BufferRun } from './buffers';
import type { LatencyRound } from './latency';
import { Settings } from './settings';

interface LatencyFigures {
  producing: string;
  consuming: string;
  rate: number;
  seconds: number;
  leadersInConsumingRegion: number;
  partitions: number;
  rounds: Record<string, LatencyRound>;
}

// The report stage: the figures the stages measured and every PASS/FAIL check, printed and
// written to <work>/report.json.

export interface Check {
  what: string;
  ok: boolean;
  detail: string;
}

export class Report {
  /** The measured figures, in the order the stages set them (report.json's fields). */
  readonly figures: Record<string, unknown> = {};
  readonly checks: Check[] = [];

  check(what: string, ok: boolean, detail: string): void {
    this.checks.push({ what, ok, detail });
  }
}

/** A figure to one decimal. */
export function round(n: number): number {
  return Math.round(n * 10) / 10;
}

/** Prints the figures and every check and writes report.json; true when all checks passed. */
export function printReport(s: Settings, report: Report): boolean {
  const r = report.figures;
  const passed = report.checks.every((c) => c.ok);
  const fig = (v: unknown, unit = '') => (v === undefined ? 'n/a' : `${v}${unit}`);
  const lines = [
    ...wanFigures(r),
    ...(r.rotation ? rotationFigures(r.rotation as Rotation, fig) : []),
    ...(s.stages === 'all' && r.metadata !== 'migration' ? [...cutFigures(r, fig), ...alertFigures(r), ...latencyFigures(r), ...bufferFigures(r)] : []),
    ...(s.stages === 'alerts' ? alertFigures(r) : []),
    ...(r.migration ? migrationFigures(r.migration as Migration, fig) : []),
    `e2e:   wall time                  ${fig(r.wallS, ' s')} (load average ${round(loadavg()[0])}: above 2 the run shared the 2 cores and its timings are upper bounds)`,
    ...report.checks.map((c) => `e2e: ${c.ok ? 'PASS' : 'FAIL'} ${c.what}${c.detail && !c.ok ? ` (${c.detail})` : ''}`),
  ];
  console.log('');
  for (const l of lines) console.log(l);
  const out = { e2e: passed ? 'passed' : 'failed', mode: s.mode, stages: s.stages, ...r, checks: report.checks };
  writeFileSync(join(s.work, 'report.json'), `${JSON.stringify(out, null, 2)}\n`);
  console.log(`e2e: ${passed ? 'PASSED' : 'FAILED'}; report ${join(s.work, 'report.json')}, logs ${join(s.work, 'logs')}`);
  // A complete passing run is the measurement the docs quote (E2E_RECORD=0: print only).
  // One record per metadata mode and cut choice: docs/measurements/e2e-ci.md (ZooKeeper, last
  // region cut), e2e-ci-kraft-controller-cut.md (KRaft, the active controller's region cut), ...
  if (passed && s.stages === 'all' && process.env.E2E_RECORD !== '0') {
    const metadata = r.metadata === 'kraft' || r.metadata === 'migration' ? (r.metadata as string) : undefined;
    const knobs = [`E2E_MODE=${s.mode}`, ...(metadata ? [`E2E_METADATA=${metadata}`] : []), ...(s.cutRegion && metadata !== 'migration' ? [`E2E_CUT_REGION=${s.cutRegion}`] : [])];
    const cut = s.cutRegion === undefined || metadata === 'migration' ? '' : s.cutRegion === 'active-controller' ? '-controller-cut' : `-cut-${s.cutRegion}`;
    const command = `${knobs.join(' ')} npm run test:e2e`;
    console.log(`e2e: recorded in ${record(`e2e-${s.mode}${metadata ? `-${metadata}` : ''}${cut}`, command, lines)}`);
    // The migration's figures also go into README's ZooKeeper-to-KRaft section.
    if (r.migration && recordBlock('README.md', 'migration-figures', command, lines.filter((l) => /^e2e: ZooKeeper to KRaft|^e2e:   (phase|lost|longest|wall)/.test(l)))) console.log('e2e: README.md migration block updated');
  }
  return passed;
}

interface Migration {
  phases: { phase: number; seconds: number; rolled: string[]; reached: string }[];
  totalS: number;
  acknowledged: number;
  lost?: number;
  reordered?: number;
  longestStallS?: number;
  longestPartitionStallS?: number;
  retries: number;
  producingRegions: string[];
}

function migrationFigures(m: Migration, fig: (v: unknown, unit?: string) => string): string[] {
  return [
    `e2e: ZooKeeper to KRaft under load, producing from ${m.producingRegions.join(' and ')} through every phase (${fig(m.totalS, ' s')} in all)`,
    ...m.phases.map((p) => `e2e:   phase ${p.phase} ${fig(p.seconds, ' s').padStart(8)}  rolled: ${(p.rolled.join(', ') || 'none').padEnd(16)} ${p.reached}`),
    `e2e:   lost / reordered records   ${fig(m.lost)} / ${fig(m.reordered)} of ${m.acknowledged} acknowledged (producer retries ${m.retries})`,
    `e2e:   longest produce stall      ${fig(m.longestStallS, ' s')} (no record acknowledged anywhere); longest partition stall ${fig(m.longestPartitionStallS, ' s')}`,
  ];
}

function alertFigures(r: Record<string, unknown>): string[] {
  const a = r.alerts as { intervalS: number; regionDownFiringS?: number; regionDownBoundS: number; underReplicatedFiringS?: number; underReplicatedBoundS: number; timeline: string[] } | undefined;
  if (!a) return [];
  return [
    `e2e: alerts, Prometheus in the management region (scrape and evaluation every ${a.intervalS} s; t = 0 at the cut)`,
    `e2e:   KafkaRegionDown firing     +${a.regionDownFiringS ?? 'n/a'} s (the rule promises ${a.regionDownBoundS} s)`,
    `e2e:   KafkaUnderReplicatedPartitions firing +${a.underReplicatedFiringS ?? 'n/a'} s (the rule promises ${a.underReplicatedBoundS} s)`,
    ...a.timeline.map((l) => `e2e:     ${l}`),
  ];
}

function latencyFigures(r: Record<string, unknown>): string[] {
  const l = r.latency as LatencyFigures | undefined;
  if (!l) return [];
  const ms = (m: { p50: number; p99: number }) => `p50 ${m.p50} ms, p99 ${m.p99} ms`;
  const lines = [`e2e: latency, Java producer in ${l.producing} (kafka-producer-perf-test, acks=all, the fleet's batch and linger, ${l.rate} records/s for ${l.seconds} s), consumer in ${l.consuming}`];
  for (const [name, x] of Object.entries(l.rounds)) {
    lines.push(`e2e:   produce, acks=all (${name} round) ${ms(x.produceMs)}`);
    lines.push(`e2e:   end to end, ${name === 'follower' ? `follower fetching (rack ${x.rack})` : `from the leaders (${l.leadersInConsumingRegion} of ${l.partitions} in ${l.consuming})`} ${ms(x.consumeMs)}`);
  }
  return lines;
}

function bufferFigures(r: Record<string, unknown>): string[] {
  const b = r.buffers as { region: string; records: number; kernel: Record<string, string>; loadAverage: number; runs: BufferRun[] } | undefined;
  if (!b) return [];
  const name = (n: number) => (n === -1 ? '-1 (kernel autotuning)' : n === 131072 ? '131072 (client default)' : `${n} (fleet BDP)`);
  return [
    `e2e: one producer at full speed from ${b.region} (kafka-producer-perf-test, acks=all, ${b.records} x 1 KiB; kernel: ${Object.entries(b.kernel).map(([k, v]) => `${k}=${v}`).join(', ')}; load average ${b.loadAverage})`,
    ...b.runs.map((x) => `e2e:   send.buffer.bytes=${name(x.sendBufferBytes).padEnd(28)} ${x.mbPerSec} MB/s, avg ${x.avgMs} ms, p99 ${x.p99Ms} ms, CPU ${x.cpuBusyPct}% busy`),
  ];
}

function wanFigures(r: Record<string, unknown>): string[] {
  const w = r.wan as { rttMs: number; mbit: number; interRegionRttMs: Record<string, number>; intraRegionRttMs: Record<string, number> } | undefined;
  if (!w) return [];
  const show = (m: Record<string, number>) => Object.entries(m).map(([k, v]) => `${k} ${v} ms`).join(', ');
  return [
    `e2e: WAN ${w.rttMs ? `${w.rttMs} ms round trip between regions (a delay line in each region's uplink)${w.mbit ? `, ${w.mbit} Mbit/s per uplink` : ''}` : 'off (plain links)'}`,
    `e2e:   inter-region RTT (ping)    ${show(w.interRegionRttMs)}`,
    `e2e:   intra-region RTT (ping)    ${show(w.intraRegionRttMs)}`,
  ];
}

interface Rotation {
  kind: string;
  certificates: number;
  watchS: number;
  staggerS: number;
  brokerReloadS: Record<string, number | undefined>;
  zookeeperRestarts: { id: number; exitedS: number; servingS?: number }[];
  longestQuorumGapS: number;
  producerRetries: number;
  lost?: number;
  reordered?: number;
}

function rotationFigures(r: Rotation, fig: (v: unknown, unit?: string) => string): string[] {
  return [
    `e2e: ${r.kind} certificate rotation under load: ${r.certificates} certificates re-issued (watch ${r.watchS} s, ZooKeeper stagger ${r.staggerS} s)`,
    `e2e:   broker reloads after re-issue  ${Object.entries(r.brokerReloadS).map(([id, s]) => `${id}: ${fig(s, ' s')}`).join(', ')}`,
    `e2e:   ZooKeeper restarts (exit-serving) ${r.zookeeperRestarts.map((z) => `${z.id}: ${z.exitedS}-${fig(z.servingS)} s`).join(', ')}`,
    `e2e:   longest gap without a serving ZooKeeper majority ${r.longestQuorumGapS} s`,
    `e2e:   lost / reordered records   ${fig(r.lost)} / ${fig(r.reordered)} (producer retries ${r.producerRetries})`,
  ];
}

function cutFigures(r: Record<string, unknown>, fig: (v: unknown, unit?: string) => string): string[] {
  const controller = r.controllerAtCut as { broker?: number; controller?: number; region?: string } | undefined;
  const kraft = r.metadata === 'kraft';
  const cutOff = kraft ? 'cut off: the quorum elected a new leader' : 'cut off: ISR shrinks waited for a new one';
  const where = controller ? `${kraft ? `controller ${controller.controller}` : `broker ${controller.broker}`} in ${controller.region}${controller.region === r.cutRegion ? `, ${cutOff}` : ''}` : undefined;
  const moved = kraft ? 'the active controller fenced the cut brokers' : 'controller declared the cut brokers dead or took over from one';
  const controllerFailover = r.controllerFailoverS !== undefined ? fig(r.controllerFailoverS, ' s') : controller && controller.region !== r.cutRegion ? 'none needed (the active controller was not cut off)' : 'n/a';
  return [
    `e2e: region cut of ${r.cutRegion} for ${fig(r.cutS, ' s')} while producing from ${(r.producingRegions as string[]).join(' and ')} (metadata: ${kraft ? 'KRaft' : 'ZooKeeper'})`,
    `e2e:   lost records (RPO)         ${fig(r.lostRecords)}`,
    `e2e:   reordered records          ${fig(r.reorderedRecords)}`,
    `e2e:   longest produce stall (RTO) ${fig(r.rtoS, ' s')} (no record acknowledged anywhere)`,
    `e2e:   longest partition stall    ${fig(r.partitionStallS, ' s')} (one partition waiting for its batch; ${fig(r.partitionStallAboveFailoverS, ' s')} above Kafka's failover)`,
    `e2e:   Kafka failover after cut   ${fig(r.failoverS, ' s')} (${moved})`,
    `e2e:   Kafka controller at the cut ${fig(where)}`,
    `e2e:   controller failover        ${controllerFailover}${r.controllerFailoverS !== undefined ? ` (a ${kraft ? 'controller' : 'broker'} outside ${r.cutRegion} became the active controller)` : ''}`,
    `e2e:   ISR recovery after restore ${fig(r.isrRecoveryS, ' s')}`,
    ...(kraft ? [`e2e:   quorum caught up after restore ${fig(r.quorumRecoveryS, ' s')}`] : []),
  ];
}
