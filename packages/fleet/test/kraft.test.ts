import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_FLEET, FleetError, IMAGES, KRAFT_DEFAULT_FLEET, VERSIONS, controllerId, kafkaBrokers, kraftClusterId, kraftControllers, loadFleet, mergeOverride, validateFleet } from '../src';

// Issue 11: the KRaft metadata mode and its rules. Every rule is refused with one line naming the
// field, the value and what is allowed.

const kraft = () => JSON.parse(JSON.stringify(KRAFT_DEFAULT_FLEET));
const regions = KRAFT_DEFAULT_FLEET.regions;
const withCounts = (counts: number[], extra: object = {}) => ({ regions: regions.map((r, i) => ({ ...r, controllerReplicas: counts[i], ...extra })) });

function messageOf(base: unknown, override: unknown): string {
  try {
    validateFleet(mergeOverride(base, override), 'fleet.yaml');
  } catch (e) {
    if (e instanceof FleetError) return e.message;
    throw e;
  }
  throw new Error('expected a FleetError');
}

describe('KRaft mode: refused, one line each', () => {
  const cases: Array<[string, unknown, RegExp]> = [
    ['an even voter total', withCounts([2, 2, 2]), /^fleet\.yaml: regions\[\]\.controllerReplicas = "6 in total": must add up to an odd number \(3, 5, 7, 9\.\.\.\)/],
    ['one region holding a majority', withCounts([3, 1, 1]), /^fleet\.yaml: regions\[\]\.controllerReplicas = "3\+1\+1": no region may hold 3 of 5 controllers: losing it would leave 2, below the majority of 3$/],
    ['no voter at all', withCounts([0, 0, 0]), /regions\[\]\.controllerReplicas = "0 in total": must add up to an odd number/],
    ['more than 15 voters', withCounts([5, 5, 7]), /regions\[\]\.controllerReplicas = "17 in total": must add up to at most 15/],
    ['controller and broker ids that would meet', { idsPerRegion: 5, ...withCounts([3, 3, 3]) }, /^fleet\.yaml: regions\[0\]\.controllerReplicas = 3: with kafkaReplicas 3 must fit in idsPerRegion \(5\)/],
    ['ZooKeeper nodes next to controllers', withCounts([3, 3, 3], { zookeeperReplicas: 1 }), /^fleet\.yaml: regions\[0\]\.zookeeperReplicas = 1: must be 0 with metadata\.mode "kraft"/],
    ['a Kafka 3.x version', { kafka: { image: IMAGES.kafka, version: VERSIONS.kafka } }, /^fleet\.yaml: kafka\.version = "3\.9\.2": must be a Kafka 4\.x release with metadata\.mode "kraft"/],
    ['an image of another Kafka than kafka.version', { kafka: { image: 'quay.io/strimzi/kafka:1.2.0-kafka-4.2.0' } }, /^fleet\.yaml: kafka\.version = "4\.3\.1": must be the Kafka version of kafka\.image \(4\.2\.0 in quay\.io\/strimzi\/kafka:1\.2\.0-kafka-4\.2\.0\)/],
    ['a cluster id that is not a Kafka Uuid', { metadata: { clusterId: 'not-a-uuid' } }, /^fleet\.yaml: metadata\.clusterId = "not-a-uuid": must be a Kafka cluster id: 22 characters of URL-safe base64/],
    ['a cluster id with padding bits set', { metadata: { clusterId: 'AAAAAAAAAAAAAAAAAAAAAB' } }, /metadata\.clusterId = "AAAAAAAAAAAAAAAAAAAAAB": must be a Kafka cluster id/],
    ['the all-zero cluster id', { metadata: { clusterId: 'AAAAAAAAAAAAAAAAAAAAAA' } }, /metadata\.clusterId = "AAAAAAAAAAAAAAAAAAAAAA": must not be the all-zero id/],
    ['an unknown mode', { metadata: { mode: 'raft' } }, /^fleet\.yaml: metadata\.mode = "raft": must be one of "zookeeper", "migration", "kraft"$/],
    ['controllers with too little memory for the heap', { controllers: { resources: { cpu: '1', memory: '1Gi' } } }, /controllers\.resources\.memory = "1Gi": must leave room above the heap \(2048 MiB\)/],
  ];
  test.each(cases)('%s', (_name, override, expected) => {
    const message = messageOf(kraft(), override);
    expect(message).toMatch(expected);
    expect(message).not.toContain('\n');
  });
});

