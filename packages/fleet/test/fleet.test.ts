import {
  DEFAULT_FLEET,
  Fleet,
  FleetError,
  bootstrapServers,
  brokerId,
  cidrsOverlap,
  clustersetPodName,
  kafkaBrokers,
  mergeOverride,
  parseOverride,
  socketBufferBytes,
  validateFleet,
  zookeeperConnect,
  zookeeperId,
  zookeeperNodes,
} from '../src';

const clone = (): Fleet => JSON.parse(JSON.stringify(DEFAULT_FLEET));

function errorOf(override: unknown): FleetError {
  try {
    validateFleet(mergeOverride(clone(), override), 'fleet.yaml');
  } catch (e) {
    if (e instanceof FleetError) return e;
    throw e;
  }
  throw new Error('expected a FleetError');
}

describe('default fleet', () => {
  test('is valid and is the reference deployment', () => {
    const f = validateFleet(DEFAULT_FLEET);
    expect(f.regions.map((r) => r.name)).toEqual(['us-east4', 'us-central1', 'us-west4']);
    expect(kafkaBrokers(f)).toHaveLength(9);
    expect(zookeeperNodes(f)).toHaveLength(9);
    expect(f.kafka.replicationFactor).toBe(3);
    expect(f.kafka.minInsyncReplicas).toBe(2);
    expect(f.topic.partitions).toBe(72);
    expect(f.kafka.image).toMatch(/^quay\.io\/strimzi\/kafka:0\.45\.\d+-kafka-3\.9\.\d+$/);
  });
});

