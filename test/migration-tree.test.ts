import { DEFAULT_FLEET, Fleet, KRAFT, MIGRATION_PHASES, METADATA_STATE_ANNOTATION, defaultFleet, kafkaBrokers, kraftClusterId, mergeOverride, validateFleet } from '@stretched-kafka/fleet';
import { immutableChanges, migrationProblem, render } from '@stretched-kafka/synth';
import { crdErrors } from './helpers';

// The ZooKeeper-to-KRaft migration as the trees a user commits one after the other: phase 0 (the
// ZooKeeper-mode reference), phases 1 to 4 of Kafka 3.9's documented procedure, then KRaft mode
// on Kafka 4 (an ordinary version bump). Each phase changes exactly the keys the procedure names,
// rolls exactly the nodes it restarts, and keeps ids, the cluster id and the consistency and rack
// settings as they were.

const ZK_CLUSTER_ID = 'RVjbH_2RiLGMJv5TjVB-0g';
const migration = (phase: number): Fleet => validateFleet(mergeOverride(defaultFleet('migration', phase), { metadata: { mode: 'migration', phase, clusterId: ZK_CLUSTER_ID } }));
const kraft = validateFleet(mergeOverride(defaultFleet('kraft'), { metadata: { mode: 'kraft', clusterId: ZK_CLUSTER_ID } }));
const fleets: Fleet[] = [DEFAULT_FLEET, ...MIGRATION_PHASES.map(migration), kraft];
const trees = fleets.map((f) => render(f));
const files = trees.map((t) => new Map(t.files.map((x) => [x.path, x.content])));
const objectsOf = (i: number) => trees[i].files.flatMap((f) => f.objects.map((o) => ({ file: f.path, o: o as any })));
const region = DEFAULT_FLEET.regions[0].name;

const find = (i: number, file: string) => objectsOf(i).find((x) => x.file === `${region}/${file}`)?.o;
/** key -> value of a properties text, comments and blank lines left out. */
function props(text: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of (text ?? '').split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    out.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return out;
}
const broker = (i: number) => props(find(i, 'kafka/ConfigMap-kafka-config.yaml')?.data['server.properties']);
const controller = (i: number) => props(find(i, 'controllers/ConfigMap-kafka-controller-config.yaml')?.data['controller.properties']);
/** Keys added, removed and changed from one properties map to the next. */
function delta(a: Map<string, string>, b: Map<string, string>) {
  return {
    added: [...b.keys()].filter((k) => !a.has(k)).sort(),
    removed: [...a.keys()].filter((k) => !b.has(k)).sort(),
    changed: [...b.keys()].filter((k) => a.has(k) && a.get(k) !== b.get(k)).sort(),
  };
}
const checksumOf = (i: number, file: string) => find(i, file)?.spec.template.metadata.annotations['stretched-kafka.io/config-checksum'];
const templateOf = (i: number, file: string) => JSON.stringify(find(i, file)?.spec.template);

const QUORUM_CLIENT = [
  'controller.quorum.voters',
  'controller.listener.names',
  'listener.name.controller.ssl.keystore.type',
  'listener.name.controller.ssl.keystore.location',
  'listener.name.controller.ssl.truststore.type',
  'listener.name.controller.ssl.truststore.location',
  'controller.quorum.fetch.timeout.ms',
  'controller.quorum.election.timeout.ms',
  'controller.quorum.election.backoff.max.ms',
  'controller.quorum.request.timeout.ms',
  'broker.heartbeat.interval.ms',
  'broker.session.timeout.ms',
].sort();
const ZOOKEEPER_CLIENT = [
  'zookeeper.connect',
  'zookeeper.ssl.client.enable',
  'zookeeper.clientCnxnSocket',
  'zookeeper.ssl.keystore.type',
  'zookeeper.ssl.keystore.location',
  'zookeeper.ssl.truststore.type',
  'zookeeper.ssl.truststore.location',
  'zookeeper.ssl.endpoint.identification.algorithm',
  'zookeeper.set.acl',
  'zookeeper.session.timeout.ms',
  'zookeeper.connection.timeout.ms',
];