describe('ZooKeeper mode: KRaft fields refused', () => {
  const zk = () => JSON.parse(JSON.stringify(DEFAULT_FLEET));
  const cases: Array<[string, unknown, RegExp]> = [
    ['controllers', { regions: DEFAULT_FLEET.regions.map((r) => ({ ...r, controllerReplicas: 1 })) }, /^fleet\.yaml: regions\[0\]\.controllerReplicas = 1: must be 0 with metadata\.mode "zookeeper"/],
    ['a cluster id', { metadata: { clusterId: 'RVjbH_2RiLGMJv5TjVB-0g' } }, /^fleet\.yaml: metadata\.clusterId = "RVjbH_2RiLGMJv5TjVB-0g": is for metadata\.mode "kraft" or "migration" only/],
    ['Kafka 4', { kafka: { image: IMAGES.kafkaKraft, version: VERSIONS.kraft.kafka } }, /^fleet\.yaml: kafka\.version = "4\.3\.1": must be a Kafka 3\.x release with metadata\.mode "zookeeper"/],
  ];
  test.each(cases)('%s', (_name, override, expected) => {
    const message = messageOf(zk(), override);
    expect(message).toMatch(expected);
    expect(message).not.toContain('\n');
  });
});

describe('KRaft mode: accepted', () => {
  test('the built-in KRaft fleet: 3 voters per region, Kafka 4.x on the KRaft image line', () => {
    const f = validateFleet(kraft());
    expect(f.kafka).toMatchObject({ image: IMAGES.kafkaKraft, version: VERSIONS.kraft.kafka });
    expect(IMAGES.kafkaKraft).toBe(`quay.io/strimzi/kafka:${VERSIONS.kraft.strimzi}-kafka-${VERSIONS.kraft.kafka}`);
    expect(f.regions.map((r) => [r.zookeeperReplicas, r.controllerReplicas])).toEqual([[0, 3], [0, 3], [0, 3]]);
  });

  test.each([[[1, 1, 1]], [[2, 2, 1]], [[3, 3, 3]], [[1, 2, 2]]])('voters %j: losing any one region keeps a majority', (counts) => {
    const f = validateFleet(mergeOverride(kraft(), withCounts(counts)));
    const voters = kraftControllers(f);
    for (const lost of f.regions) expect(voters.filter((v) => v.region.name !== lost.name).length).toBeGreaterThanOrEqual((voters.length + 1) / 2);
  });

  test('node ids: controllers count down from the top of each block, apart from the brokers, stable when brokers are added', () => {
    const f = validateFleet(kraft());
    const before = kraftControllers(f).map((c) => c.id);
    const more = validateFleet(mergeOverride(kraft(), { regions: regions.map((r) => ({ ...r, kafkaReplicas: 6 })), kafka: { defaultPartitions: 18 }, topic: { partitions: 72 } }));
    expect(kraftControllers(more).map((c) => c.id)).toEqual(before);
    const brokers = new Set(kafkaBrokers(more).map((b) => b.id));
    expect(kraftControllers(more).filter((c) => brokers.has(c.id))).toEqual([]);
    expect(controllerId(f, f.regions[0], 0)).toBe(f.idsPerRegion - 1);
  });

  test('the cluster id: the stored one, else one derived from name and namespace, always a valid Kafka Uuid', () => {
    const f = validateFleet(kraft());
    const derived = kraftClusterId(f);
    expect(derived).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(kraftClusterId(validateFleet(kraft()))).toBe(derived);
    expect(kraftClusterId(validateFleet(mergeOverride(kraft(), { name: 'other' })))).not.toBe(derived);
    // A derived id passes the same check as a stored one.
    expect(kraftClusterId(validateFleet(mergeOverride(kraft(), { metadata: { clusterId: derived } })))).toBe(derived);
  });

  test('a fleet file with metadata.mode kraft is merged over the KRaft defaults', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kraft-fleet-'));
    writeFileSync(join(dir, 'f.yaml'), 'metadata:\n  mode: kraft\n');
    const f = loadFleet(join(dir, 'f.yaml'));
    expect(f.metadata.mode).toBe('kraft');
    expect(f.kafka.version).toBe(VERSIONS.kraft.kafka);
    expect(loadFleet(join(__dirname, '../../../fleets/kraft.yaml')).metadata.clusterId).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });
});