describe('id schemes', () => {
  const f = DEFAULT_FLEET;
  test('broker ids are unique across regions and come from the region block', () => {
    const ids = kafkaBrokers(f).map((b) => b.id);
    expect(ids).toEqual([0, 1, 2, 10, 11, 12, 20, 21, 22]);
    expect(brokerId(f, f.regions[2], 1)).toBe(21);
  });
  test('ZooKeeper ids are 1-based, unique and inside 1..255', () => {
    const ids = zookeeperNodes(f).map((n) => n.id);
    expect(ids).toEqual([1, 2, 3, 11, 12, 13, 21, 22, 23]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(zookeeperId(f, f.regions[1], 0)).toBe(11);
  });
  test('ids do not move when a region is reordered', () => {
    const reordered = { ...f, regions: [f.regions[2], f.regions[0], f.regions[1]] };
    const byPod = (fl: Fleet) => Object.fromEntries(kafkaBrokers(fl).map((b) => [`${b.region.name}/${b.pod}`, b.id]));
    expect(byPod(reordered)).toEqual(byPod(f));
  });
});

describe('DNS names', () => {
  const f = DEFAULT_FLEET;
  test('clusterset pod names follow Lighthouse: pod.clusterid.svc.ns.svc.clusterset.local', () => {
    expect(clustersetPodName(f, f.regions[1], 'kafka-brokers', 'kafka-2')).toBe('kafka-2.cluster2.kafka-brokers.kafka.svc.clusterset.local');
  });
  test('zookeeper.connect lists all nine servers on the TLS port', () => {
    const servers = zookeeperConnect(f).split(',');
    expect(servers).toHaveLength(9);
    expect(servers.every((s) => s.endsWith('.zookeeper-nodes.kafka.svc.clusterset.local:2281'))).toBe(true);
  });
  test('bootstrap lists the local brokers first, then one per other region', () => {
    const list = bootstrapServers(f, f.regions[1]).split(',');
    expect(list.slice(0, 3).every((h) => h.includes('.cluster2.'))).toBe(true);
    expect(list.slice(3).map((h) => h.split('.')[1])).toEqual(['cluster1', 'cluster3']);
  });
});

describe('buffer math', () => {
  test('3.5 GB/s x 70 ms = 245,000,000 bytes', () => {
    expect(socketBufferBytes(DEFAULT_FLEET)).toBe(245_000_000);
  });
  test('follows the fleet figures', () => {
    expect(socketBufferBytes({ ...DEFAULT_FLEET, network: { ...DEFAULT_FLEET.network, bandwidthBytesPerSecond: 1_000_000_000, latencyMs: 10 } })).toBe(10_000_000);
  });
});

describe('CIDR overlap', () => {
  test.each([
    ['10.0.0.0/16', '10.0.255.0/24', true],
    ['10.0.0.0/16', '10.1.0.0/16', false],
    ['10.128.0.0/14', '10.131.255.255/32', true],
    ['10.128.0.0/14', '10.132.0.0/14', false],
  ])('%s vs %s -> %s', (a, b, expected) => {
    expect(cidrsOverlap(a, b)).toBe(expected);
  });
});

describe('override merge', () => {
  test('objects merge key by key, arrays replace', () => {
    const merged = mergeOverride(clone(), { kafka: { heapMb: 4096 }, regions: [DEFAULT_FLEET.regions[0]] }) as Fleet;
    expect(merged.kafka.heapMb).toBe(4096);
    expect(merged.kafka.replicationFactor).toBe(3);
    expect(merged.regions).toHaveLength(1);
  });
});

describe('bad input: one line naming field, value and what is allowed', () => {
  const regions = DEFAULT_FLEET.regions;
  const cases: [string, unknown, RegExp][] = [
    ['min ISR >= RF', { kafka: { minInsyncReplicas: 3 } }, /^fleet\.yaml: kafka\.minInsyncReplicas = 3: must be below kafka\.replicationFactor \(3\)/],
    ['min ISR of 1', { kafka: { minInsyncReplicas: 1 } }, /kafka\.minInsyncReplicas = 1: must be at least 2/],
    ['fewer regions than replicas', { regions: regions.slice(0, 2).map((r) => ({ ...r, zookeeperReplicas: 1 })).concat([]), kafka: { defaultPartitions: 6 }, topic: { partitions: 6 } }, /regions = "2 regions": must number at least kafka\.replicationFactor \(3\)/],
    ['even ensemble', { regions: [regions[0], regions[1], { ...regions[2], zookeeperReplicas: 2 }] }, /regions\[\]\.zookeeperReplicas = "8 in total": must add up to an odd number/],
    ['oversized ensemble', { idsPerRegion: 20, regions: regions.map((r) => ({ ...r, zookeeperReplicas: 7 })) }, /"21 in total": must add up to at most 15/],
    ['one region holding a ZooKeeper majority', { regions: [{ ...regions[0], zookeeperReplicas: 5 }, { ...regions[1], zookeeperReplicas: 1 }, { ...regions[2], zookeeperReplicas: 1 }] }, /no region may hold 5 of 7 ZooKeeper nodes/],
    ['overlapping CIDRs', { regions: [regions[0], { ...regions[1], podCidr: '10.130.0.0/16' }, regions[2]] }, /regions\[1\]\.podCidr = "10\.130\.0\.0\/16": overlaps regions\[0\]\.podCidr/],
    ['duplicate cluster id', { regions: [regions[0], regions[1], { ...regions[2], clusterId: 'cluster1' }] }, /regions\[2\]\.clusterId = "cluster1": must be unique across regions/],
    ['non-DNS cluster id', { regions: [regions[0], regions[1], { ...regions[2], clusterId: 'Cluster_3' }] }, /regions\[2\]\.clusterId = "Cluster_3": must be a DNS-1123 label/],
    ['duplicate id block', { regions: [regions[0], regions[1], { ...regions[2], idBlock: 0 }] }, /regions\[2\]\.idBlock = 0: must be unique across regions/],
    ['zero brokers', { regions: [regions[0], regions[1], { ...regions[2], kafkaReplicas: 0 }] }, /regions\[2\]\.kafkaReplicas = 0: must be a whole number above zero/],
    ['negative size', { kafka: { storage: { size: '-5Gi' } } }, /kafka\.storage\.size = "-5Gi": must be a Kubernetes quantity/],
    ['zero size', { zookeeper: { storage: { size: '0Gi' } } }, /zookeeper\.storage\.size = "0Gi": must be a quantity above zero/],
    ['unknown key', { kafka: { replicationFactr: 3 } }, /kafka\.replicationFactr = 3: unknown key/],
    ['unknown region key', { regions: [{ ...regions[0], rack: 'x' }, regions[1], regions[2]] }, /regions\[0\]\.rack = "x": unknown key/],
    ['wrong type', { kafka: { replicationFactor: 'three' } }, /kafka\.replicationFactor = "three": Expected number, received string/],
    ['partitions not a multiple of brokers', { topic: { partitions: 70 } }, /topic\.partitions = 70: must be a multiple of the broker count \(9\)/],
    ['unpinned image', { kafka: { image: 'quay.io/strimzi/kafka:latest' } }, /kafka\.image = "quay\.io\/strimzi\/kafka:latest": must be pinned to a version/],
    ['image without tag', { kafka: { image: 'quay.io/strimzi/kafka' } }, /must be pinned with a tag or digest/],
    ['globalnet on', { submariner: { globalnet: true } }, /submariner\.globalnet = true: must be false/],
    ['broker region not in fleet', { submariner: { brokerRegion: 'eu-west1' } }, /submariner\.brokerRegion = "eu-west1": must name one of the regions \(us-east4, us-central1, us-west4\)/],
    ['heap above memory', { kafka: { heapMb: 16384 } }, /kafka\.resources\.memory = "16Gi": must leave room above the heap/],
    ['renewBefore >= duration', { pki: { renewBefore: '2160h' } }, /pki\.renewBefore = "2160h": must be shorter than pki\.duration/],
    ['unknown issuer kind', { pki: { issuer: { kind: 'Vault', name: 'x' } } }, /pki\.issuer\.kind = "Vault": must be one of "ClusterIssuer", "Issuer"/],
    ['cable driver', { submariner: { cableDriver: 'ipsec' } }, /submariner\.cableDriver = "ipsec": must be one of "vxlan", "libreswan", "wireguard"/],
    ['ZooKeeper id above 255', { idsPerRegion: 100, regions: [regions[0], regions[1], { ...regions[2], idBlock: 3 }] }, /regions\[2\]\.idBlock = 3: gives ZooKeeper id 303; ZooKeeper server ids must be 1\.\.255/],
  ];
  test.each(cases)('%s', (_name, override, expected) => {
    const e = errorOf(override);
    expect(e.message).toMatch(expected);
    expect(e.message).not.toContain('\n');
  });

  test('unparseable override file names the file and line', () => {
    expect(() => parseOverride('kafka:\n  heapMb: [1,\n', 'fleet.yaml')).toThrow(/^fleet\.yaml: \(file\) = "fleet\.yaml": must be valid YAML: .* at line \d+$/);
  });
  test('an override that is not a mapping', () => {
    expect(() => parseOverride('- a\n- b\n', 'fleet.yaml')).toThrow(/\(top level\) = \["a","b"\]: must be a mapping of fleet fields/);
  });
  test('an empty override file means the defaults', () => {
    expect(parseOverride('', 'fleet.yaml')).toEqual({});
  });
});
