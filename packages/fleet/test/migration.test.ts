import { DEFAULT_FLEET, FleetError, MIGRATION_PHASES, VERSIONS, defaultFleet, kraftClusterId, kafkaBrokers, kraftControllers, metadataLayout, mergeOverride, validateFleet } from '@stretched-kafka/fleet';

// metadata.mode migration: the phases of Kafka 3.9's ZooKeeper-to-KRaft procedure. Bad values give
// one line naming the field, the value and what is allowed.

const ZK_CLUSTER_ID = 'RVjbH_2RiLGMJv5TjVB-0g';
const without = (raw: unknown, key: string) => {
  const copy = JSON.parse(JSON.stringify(raw));
  delete copy.metadata[key];
  return copy;
};
const migration = (phase: unknown, extra: object = {}) => mergeOverride(defaultFleet('migration', phase), { metadata: { mode: 'migration', phase, clusterId: ZK_CLUSTER_ID }, ...extra });

function messageOf(raw: unknown): string {
  try {
    validateFleet(raw, 'fleet.yaml');
  } catch (e) {
    if (e instanceof FleetError) return e.message;
    throw e;
  }
  throw new Error('accepted');
}

describe('migration mode: refused, one line each', () => {
  const regions = DEFAULT_FLEET.regions;
  const cases: [string, unknown, RegExp][] = [
    ['no phase', without(migration(1), 'phase'), /^fleet\.yaml: metadata\.phase = \(missing\): is required with metadata\.mode "migration": 1 \(controllers\)/],
    ['phase 0', migration(0), /^fleet\.yaml: metadata\.phase = 0: must be a whole number from 1 to 4 \(the four phases of the ZooKeeper-to-KRaft migration\)$/],
    ['phase 5', migration(5), /^fleet\.yaml: metadata\.phase = 5: must be a whole number from 1 to 4/],
    ['a phase text', migration('2'), /^fleet\.yaml: metadata\.phase = "2": /],
    ['no cluster id', without(migration(1), 'clusterId'), /^fleet\.yaml: metadata\.clusterId = \(missing\): is required with metadata\.mode "migration": the ZooKeeper cluster's own id, as `zookeeper-shell\.sh <zookeeper> get \/cluster\/id` or cluster\.id in a broker's meta\.properties shows it/],
    ['a malformed cluster id', migration(1, { metadata: { clusterId: 'not-an-id' } }), /^fleet\.yaml: metadata\.clusterId = "not-an-id": must be a Kafka cluster id/],
    ['Kafka 4', migration(1, { kafka: { image: `quay.io/strimzi/kafka:${VERSIONS.kraft.strimzi}-kafka-${VERSIONS.kraft.kafka}`, version: VERSIONS.kraft.kafka } }), /^fleet\.yaml: kafka\.version = "4\.\d+\.\d+": must be Kafka 3\.9\.1 or a later 3\.9 release with metadata\.mode "migration".*Kafka 4 has no ZooKeeper to migrate from, and the controllers run the brokers' release/],
    ['Kafka 3.9.0', migration(1, { kafka: { image: 'quay.io/strimzi/kafka:0.45.0-kafka-3.9.0', version: '3.9.0' } }), /^fleet\.yaml: kafka\.version = "3\.9\.0": must be Kafka 3\.9\.1 or a later 3\.9 release/],
    ['a phase outside migration mode', mergeOverride(DEFAULT_FLEET, { metadata: { phase: 2 } }), /^fleet\.yaml: metadata\.phase = 2: is for metadata\.mode "migration" only \(metadata\.mode is "zookeeper"\)$/],
    ['no controllers', migration(1, { regions: regions.map((r) => ({ ...r, controllerReplicas: 0 })) }), /^fleet\.yaml: regions\[\]\.controllerReplicas = "0 in total": must add up to an odd number/],
    ['a region holding the voter majority', migration(2, { regions: regions.map((r, i) => ({ ...r, controllerReplicas: [3, 1, 1][i] })) }), /^fleet\.yaml: regions\[\]\.controllerReplicas = "3\+1\+1": no region may hold 3 of 5 controllers/],
    ['an even ensemble while ZooKeeper holds the metadata', migration(3, { regions: regions.map((r, i) => ({ ...r, controllerReplicas: 3, zookeeperReplicas: i === 0 ? 2 : 3 })) }), /^fleet\.yaml: regions\[\]\.zookeeperReplicas = "8 in total": must add up to an odd number/],
    ['ZooKeeper left after finalizing', migration(4, { regions: regions.map((r) => ({ ...r, controllerReplicas: 3 })) }), /^fleet\.yaml: regions\[0\]\.zookeeperReplicas = 3: must be 0 with metadata\.phase 4: finalizing the migration removes ZooKeeper/],
    ['controller ids meeting broker ids', migration(1, { idsPerRegion: 5 }), /^fleet\.yaml: regions\[0\]\.controllerReplicas = 3: with kafkaReplicas 3 must fit in idsPerRegion \(5\)/],
    ['an unknown mode', mergeOverride(DEFAULT_FLEET, { metadata: { mode: 'migrate' } }), /^fleet\.yaml: metadata\.mode = "migrate": must be one of "zookeeper", "migration", "kraft"$/],
  ];
  test.each(cases)('%s', (_name, raw, expected) => {
    const message = messageOf(raw);
    expect(message).toMatch(expected);
    expect(message).not.toContain('\n');
  });
});

describe('migration mode: the built-in fleet follows the phase', () => {
  test.each(MIGRATION_PHASES)('phase %s: Kafka 3.9, the ZooKeeper id, 3 controllers per region, ZooKeeper until finalized', (phase) => {
    const f = validateFleet(migration(phase));
    expect(f.kafka.version).toBe(VERSIONS.kafka);
    expect(f.kafka.image).toBe(DEFAULT_FLEET.kafka.image);
    expect(kraftClusterId(f)).toBe(ZK_CLUSTER_ID);
    expect(f.regions.map((r) => [r.zookeeperReplicas, r.controllerReplicas])).toEqual(DEFAULT_FLEET.regions.map(() => [phase === 4 ? 0 : 3, 3]));
  });

  test('broker ids are those of the ZooKeeper-mode cluster in every phase, and no controller takes one', () => {
    const zkIds = kafkaBrokers(DEFAULT_FLEET).map((b) => b.id);
    for (const phase of MIGRATION_PHASES) {
      const f = validateFleet(migration(phase));
      expect(kafkaBrokers(f).map((b) => b.id)).toEqual(zkIds);
      const controllers = kraftControllers(f).map((c) => c.id);
      expect(controllers.filter((id) => zkIds.includes(id))).toEqual([]);
      expect(new Set(controllers).size).toBe(controllers.length);
    }
  });

  test('what runs in each phase', () => {
    const layouts = MIGRATION_PHASES.map((p) => metadataLayout(validateFleet(migration(p))));
    expect(layouts).toEqual([
      { zookeeper: true, controllers: 'migration', brokers: 'zookeeper' },
      { zookeeper: true, controllers: 'migration', brokers: 'migration' },
      { zookeeper: true, controllers: 'migration', brokers: 'kraft' },
      { zookeeper: false, controllers: 'kraft', brokers: 'kraft' },
    ]);
    expect(metadataLayout(DEFAULT_FLEET)).toEqual({ zookeeper: true, controllers: 'none', brokers: 'zookeeper' });
  });
});