describe('each phase changes exactly the keys Kafka 3.9\'s procedure names', () => {
  test('phase 1: controllers appear in migration mode (enabled, zookeeper.connect over TLS, the brokers\' listener); the brokers do not change', () => {
    expect(broker(1)).toEqual(broker(0));
    expect(checksumOf(1, 'kafka/StatefulSet-kafka.yaml')).toBe(checksumOf(0, 'kafka/StatefulSet-kafka.yaml'));
    expect(templateOf(1, 'kafka/StatefulSet-kafka.yaml')).toBe(templateOf(0, 'kafka/StatefulSet-kafka.yaml'));
    const c = controller(1);
    expect(c.get('zookeeper.metadata.migration.enable')).toBe('true');
    expect(c.get('zookeeper.connect')).toBe(broker(0).get('zookeeper.connect'));
    expect(c.get('zookeeper.ssl.keystore.location')).toBe('${ZK_TLS_DIR}/tls-combined.pem');
    expect(c.get('inter.broker.listener.name')).toBe(broker(0).get('inter.broker.listener.name'));
    expect(c.get('listener.security.protocol.map')).toBe('CONTROLLER:SSL,REPLICATION:SSL');
    expect(c.get('process.roles')).toBe('controller');
    // The same ZooKeeper client settings as the brokers but for where the (same) certificate is mounted.
    for (const k of ZOOKEEPER_CLIENT.filter((x) => !x.includes('location'))) expect([k, c.get(k)]).toEqual([k, broker(0).get(k)]);
    expect(delta(controller(1), controller(5))).toEqual({
      added: [],
      removed: ['inter.broker.listener.name', 'listener.name.replication.ssl.keystore.location', 'listener.name.replication.ssl.keystore.type', 'listener.name.replication.ssl.truststore.location', 'listener.name.replication.ssl.truststore.type', 'zookeeper.metadata.migration.enable', ...ZOOKEEPER_CLIENT].sort(),
      changed: ['listener.security.protocol.map'],
    });
  });

  test('phase 2: the brokers gain the migration flag, the quorum and the CONTROLLER listener mapping (still ZooKeeper mode); the controllers do not change', () => {
    expect(delta(broker(1), broker(2))).toEqual({ added: ['zookeeper.metadata.migration.enable', ...QUORUM_CLIENT].sort(), removed: [], changed: ['listener.security.protocol.map', 'super.users'] });
    expect(broker(2).get('listener.security.protocol.map')).toBe('REPLICATION:SSL,CLIENTS:SSL,CONTROLLER:SSL');
    expect(broker(2).get('super.users')).toContain('User:kafka-controller');
    expect(broker(2).get('inter.broker.protocol.version')).toBe('3.9');
    expect(broker(2).get('broker.id')).toBe('${BROKER_ID}');
    expect(controller(2)).toEqual(controller(1));
    expect(checksumOf(2, 'controllers/StatefulSet-kafka-controller.yaml')).toBe(checksumOf(1, 'controllers/StatefulSet-kafka-controller.yaml'));
  });

  test('phase 3: the brokers turn KRaft (process.roles, node.id, no ZooKeeper, no IBP, no migration flag, StandardAuthorizer); the controllers do not change', () => {
    expect(delta(broker(2), broker(3))).toEqual({
      added: ['node.id', 'process.roles'],
      removed: ['broker.id', 'inter.broker.protocol.version', 'zookeeper.metadata.migration.enable', ...ZOOKEEPER_CLIENT].sort(),
      changed: ['authorizer.class.name'],
    });
    expect(broker(3).get('authorizer.class.name')).toBe('org.apache.kafka.metadata.authorizer.StandardAuthorizer');
    expect(broker(3).get('node.id')).toBe(broker(2).get('broker.id'));
    expect(controller(3)).toEqual(controller(1));
    expect(checksumOf(3, 'controllers/StatefulSet-kafka-controller.yaml')).toBe(checksumOf(1, 'controllers/StatefulSet-kafka-controller.yaml'));
  });

  test('phase 4: only the controllers roll, out of migration mode; ZooKeeper leaves the tree', () => {
    expect(controller(4)).toEqual(controller(5));
    expect(checksumOf(4, 'controllers/StatefulSet-kafka-controller.yaml')).not.toBe(checksumOf(3, 'controllers/StatefulSet-kafka-controller.yaml'));
    expect(broker(4)).toEqual(broker(3));
    expect(templateOf(4, 'kafka/StatefulSet-kafka.yaml')).toBe(templateOf(3, 'kafka/StatefulSet-kafka.yaml'));
    // (The monitoring layer keeps its ZooKeeper PodMonitor in KRaft mode too, selecting no pod.)
    expect([...files[4].keys()].filter((p) => /zookeeper/i.test(p) && !p.includes('/monitoring/'))).toEqual([]);
    expect([...files[3].keys()].some((p) => p.includes('/zookeeper/'))).toBe(true);
    const sts = find(4, 'controllers/StatefulSet-kafka-controller.yaml');
    expect(JSON.stringify(sts.spec.template)).not.toContain('tls-zookeeper');
  });

  test('after finalizing, KRaft mode on Kafka 4 is a version bump: the same keys with the KRaft line\'s image', () => {
    expect(delta(broker(4), broker(5))).toEqual({ added: [], removed: [], changed: [] });
    expect(find(5, 'kafka/StatefulSet-kafka.yaml').spec.template.spec.containers[0].image).not.toBe(find(4, 'kafka/StatefulSet-kafka.yaml').spec.template.spec.containers[0].image);
  });
});

