import { DEFAULT_FLEET, Fleet, KAFKA_CLIENT_LABEL, TLS, TLS_MOUNT, bootstrapServers, loadConsumerGroup, regionOf } from '@stretched-kafka/fleet';
import { DISCONNECT_TIMEOUT_MS, parseArgs, type ConsumeConfig, type ProduceConfig } from '@stretched-kafka/loadgen';
import { clientTimeouts } from '@stretched-kafka/kafka';
import {
  COMPRESSION,
  INDEX_ENV,
  RECREATE_ANNOTATIONS,
  SHUTDOWN_TIMEOUT_S,
  TERMINATION_GRACE_S,
  WAIT_FOR_TOPIC_S,
  consumerArgs,
  jobName,
  loadJobsComponent,
  producerArgs,
} from '../src';
import { Obj, clone, expectHardened, synth } from '../../../test/helpers';

const jobs = (f: Fleet, region: string) => synth(loadJobsComponent.build, f, regionOf(f, region));
const allJobs = (f: Fleet) => f.regions.flatMap((r) => jobs(f, r.name).map((j) => ({ region: r.name, job: j })));
const argsOf = (j: Obj): string[] => j.spec.template.spec.containers[0].args;
const flag = (args: string[], name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const isProducer = (j: Obj) => argsOf(j)[0] === 'produce';

/** A fleet that differs from the reference in every field the Jobs read. */
function otherFleet(): Fleet {
  const f = clone();
  f.regions[0].producers = 2;
  f.regions[1].consumers = 0;
  f.regions[2].consumers = 4;
  f.load = { ...f.load, records: 5000, recordBytes: 512, batchBytes: 65536, lingerMs: 5, run: 7 };
  f.topic.name = 'bench';
  return f;
}

test('snapshot of us-east4', () => {
  expect(jobs(DEFAULT_FLEET, 'us-east4')).toMatchSnapshot();
});

test('one Indexed Job per role, sized by the region, named by the run', () => {
  for (const f of [DEFAULT_FLEET, otherFleet()]) {
    for (const region of f.regions) {
      const got = jobs(f, region.name);
      const want = [...(region.producers > 0 ? [['producer', region.producers]] : []), ...(region.consumers > 0 ? [['consumer', region.consumers]] : [])];
      expect(got.map((j) => [j.metadata.name, j.spec.completions])).toEqual(want.map(([role, n]) => [`${role}-r${f.load.run}`, n]));
      for (const j of got) {
        expect(j.spec).toMatchObject({ completionMode: 'Indexed', parallelism: j.spec.completions });
        expect(j.spec.ttlSecondsAfterFinished).toBeUndefined();
        expect(j.metadata.annotations).toMatchObject(RECREATE_ANNOTATIONS);
      }
    }
  }
  expect(jobName('producer', otherFleet())).toBe('producer-r7');
});

test('every consumer fetches from its own region and joins the fleet-wide group', () => {
  for (const f of [DEFAULT_FLEET, otherFleet()]) {
    const consumers = allJobs(f).filter(({ job }) => !isProducer(job));
    expect(consumers.length).toBeGreaterThan(0);
    for (const { region, job } of consumers) {
      expect(flag(argsOf(job), '--rack')).toBe(region);
      expect(flag(argsOf(job), '--group')).toBe(loadConsumerGroup(f));
      expect(argsOf(job)).toContain('--verify');
    }
  }
});

test('producers: lz4, settings from fleet.load, and no flag that could weaken acks=all or idempotence', () => {
  for (const f of [DEFAULT_FLEET, otherFleet()]) {
    for (const { region, job } of allJobs(f).filter(({ job }) => isProducer(job))) {
      const args = argsOf(job);
      expect(flag(args, '--compression')).toBe(COMPRESSION);
      expect(COMPRESSION).toBe('lz4');
      expect(flag(args, '--records')).toBe(String(f.load.records));
      expect(flag(args, '--record-bytes')).toBe(String(f.load.recordBytes));
      expect(flag(args, '--batch-bytes')).toBe(String(f.load.batchBytes));
      expect(flag(args, '--linger-ms')).toBe(String(f.load.lingerMs));
      expect(flag(args, '--topic')).toBe(f.topic.name);
      expect(flag(args, '--bootstrap')).toBe(bootstrapServers(f, regionOf(f, region)));
      expect(args).toContain('--verify');
      expect(args.filter((a) => /acks|idempot|retries|in-flight/i.test(a))).toEqual([]);
    }
  }
  // The program's flag set, as the Jobs use it: the same for every region.
  const flags = (args: string[]) => args.filter((a) => a.startsWith('--'));
  expect(flags(producerArgs(DEFAULT_FLEET, DEFAULT_FLEET.regions[0]))).toEqual([
    '--bootstrap', '--topic', '--client-id', '--tls-dir', '--records', '--record-bytes', '--batch-bytes', '--linger-ms', '--compression', '--producers', '--verify', '--progress-interval-s',
    '--wait-for-topic-s', '--shutdown-timeout-s', '--ack-timeout-ms', '--request-timeout-ms', '--connection-timeout-ms',
  ]);
  expect(flags(consumerArgs(DEFAULT_FLEET, DEFAULT_FLEET.regions[0]))).toEqual([
    '--bootstrap', '--topic', '--client-id', '--tls-dir', '--group', '--rack', '--duration-s', '--idle-timeout-s', '--verify', '--wait-for-topic-s', '--shutdown-timeout-s',
    '--request-timeout-ms', '--connection-timeout-ms',
  ]);
});

test('the load program accepts the Jobs\' arguments as the Jobs mean them', () => {
  for (const f of [DEFAULT_FLEET, otherFleet()]) {
    for (const { job } of allJobs(f)) {
      // The container's shell-free argv, with the completion index Kubernetes substitutes.
      const argv = argsOf(job).map((a) => a.replace(`$(${INDEX_ENV})`, '3'));
      const parsed = parseArgs(argv, {});
      if (parsed.kind !== 'run') throw new Error(`${job.metadata.name}: ${parsed.stderr}`);
      const cfg = parsed.config;
      // Outside the management region the topic and ACLs appear later: every pod waits for them.
      expect(cfg).toMatchObject({ waitForTopicS: WAIT_FOR_TOPIC_S, shutdownTimeoutS: SHUTDOWN_TIMEOUT_S, verify: true, tlsDir: TLS_MOUNT, plaintext: false });
      expect(cfg.clientId).toMatch(/-3$/);
      // The client timeouts the fleet's broker tuning calls for.
      const t = clientTimeouts(f);
      expect(cfg).toMatchObject({ requestTimeoutMs: t.requestTimeoutMs, connectionTimeoutMs: t.connectionTimeoutMs });
      if (cfg.mode === 'produce') expect((cfg as ProduceConfig).ackTimeoutMs).toBe(t.ackTimeoutMs);
      if (cfg.mode === 'produce') expect((cfg as ProduceConfig).compression).toBe('lz4');
      else expect((cfg as ConsumeConfig).expectFiles).toEqual([]);
    }
  }
  expect(WAIT_FOR_TOPIC_S).toBeGreaterThanOrEqual(300);
});

test('pods get enough termination grace for the capped shutdown, the disconnect and the summary', () => {
  expect(TERMINATION_GRACE_S).toBeGreaterThanOrEqual(SHUTDOWN_TIMEOUT_S + DISCONNECT_TIMEOUT_MS / 1000 + 5);
  for (const { job } of allJobs(DEFAULT_FLEET)) {
    expect(job.spec.template.spec.terminationGracePeriodSeconds).toBe(TERMINATION_GRACE_S);
  }
});

test('client ids are unique across the fleet and stable per completion index', () => {
  for (const f of [DEFAULT_FLEET, otherFleet()]) {
    const ids: string[] = [];
    for (const { job } of allJobs(f)) {
      const c = job.spec.template.spec.containers[0];
      const env = c.env.find((e: any) => e.name === INDEX_ENV);
      expect(env.valueFrom.fieldRef.fieldPath).toBe("metadata.annotations['batch.kubernetes.io/job-completion-index']");
      const template = flag(c.args, '--client-id')!;
      expect(template).toContain(`$(${INDEX_ENV})`);
      for (let i = 0; i < job.spec.completions; i++) ids.push(template.replace(`$(${INDEX_ENV})`, String(i)));
    }
    const total = f.regions.reduce((n, r) => n + r.producers + r.consumers, 0);
    expect(ids).toHaveLength(total);
    expect(new Set(ids).size).toBe(total);
  }
});

test('pods: hardened, Kafka client label, their own certificate at --tls-dir, kept off broker nodes', () => {
  for (const { job } of allJobs(DEFAULT_FLEET)) {
    expectHardened(job);
    const pod = job.spec.template.spec;
    expect(job.spec.template.metadata.labels).toMatchObject(KAFKA_CLIENT_LABEL);
    expect(pod.restartPolicy).toBe('Never');
    const secret = pod.volumes.find((v: any) => v.secret).secret.secretName;
    expect(secret).toBe(isProducer(job) ? TLS.producer.secret : TLS.consumer.secret);
    expect(flag(argsOf(job), '--tls-dir')).toBe(TLS_MOUNT);
    expect(pod.containers[0].volumeMounts.find((m: any) => m.mountPath === TLS_MOUNT).readOnly).toBe(true);
    const soft = pod.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution;
    expect(soft.map((t: any) => t.podAffinityTerm.labelSelector.matchLabels['app.kubernetes.io/name'])).toContain('kafka');
    expect(pod.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution).toBeUndefined();
    expect(pod.containers[0].image).toBe(DEFAULT_FLEET.load.image);
  }
});
