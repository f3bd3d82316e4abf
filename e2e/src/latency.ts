import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConsumerGroup } from '@stretched-kafka/fleet';
import { describe } from './cut';
import { Harness } from './harness';
import { loadArgs } from './load';
import { log } from './log';
import { running, startService, waitFor } from './proc';
import { wanRttMs } from './wan';

// The latency stage, after the cut (every replica back in sync): Kafka's own Java producer
// (kafka-producer-perf-test, acks=all, idempotent, up to 5 requests in flight, the fleet's batch and
// linger) writes E2E_RATE records/s for E2E_LATENCY_S from the management region, while the load
// program consumes in the last region, first with rack = its region (follower fetching: the
// in-region replica) and then, in a second round, with no rack (every partition from its leader,
// wherever it is). Produce latency is perf-test's send-to-acknowledgement; end-to-end latency is the
// consumer's arrival time minus the record's CreateTime (the producer's clock: one machine).
// The load program's own producer is not used here: it sends one partition's batch per broker
// round trip (a kafkajs workaround, see packages/loadgen/src/producer.ts), so at 70 ms its latency
// is its own queue, not Kafka's.

interface LatencySummary {
  records: number;
  latencyMs: { p50: number; p99: number; max: number };
}

export interface LatencyRound {
  readonly rack: string | null;
  readonly records: number;
  readonly produced: number;
  readonly produceMs: { p50: number; p99: number; avg: number };
  readonly consumeMs: LatencySummary['latencyMs'];
}

export async function latencyProbe(h: Harness): Promise<void> {
  const f = h.fleet;
  const producing = f.topic.managementRegion;
  const consuming = f.regions[f.regions.length - 1].name;
  const group = loadConsumerGroup(f);
  const leaders = (await describe(h)).filter((p) => h.regionOfBroker(p.leader) === consuming).length;
  const rounds: Record<string, LatencyRound> = {};
  for (const rack of [consuming, null]) {
    const name = rack ? 'follower' : 'leader';
    // The group's committed offsets go to the end, so the consumer reads only this round's records.
    await h.tools.resetGroup(group, f.topic.name, 'latest');
    const consumerSummary = join(h.s.work, 'load', `latency-consume-${name}.json`);
    const consumerLog = join(h.s.work, 'logs', `latency-consume-${name}.log`);
    const consumer = startService(
      `latency-consumer-${name}`,
      // No --verify: perf-test's records carry no producer id and sequence.
      loadArgs(h, 'consume', consuming, ['--client-id', `e2e-latency-${name}`, '--group', group, ...(rack ? ['--rack', rack] : []), '--records', String(Math.round(h.s.rate * h.s.latencyS)), '--idle-timeout-s', '45', '--progress-interval-s', '0', '--summary-file', consumerSummary]).filter((a) => a !== '--verify'),
      process.env,
      consumerLog,
    );
    await waitFor(`the ${name} latency consumer to join its group`, 120_000, 250, async () => {
      if (!running(consumer)) throw new Error(`the consumer exited; log: ${consumerLog}`);
      return readFileSync(consumerLog, 'utf8').includes('joined group') ? true : undefined;
    });
    const records = Math.round(h.s.rate * h.s.latencyS);
    const produced = await h.tools
      .producerPerf(f.topic.name, records, f.load.recordBytes, { acks: 'all', 'batch.size': f.load.batchBytes, 'linger.ms': f.load.lingerMs, 'compression.type': 'lz4' }, h.s.rate)
      .catch((e: Error) => e);
    const consumerCode = await Promise.race([consumer.exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 60_000))]);
    const consumed = existsSync(consumerSummary) ? (JSON.parse(readFileSync(consumerSummary, 'utf8')) as LatencySummary) : undefined;
    const ok = !(produced instanceof Error) && consumerCode === 0 && !!consumed && consumed.records >= records;
    h.report.check(
      `latency round "${name}": the consumer in ${consuming} (${rack ? `rack ${rack}` : 'no rack'}) read all ${records} records produced in ${producing}`,
      ok,
      `producer: ${produced instanceof Error ? produced.message : 'ok'}; consumer exit ${consumerCode}, ${consumed?.records ?? 'no summary'} records; log ${consumerLog}`,
    );
    if (!(produced instanceof Error) && consumed) {
      rounds[name] = { rack, records: consumed.records, produced: records, produceMs: { p50: produced.p50Ms, p99: produced.p99Ms, avg: produced.avgMs }, consumeMs: consumed.latencyMs };
      log(`latency: ${name}: produce p50 ${produced.p50Ms} ms p99 ${produced.p99Ms} ms; end to end p50 ${consumed.latencyMs.p50} ms p99 ${consumed.latencyMs.p99} ms`);
    }
  }
  h.report.figures.latency = { producing, consuming, rate: h.s.rate, seconds: h.s.latencyS, leadersInConsumingRegion: leaders, partitions: f.topic.partitions, rounds };
  // acks=all waits for a replica in another region: no acknowledgement can come sooner than one round trip.
  const rtt = wanRttMs(h);
  const p50s = Object.values(rounds).map((x) => x.produceMs.p50);
  if (rtt > 0 && p50s.length) h.report.check(`acks=all produce latency p50 is at least the ${rtt} ms round trip (-10%)`, p50s.every((p) => p >= rtt * 0.9), `p50 ${p50s.join(' and ')} ms`);
}
