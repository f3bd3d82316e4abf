// Helper of e2e/bench-kafka.sh (bundled to dist/bench-kafka.js): the parts that are easier in
// Node than in bash. Commands:
//   kafka-version [--fleet F]            the fleet's kafka.version (what the pom is asked for)
//   free-ports --count N                 N free TCP ports on 127.0.0.1
//   create-topics --bootstrap B --topics a,b --partitions P --timeout-s S
//                                        waits for the broker, creates the topics (RF 1)
//   report --dir D --record-bytes N      parses the tools' outputs, prints the comparison table
//   ckjs produce|consume --module DIR ...  @confluentinc/kafka-javascript driver (see ckjs.ts)
import { parseArgs } from 'node:util';
import { createServer } from 'node:net';
import { Kafka, logLevel } from 'kafkajs';
import { loadFleet } from '@stretched-kafka/fleet';
import { report } from './report';
import { ckjs } from './ckjs';

async function freePorts(count: number): Promise<number[]> {
  // All servers stay open until every port is known, so the same port is never handed out twice.
  const servers = await Promise.all(
    Array.from({ length: count }, () => new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
      const s = createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => resolve(s));
    })),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

async function createTopics(bootstrap: string, topics: string[], partitions: number, timeoutS: number): Promise<void> {
  const deadline = Date.now() + timeoutS * 1000;
  const kafka = new Kafka({ clientId: 'bench-kafka-setup', brokers: bootstrap.split(','), logLevel: logLevel.NOTHING, retry: { retries: 0 } });
  let last = '';
  // The broker takes a few seconds to open its listeners; poll rather than sleep a fixed time.
  while (Date.now() < deadline) {
    const admin = kafka.admin();
    try {
      await admin.connect();
      const existing = new Set(await admin.listTopics());
      const missing = topics.filter((t) => !existing.has(t));
      if (missing.length) {
        await admin.createTopics({
          topics: missing.map((topic) => ({ topic, numPartitions: partitions, replicationFactor: 1 })),
          waitForLeaders: true,
          timeout: 30000,
        });
      }
      const meta = await admin.fetchTopicMetadata({ topics });
      const leaderless = meta.topics.flatMap((t) => t.partitions.filter((p) => p.leader < 0).map((p) => `${t.name}/${p.partitionId}`));
      if (leaderless.length === 0) return;
      last = `no leader yet for ${leaderless.length} partitions`;
    } catch (e) {
      last = (e as Error).message.split('\n')[0];
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`broker at ${bootstrap} not ready within ${timeoutS} s: ${last}`);
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'kafka-version': {
      const { values } = parseArgs({ args: rest, options: { fleet: { type: 'string' } } });
      console.log(loadFleet(values.fleet).kafka.version);
      return 0;
    }
    case 'free-ports': {
      const { values } = parseArgs({ args: rest, options: { count: { type: 'string', default: '1' } } });
      console.log((await freePorts(Number(values.count))).join(' '));
      return 0;
    }
    case 'create-topics': {
      const { values } = parseArgs({
        args: rest,
        options: { bootstrap: { type: 'string' }, topics: { type: 'string' }, partitions: { type: 'string' }, 'timeout-s': { type: 'string', default: '60' } },
      });
      await createTopics(String(values.bootstrap), String(values.topics).split(','), Number(values.partitions), Number(values['timeout-s']));
      return 0;
    }
    case 'report': {
      const { values } = parseArgs({ args: rest, options: { dir: { type: 'string' }, 'record-bytes': { type: 'string', default: '1024' } } });
      console.log(report(String(values.dir), Number(values['record-bytes'])));
      return 0;
    }
    case 'ckjs':
      return ckjs(rest);
    default:
      console.error(`bench-kafka helper: unknown command ${command ?? '(none)'}: use kafka-version, free-ports, create-topics, report or ckjs`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    console.error(`bench-kafka helper: ${(e as Error).message.split('\n')[0]}`);
    process.exit(1);
  },
);