describe('invariants across the whole migration', () => {
  const phases = [0, 1, 2, 3, 4, 5];
  test('broker ids, racks and advertised hosts stay those of the ZooKeeper-mode cluster', () => {
    const zk = kafkaBrokers(DEFAULT_FLEET).map((b) => [b.id, b.region.name, b.host]);
    for (const i of phases) expect(kafkaBrokers(fleets[i]).map((b) => [b.id, b.region.name, b.host])).toEqual(zk);
    for (const i of phases) {
      const start = find(i, 'kafka/ConfigMap-kafka-config.yaml').data['start.sh'];
      for (const b of kafkaBrokers(DEFAULT_FLEET, DEFAULT_FLEET.regions[0])) expect(start).toContain(`${b.ordinal}) BROKER_ID=${b.id} ;;`);
      expect(broker(i).get('broker.rack')).toBe(region);
    }
  });

  test('consistency, replication, rack-aware fetching and listeners are identical in every phase', () => {
    const keep = ['broker.rack', 'default.replication.factor', 'min.insync.replicas', 'unclean.leader.election.enable', 'offsets.topic.replication.factor', 'transaction.state.log.replication.factor', 'transaction.state.log.min.isr', 'auto.create.topics.enable', 'num.partitions', 'replica.selector.class', 'replica.lag.time.max.ms', 'listeners', 'advertised.listeners', 'inter.broker.listener.name', 'allow.everyone.if.no.acl.found'];
    for (const i of phases) for (const k of keep) expect([i, k, broker(i).get(k)]).toEqual([i, k, broker(0).get(k)]);
  });

  test('the cluster id is the ZooKeeper cluster\'s from phase 1 on, on both ConfigMaps and in both start scripts', () => {
    for (const i of [1, 2, 3, 4, 5]) {
      expect(kraftClusterId(fleets[i])).toBe(ZK_CLUSTER_ID);
      expect(find(i, 'controllers/ConfigMap-kafka-controller-config.yaml').data['start.sh']).toContain(`CLUSTER_ID=${ZK_CLUSTER_ID}`);
      expect(find(i, 'kafka/ConfigMap-kafka-config.yaml').metadata.annotations['stretched-kafka.io/kraft-cluster-id']).toBe(ZK_CLUSTER_ID);
    }
    for (const i of [3, 4, 5]) expect(find(i, 'kafka/ConfigMap-kafka-config.yaml').data['start.sh']).toContain(`CLUSTER_ID=${ZK_CLUSTER_ID}`);
    expect(find(2, 'kafka/ConfigMap-kafka-config.yaml').data['start.sh']).not.toContain('format_storage');
  });

  test('the controllers run the brokers\' Kafka 3.9 image until the version bump, with its log4j logging and the migration logger at TRACE', () => {
    for (const i of [1, 2, 3, 4]) {
      const sts = find(i, 'controllers/StatefulSet-kafka-controller.yaml');
      expect(sts.spec.template.spec.containers[0].image).toBe(DEFAULT_FLEET.kafka.image);
      const cm = find(i, 'controllers/ConfigMap-kafka-controller-config.yaml');
      expect(Object.keys(cm.data).sort()).toEqual(['controller.properties', 'log4j.properties', 'metrics.yaml', 'start.sh']);
      expect(cm.data['start.sh']).toContain('KAFKA_LOG4J_DEFAULT="-Dlog4j.configuration=file:$CONFIG_DIR/log4j.properties"');
      expect(cm.data['log4j.properties'].includes('log4j.logger.org.apache.kafka.metadata.migration=TRACE')).toBe(i < 4);
    }
  });

  test('while migrating the controllers reach ZooKeeper and the brokers\' inter-broker port, and present the brokers\' certificate to ZooKeeper only', () => {
    for (const i of [1, 2, 3]) {
      const zkPolicy = JSON.stringify(find(i, 'zookeeper/NetworkPolicy-zookeeper.yaml'));
      const kafkaPolicy = JSON.stringify(find(i, 'kafka/NetworkPolicy-kafka.yaml'));
      expect(zkPolicy).toContain(KRAFT.name);
      expect(kafkaPolicy).toContain(KRAFT.name);
      const sts = find(i, 'controllers/StatefulSet-kafka-controller.yaml');
      expect(sts.spec.template.spec.volumes).toContainEqual({ name: 'tls-zookeeper', secret: { secretName: 'kafka-tls', defaultMode: 0o440 } });
      expect(controller(i).get('listener.name.controller.ssl.keystore.location')).toBe('${TLS_DIR}/tls-combined.pem');
      expect(controller(i).get('listener.name.replication.ssl.keystore.location')).toBe('${TLS_DIR}/tls-combined.pem');
    }
    expect(JSON.stringify(find(0, 'zookeeper/NetworkPolicy-zookeeper.yaml'))).not.toContain(KRAFT.name);
    expect(JSON.stringify(find(4, 'kafka/NetworkPolicy-kafka.yaml'))).toBe(JSON.stringify(find(0, 'kafka/NetworkPolicy-kafka.yaml')));
  });

  test.each([1, 2, 3, 4])('phase %s validates against the Kubernetes and CRD schemas', (i) => {
    expect(crdErrors(objectsOf(i).map((x) => x.o))).toEqual([]);
  });

  test('snapshot of the first region\'s brokers and controllers per phase', () => {
    const show = (i: number) => ({
      state: find(i, 'kafka/ConfigMap-kafka-config.yaml').metadata.annotations?.[METADATA_STATE_ANNOTATION] ?? null,
      'server.properties': find(i, 'kafka/ConfigMap-kafka-config.yaml').data['server.properties'],
      'controller.properties': find(i, 'controllers/ConfigMap-kafka-controller-config.yaml')?.data['controller.properties'] ?? null,
    });
    expect([1, 2, 3, 4].map(show)).toMatchSnapshot();
  });
});

