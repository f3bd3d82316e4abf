import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import {
  DEFAULT_FLEET,
  Fleet,
  FleetError,
  MAX_SOCKET_BUFFER_BYTES,
  bootstrapServers,
  brokerId,
  canonicalCidr,
  cidrsOverlap,
  parseLabelSelector,
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

describe('new fleet fields: defaults', () => {
  test('platform openshift, AKHQ without record contents, no ingress selector (the platform decides)', () => {
    const f = validateFleet(DEFAULT_FLEET);
    expect(f.platform).toBe('openshift');
    expect(f.akhq.exposure).toBe('route');
    expect(f.akhq.allowDataRead).toBe(false);
    expect(f.akhq.ingressNamespaceSelector).toBeUndefined();
  });
  test('an override replaces the ingress selector rather than adding to it', () => {
    const merged = validateFleet(mergeOverride(clone(), { platform: 'kubernetes', akhq: { exposure: 'ingress', ingressNamespaceSelector: 'app.kubernetes.io/name=traefik' } }));
    expect(parseLabelSelector(merged.akhq.ingressNamespaceSelector!)).toEqual({ 'app.kubernetes.io/name': 'traefik' });
  });
});

describe('parseLabelSelector', () => {
  test.each([
    ['kubernetes.io/metadata.name=ingress-nginx', { 'kubernetes.io/metadata.name': 'ingress-nginx' }],
    ['policy-group.network.openshift.io/ingress=', { 'policy-group.network.openshift.io/ingress': '' }],
    ['team=edge, tier=front', { team: 'edge', tier: 'front' }],
  ])('%s', (text, expected) => {
    expect(parseLabelSelector(text)).toEqual(expected);
  });
  test.each(['', 'ingress-nginx', '=x', 'a=b,a=c', 'Bad Key=x', 'a=b c', '/x=y', 'a/b/c=d', 'constructor=x,constructor=y'])('rejects %j', (text) => {
    expect(parseLabelSelector(text)).toBeUndefined();
  });
});

describe('canonicalCidr', () => {
  test.each([
    ['10.0.5.0/16', '10.0.0.0/16'],
    ['10.128.0.0/14', '10.128.0.0/14'],
    ['10.131.255.255/14', '10.128.0.0/14'],
    ['192.168.1.7/32', '192.168.1.7/32'],
    ['10.1.2.3/0', '0.0.0.0/0'],
    ['10.0.0.0/08', '10.0.0.0/8'],
    ['10.00.0.0/16', '10.0.0.0/16'],
  ])('%s -> %s', (cidr, canonical) => {
    expect(canonicalCidr(cidr)).toBe(canonical);
  });
});

describe('socket buffers fit a Java int', () => {
  test('the largest latency the error names is accepted, one more is not', () => {
    const f = (latencyMs: number) => mergeOverride(clone(), { network: { latencyMs } });
    expect(socketBufferBytes(validateFleet(f(613)))).toBeLessThanOrEqual(MAX_SOCKET_BUFFER_BYTES);
    expect(() => validateFleet(f(614))).toThrow(/at most 613 ms at this bandwidth$/);
  });
});

describe('fleetCommand', () => {
  // In its own process: parseArgs reads the real process.argv, and the exit code is the point.
  const run = (thrown: string) =>
    spawnSync(process.execPath, ['-r', 'sucrase/register', '-e', `const f = require(${JSON.stringify(join(__dirname, '../src'))}); process.exitCode = f.fleetCommand('synth', 'usage: synth', {}, () => { throw ${thrown}; });`], { encoding: 'utf8' });

  test('a CommandError (e.g. a refused write) is its message on one line and its exit code, no stack trace', () => {
    const res = run("new f.CommandError('clusters/us-east4/kafka/StatefulSet-kafka.yaml: is a folder; nothing was written', 1)");
    expect([res.status, res.stdout, res.stderr]).toEqual([1, '', 'clusters/us-east4/kafka/StatefulSet-kafka.yaml: is a folder; nothing was written\n']);
  });
  test('a FleetError exits 2', () => {
    const res = run("new f.FleetError('namespace', 'x', 'bad')");
    expect([res.status, res.stderr]).toEqual([2, 'fleet: namespace = "x": bad\n']);
  });
  test('anything else is a bug: one line saying so, exit 70, no stack trace unless asked for', () => {
    const res = run("new TypeError('boom\\nsecond line')");
    expect([res.status, res.stdout]).toEqual([70, '']);
    expect(res.stderr).toBe('synth: internal error, a bug (please report it with the fleet file; STRETCHED_KAFKA_DEBUG=1 shows the stack trace): TypeError: boom\n');
    const debug = spawnSync(process.execPath, ['-r', 'sucrase/register', '-e', `const f = require(${JSON.stringify(join(__dirname, '../src'))}); process.exitCode = f.fleetCommand('synth', 'usage: synth', {}, () => { throw new TypeError('boom'); });`], {
      encoding: 'utf8',
      env: { ...process.env, STRETCHED_KAFKA_DEBUG: '1' },
    });
    expect(debug.stderr).toMatch(/TypeError: boom\n\s+at /);
  });
  test('a message is printed on one line whatever it holds', () => {
    const res = run("new f.FleetError('topic.name', 'x', 'bad', 'evil\\nname\\u001b[31m.yaml')");
    expect([res.status, res.stderr]).toEqual([2, 'evil\\x0aname\\x1b[31m.yaml: topic.name = "x": bad\n']);
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
    ['zero brokers', { regions: [regions[0], regions[1], { ...regions[2], kafkaReplicas: 0 }] }, /regions\[2\]\.kafkaReplicas = 0: must be a whole number from 1 to 1001/],
    ['negative size', { kafka: { storage: { size: '-5Gi' } } }, /kafka\.storage\.size = "-5Gi": must be a Kubernetes quantity/],
    ['zero size', { zookeeper: { storage: { size: '0Gi' } } }, /zookeeper\.storage\.size = "0Gi": must be at least 1Gi/],
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
    ['socket buffers above a Java int', { network: { latencyMs: 700 } }, /^fleet\.yaml: network\.latencyMs = 700: with network\.bandwidthBytesPerSecond = 3500000000 gives 2450000000-byte socket buffers; Kafka's socket\.\*\.buffer\.bytes are Java ints \(at most 2147483647\), so at most 613 ms at this bandwidth$/],
    ['socket buffers above a Java int (bandwidth)', { network: { bandwidthBytesPerSecond: 40_000_000_000 } }, /network\.latencyMs = 70: with network\.bandwidthBytesPerSecond = 40000000000 gives 2800000000-byte socket buffers; .* at most 53 ms/],
    ['namespace too long for the users namespace', { namespace: 'n'.repeat(58) }, /^fleet\.yaml: namespace = "n{58}": must be at most 57 characters: the KafkaUsers live in "n{58}-users", which must be a DNS label of at most 63$/],
    ['namespace of 63 characters', { namespace: 'n'.repeat(63) }, /namespace = "n{63}": must be at most 57 characters/],
    ['CIDR with host bits set', { regions: [regions[0], { ...regions[1], podCidr: '10.132.5.0/14' }, regions[2]] }, /^fleet\.yaml: regions\[1\]\.podCidr = "10\.132\.5\.0\/14": is not in canonical form \(host bits set or leading zeros\): write 10\.132\.0\.0\/14$/],
    ['service CIDR with host bits set', { regions: [{ ...regions[0], serviceCidr: '172.30.0.1/16' }, regions[1], regions[2]] }, /regions\[0\]\.serviceCidr = "172\.30\.0\.1\/16": is not in canonical form \(host bits set or leading zeros\): write 172\.30\.0\.0\/16$/],
    ['gitops.path going up', { gitops: { path: '../x' } }, /^fleet\.yaml: gitops\.path = "\.\.\/x": must be a relative folder inside the repository such as clusters or deploy\/clusters/],
    ['gitops.path going up in the middle', { gitops: { path: 'deploy/../../x' } }, /gitops\.path = "deploy\/\.\.\/\.\.\/x": must be a relative folder inside the repository/],
    ['gitops.path absolute', { gitops: { path: '/srv/clusters' } }, /gitops\.path = "\/srv\/clusters": must be a relative folder inside the repository/],
    ['gitops.path with a trailing slash', { gitops: { path: 'clusters/' } }, /gitops\.path = "clusters\/": must be a relative folder/],
    ['gitops.path dot', { gitops: { path: '.' } }, /gitops\.path = "\.": must be a relative folder/],
    ['unknown platform', { platform: 'eks' }, /^fleet\.yaml: platform = "eks": must be one of "openshift", "kubernetes"$/],
    ['Route on plain Kubernetes', { platform: 'kubernetes' }, /^fleet\.yaml: akhq\.exposure = "route": needs platform "openshift" \(platform is "kubernetes"\): Routes are an OpenShift API; use "ingress" or "none"$/],
    ['allowDataRead not a boolean', { akhq: { allowDataRead: 'yes' } }, /akhq\.allowDataRead = "yes": Expected boolean, received string/],
    ['empty ingress selector', { akhq: { ingressNamespaceSelector: '' } }, /akhq\.ingressNamespaceSelector = "": must be a label selector such as kubernetes\.io\/metadata\.name=ingress-nginx/],
    ['ingress selector without a value', { akhq: { ingressNamespaceSelector: 'ingress-nginx' } }, /akhq\.ingressNamespaceSelector = "ingress-nginx": must be a label selector/],
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
