import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadFleet } from '@stretched-kafka/fleet';
import { Harness } from './harness';
import { bufferProbe } from './buffers';
import { latencyProbe } from './latency';
import { startControllers } from './kraft';
import { loadWithRegionCut } from './load';
import { migrationUnderLoad } from './migration';
import { log, started } from './log';
import { removeNetwork } from './net';
import { rotationUnderLoad } from './rotation';
import { prepareKafkaHome, startBrokers, startZookeeper } from './nodes';
import { stopServices } from './proc';
import { startPrometheus } from './prometheus';
import { printReport, round } from './report';
import { PREFIX } from './settings';
import { topicAndAcls } from './topics';
import { createNetwork, plan } from './topology';
import { trustChecks } from './trust';
import { startWan } from './wan';

// Real-Kafka harness: runs the GENERATED ZooKeeper and broker configuration (start.sh and the
// config templates from the synthesized ConfigMaps, certificates as the Certificate resources
// describe them) on Apache Kafka from Maven Central, one network namespace per pod, grouped by
// region; drives the load program from two regions, cuts a third region off mid-stream and
// checks that nothing acknowledged was lost or reordered.
//
// Stages, one module each: settings.ts, topology.ts (network), certificates.ts (PKI), nodes.ts
// (ZooKeeper and brokers), kraft.ts (KRaft controllers), topics.ts (topic and ACLs), trust.ts
// (trust-kraft.ts), load.ts with cut.ts and controller-log.ts (load and region cut), rotation.ts
// (certificates re-issued under load), latency.ts and buffers.ts (the WAN's figures),
// migration.ts (ZooKeeper to KRaft under load, E2E_METADATA=migration), report.ts.
// This file only runs them in order.
//
//   node dist/e2e.js run --clusters <tree> --work <dir> --kafka-lib <lib> [--fleet f] [--kafka-home d] [--loadgen cli.js]
//   node dist/e2e.js kafka-version [--fleet f]
//   node dist/e2e.js cleanup

async function main(): Promise<number> {
  const command = process.argv[2];
  if (command === 'cleanup') {
    removeNetwork(PREFIX);
    return 0;
  }
  if (command === 'kafka-version') {
    const { values } = parseArgs({ args: process.argv.slice(3), options: { fleet: { type: 'string' } } });
    console.log(loadFleet(values.fleet).kafka.version);
    return 0;
  }
  process.argv.splice(2, command === 'run' ? 1 : 0);
  const h = new Harness();
  let stopping = false;
  const onSignal = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping`);
    void stopServices(15_000).then(() => {
      removeNetwork(PREFIX);
      process.exit(130);
    });
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  try {
    removeNetwork(PREFIX);
    plan(h);
    createNetwork(h);
    // A round trip that is not the one asked for ends the run here (E2E_STAGES=network: always).
    if ((await startWan(h)) && h.s.stages !== 'network') {
      h.pki.issue(h.tree, h.fleet);
      prepareKafkaHome(h);
      // A ZooKeeper-to-KRaft migration starts from ZooKeeper mode and runs its phases (migration.ts).
      if (h.fleet.metadata.mode === 'migration') {
        await migrationUnderLoad(h);
        h.report.figures.wallS = round((Date.now() - started) / 1000);
        return printReport(h.s, h.report) ? 0 : 1;
      }
      // The metadata quorum: ZooKeeper, or the KRaft controllers (kraft.ts).
      if (h.fleet.metadata.mode === 'kraft') await startControllers(h);
      else await startZookeeper(h);
      await startBrokers(h);
      // Prometheus from here on: it has scraped every pod for minutes when the load begins.
      if (h.s.stages === 'all' || h.s.stages === 'alerts') h.prometheus = await startPrometheus(h);
      await topicAndAcls(h);
      await trustChecks(h.trustContext());
      // E2E_STAGES=trust stops after the trust checks (the negative proof in e2e/trust-negative.sh),
      // E2E_STAGES=rotation after the certificate rotation (e2e/rotation-negative.sh), E2E_STAGES=alerts
      // after the region cut's alert checks (e2e/alerts-negative.sh).
      if (h.s.stages !== 'trust' && h.s.rotate !== 'none') await rotationUnderLoad(h);
      if (h.s.stages === 'alerts') await loadWithRegionCut(h);
      if (h.s.stages === 'all') {
        await loadWithRegionCut(h);
        await latencyProbe(h);
        if (h.s.bufferRecords > 0) await bufferProbe(h);
      }
    }
    h.report.figures.wallS = round((Date.now() - started) / 1000);
    return printReport(h.s, h.report) ? 0 : 1;
  } catch (e) {
    console.error(`e2e: FAILED: ${(e as Error).message}`);
    console.error(`e2e: logs in ${join(h.s.work, 'logs')}`);
    return 1;
  } finally {
    if (!stopping) {
      await stopServices(15_000);
      removeNetwork(PREFIX);
      log('cleanup: processes stopped, namespaces and links removed');
    }
  }
}

void main().then((code) => {
  process.exitCode = code;
});
