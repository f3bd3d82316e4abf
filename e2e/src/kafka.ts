import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Host, Network } from './net';
import { Result, run } from './proc';

// Kafka's own command-line tools (from the Maven Central jars) run inside a client namespace as
// one identity: the break-glass kafka-admin for the harness's own checks (the cluster seen the
// way an operator would), or an attacker's certificate for the trust-model checks.

export interface PartitionState {
  readonly partition: number;
  readonly leader: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
}

export interface ToolsIdentity {
  /** Names the client properties file. */
  readonly name: string;
  /** Folder with tls-combined.pem (key + chain) as cert-manager writes it. */
  readonly tlsDir: string;
  /** CA file the client trusts for the brokers' certificate; default `<tlsDir>/ca.crt`. */
  readonly truststore?: string;
}

export class KafkaTools {
  readonly clientConfig: string;

  constructor(
    private readonly net: Network,
    private readonly host: Host,
    private readonly kafkaHome: string,
    readonly bootstrap: string,
    identity: ToolsIdentity,
    workDir: string,
  ) {
    this.clientConfig = join(workDir, `${identity.name}-client.properties`);
    // PEM files as cert-manager writes them: no keystore, no password (the key is unencrypted PKCS#8).
    writeFileSync(
      this.clientConfig,
      [
        'security.protocol=SSL',
        'ssl.truststore.type=PEM',
        `ssl.truststore.location=${identity.truststore ?? join(identity.tlsDir, 'ca.crt')}`,
        'ssl.keystore.type=PEM',
        `ssl.keystore.location=${join(identity.tlsDir, 'tls-combined.pem')}`,
        'request.timeout.ms=15000',
        'default.api.timeout.ms=30000',
      ].join('\n') + '\n',
    );
  }

  tool(script: string, args: readonly string[], timeoutMs = 60_000, allowFail = false, jvmOpts = '-XX:+UseSerialGC -XX:TieredStopAtLevel=1'): Promise<Result> {
    const env = {
      ...process.env,
      KAFKA_HOME: this.kafkaHome,
      KAFKA_HEAP_OPTS: '-Xmx256m',
      // Short-lived JVMs: skip the optimizing compiler, start faster on a small machine.
      KAFKA_JVM_PERFORMANCE_OPTS: `${jvmOpts} -Djava.awt.headless=true`,
    };
    return run(this.net.exec(this.host, [join(this.kafkaHome, 'bin', script), ...args]), { env, timeoutMs, allowFail });
  }