describe('synth moves one phase at a time, against the committed tree', () => {
  const names = ['zookeeper', 'phase 1', 'phase 2', 'phase 3', 'phase 4', 'kraft'];
  // [from, to] pairs Kafka's procedure has: the same, one forward, and the documented reverts.
  const allowed = new Set(['0>0', '1>1', '2>2', '3>3', '4>4', '5>5', '0>1', '1>2', '2>3', '3>4', '4>5', '1>0', '2>0', '3>2']);
  const pairs = [0, 1, 2, 3, 4, 5].flatMap((a) => [0, 1, 2, 3, 4, 5].map((b) => [a, b] as const));
  test.each(pairs)('from %s to %s', (a, b) => {
    const message = migrationProblem(files[a], files[b]);
    if (allowed.has(`${a}>${b}`)) {
      expect(message).toBeUndefined();
      // And the cluster id guard lets the step through (the id enters the tree at phase 1).
      if (a !== b && !(a === 4 && b === 5)) expect(immutableChanges(files[a], files[b])).toEqual([]);
    } else {
      expect(message).toBeDefined();
      expect(message).not.toContain('\n');
      expect(message).toContain('Nothing was written');
      if (b > a) expect(message).toContain('skips a step');
      else if (a >= 4) expect(message).toContain('Kafka cannot go back once the migration is finalized');
      else expect(message).toContain("Kafka's documented rollback from there goes to");
    }
    void names;
  });

  test('another cluster id during the migration is still refused by the id guard', () => {
    const other = validateFleet(mergeOverride(migration(2), { metadata: { clusterId: 'AAAAAAAAAAAAAAAAAAAAAQ' } }));
    const changes = immutableChanges(files[1], new Map(render(other).files.map((f) => [f.path, f.content])));
    expect(changes.length).toBeGreaterThan(0);
  });
});