  /** Brokers that answer an ApiVersions request over mTLS, with their rack. */
  async brokers(): Promise<Map<number, string>> {
    const r = await this.tool('kafka-broker-api-versions.sh', ['--bootstrap-server', this.bootstrap, '--command-config', this.clientConfig], 60_000);
    const found = new Map<number, string>();
    for (const m of r.stdout.matchAll(/\(id: (\d+) rack: ([^) ]+)[^)]*\) -> \(/g)) found.set(Number(m[1]), m[2]);
    return found;
  }

  async describe(topic: string): Promise<PartitionState[]> {
    const r = await this.tool('kafka-topics.sh', ['--bootstrap-server', this.bootstrap, '--command-config', this.clientConfig, '--describe', '--topic', topic], 45_000);
    return parseDescribe(r.stdout);
  }

  async createTopic(topic: string, partitions: number, replicas: number, config: Record<string, string>): Promise<void> {
    const configArgs = Object.entries(config).flatMap(([k, v]) => ['--config', `${k}=${v}`]);
    await this.tool('kafka-topics.sh', ['--bootstrap-server', this.bootstrap, '--command-config', this.clientConfig, '--create', '--if-not-exists', '--topic', topic, '--partitions', String(partitions), '--replication-factor', String(replicas), ...configArgs]);
  }

  async addAcl(principal: string, operations: readonly string[], resource: { type: string; name?: string; patternType?: string }, host = '*'): Promise<void> {
    const flag: Record<string, string[]> = {
      topic: ['--topic', resource.name ?? '*'],
      group: ['--group', resource.name ?? '*'],
      transactionalId: ['--transactional-id', resource.name ?? '*'],
      cluster: ['--cluster'],
    };
    if (!flag[resource.type]) throw new Error(`ACL resource type ${resource.type} is not one kafka-acls knows`);
    const pattern = resource.type === 'cluster' ? [] : ['--resource-pattern-type', resource.patternType === 'prefix' ? 'prefixed' : 'literal'];
    await this.tool('kafka-acls.sh', [
      '--bootstrap-server', this.bootstrap, '--command-config', this.clientConfig, '--add', '--allow-principal', principal, '--allow-host', host,
      ...operations.flatMap((o) => ['--operation', o]), ...flag[resource.type], ...pattern,
    ]);
  }

  async listAcls(): Promise<string> {
    return (await this.tool('kafka-acls.sh', ['--bootstrap-server', this.bootstrap, '--command-config', this.clientConfig, '--list'])).stdout;
  }

  /** Records Kafka's own Java consumer reads from the start of the topic (up to `count`). */
  async javaConsume(topic: string, count: number, group: string): Promise<number> {
    const r = await this.tool('kafka-consumer-perf-test.sh', ['--bootstrap-server', this.bootstrap, '--consumer.config', this.clientConfig, '--topic', topic, '--messages', String(count), '--group', group, '--timeout', '30000', '--hide-header'], 180_000);
    const fields = r.stdout.trim().split('\n').pop()?.split(',').map((x) => x.trim()) ?? [];
    const n = Number(fields[4]);
    if (!Number.isFinite(n)) throw new Error(`kafka-consumer-perf-test printed no record count: ${r.stdout.trim().slice(-200)}`);
    return n;
  }

  /** Kafka's kafka-producer-perf-test (fully compiled JVM) at `throughput` records/s (-1: full speed): its closing line's figures. */
  async producerPerf(topic: string, records: number, recordBytes: number, props: Record<string, string | number>, throughput = -1): Promise<{ mbPerSec: number; recordsPerSec: number; avgMs: number; p50Ms: number; p99Ms: number }> {
    const r = await this.tool('kafka-producer-perf-test.sh', ['--topic', topic, '--num-records', String(records), '--record-size', String(recordBytes), '--throughput', String(throughput), '--producer.config', this.clientConfig, '--producer-props', `bootstrap.servers=${this.bootstrap}`, ...Object.entries(props).map(([k, v]) => `${k}=${v}`)], 300_000, false, '-XX:+UseSerialGC');
    const m = /(\d+) records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency.* (\d+) ms 50th, \d+ ms 95th, (\d+) ms 99th/.exec(r.stdout);
    if (!m) throw new Error(`kafka-producer-perf-test printed no summary: ${r.stdout.trim().slice(-300)}`);
    return { recordsPerSec: Number(m[2]), mbPerSec: Number(m[3]), avgMs: Number(m[4]), p50Ms: Number(m[5]), p99Ms: Number(m[6]) };
  }

  async resetGroup(group: string, topic: string, to: 'earliest' | 'latest' = 'earliest'): Promise<void> {
    await this.tool('kafka-consumer-groups.sh', ['--bootstrap-server', this.bootstrap, '--command-config', this.clientConfig, '--group', group, '--topic', topic, '--reset-offsets', `--to-${to}`, '--execute']);
  }
}

export function parseDescribe(text: string): PartitionState[] {
  const out: PartitionState[] = [];
  for (const m of text.matchAll(/Partition: (\d+)\s+Leader: (-?\d+|none)\s+Replicas: ([\d,]+)\s+Isr: ([\d,]*)/g)) {
    const list = (s: string) => (s ? s.split(',').map(Number) : []);
    out.push({ partition: Number(m[1]), leader: m[2] === 'none' ? -1 : Number(m[2]), replicas: list(m[3]), isr: list(m[4]) });
  }
  return out.sort((a, b) => a.partition - b.partition);
}
