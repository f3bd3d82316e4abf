import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_FLEET, Fleet, FleetError, MAX_FLEET_FILE_BYTES, loadFleet, mergeOverride, parseOverride, validateFleet } from '../src';

// Issue 8: every fleet value that reaches a generated object is checked, and no input file crashes the loader.

const clone = (): Fleet => JSON.parse(JSON.stringify(DEFAULT_FLEET));
const regions = DEFAULT_FLEET.regions;

function messageOf(override: unknown): string {
  try {
    validateFleet(mergeOverride(clone(), override), 'fleet.yaml');
  } catch (e) {
    if (e instanceof FleetError) return e.message;
    throw e;
  }
  throw new Error('expected a FleetError');
}

const withRegion = (i: number, r: object) => ({ regions: regions.map((x, j) => (j === i ? { ...x, ...r } : x)) });

type Case = [string, unknown, RegExp];

const cases: Record<string, Case[]> = {
  numbers: [
    ['partitions beyond a Java int', { topic: { partitions: 2_147_483_655 } }, /topic\.partitions = 2147483655: must be a whole number from 1 to 2147483647 \(a Java int\)$/],
    ['default partitions beyond a Java int', { kafka: { defaultPartitions: 9_999_999_999_999 } }, /kafka\.defaultPartitions = 9999999999999: must be a whole number from 1 to 2147483647/],
    [
      'a broker id above reserved.broker.max.id in a region without ZooKeeper',
      {
        regions: [...regions, { ...regions[2], name: 'eu-west1', clusterId: 'cluster4', idBlock: 150, podCidr: '10.140.0.0/14', serviceCidr: '172.28.0.0/16', zookeeperReplicas: 0 }],
        kafka: { defaultPartitions: 12 },
      },
      /regions\[3\]\.idBlock = 150: gives broker id 1502 \(idBlock x idsPerRegion 10 \+ ordinal\); Kafka refuses configured broker ids above reserved\.broker\.max\.id \(1000\)$/,
    ],
    ['records beyond a safe integer (1e30)', { load: { records: 1e30 } }, /load\.records = 1e\+30: must be a whole number above zero$/],
    ['run in exponent form beyond a safe integer', { load: { run: 1e21 } }, /load\.run = 1e\+21: must be a whole number, zero or more$/],
    ['a fraction', { load: { records: 1.5 } }, /load\.records = 1\.5: must be a whole number above zero$/],
    ['infinity', { load: { records: Infinity } }, /load\.records = Infinity: must be a whole number above zero$/],
    ['an infinite latency', { network: { latencyMs: Infinity } }, /network\.latencyMs = Infinity: must be a finite number$/],
    ['socket buffers of a few bytes from a tiny latency', { network: { latencyMs: 0.0001 } }, /network\.latencyMs = 0\.0001: .* gives 350-byte socket buffers; they must be at least 65536 bytes \(64 KiB\)/],
    ['socket buffers of a few bytes from a tiny bandwidth', { network: { bandwidthBytesPerSecond: 1 } }, /gives 1-byte socket buffers; they must be at least 65536 bytes/],
    ['more producers than an Indexed Job may have', withRegion(0, { producers: 100_001 }), /regions\[0\]\.producers = 100001: must be a whole number from 0 to 100000 \(pods of one Indexed Job\)$/],
    ['a batch above message.max.bytes', { load: { batchBytes: 2_000_000 } }, /load\.batchBytes = 2000000: must be a whole number from 1 to 1048576/],
    ['a linger the load program refuses', { load: { lingerMs: 60_001 } }, /load\.lingerMs = 60001: must be a whole number from 0 to 60000/],
    ['a heap too small to start', { zookeeper: { heapMb: 1 } }, /zookeeper\.heapMb = 1: must be a whole number of at least 64$/],
    ['a replication factor beyond a short', { kafka: { replicationFactor: 40_000 } }, /kafka\.replicationFactor = 40000: must be a whole number from 1 to 32767/],
    ['a negative price', { cost: { instanceUsdPerHour: -1 } }, /cost\.instanceUsdPerHour = -1: must be zero or more$/],
  ],
  resources: [
    ['a CPU limit below the request', { kafka: { resources: { cpuLimit: '2' } } }, /kafka\.resources\.cpuLimit = "2": must not be below the request kafka\.resources\.cpu \(4\)/],
    ['a memory limit below the request', { zookeeper: { resources: { memoryLimit: '2Gi' } } }, /zookeeper\.resources\.memoryLimit = "2Gi": must not be below the request zookeeper\.resources\.memory \(4Gi\)/],
    ['1m of storage', { kafka: { storage: { size: '1m' } } }, /kafka\.storage\.size = "1m": must be at least 1Gi/],
    ['storage below 1Gi', { zookeeper: { storage: { size: '1023Mi' } } }, /zookeeper\.storage\.size = "1023Mi": must be at least 1Gi/],
    ['memory below 128Mi', { zookeeper: { heapMb: 64, resources: { memory: '127Mi' } } }, /zookeeper\.resources\.memory = "127Mi": must be at least 128Mi/],
    ['a CPU below 10m', { kafka: { resources: { cpu: '9m' } } }, /kafka\.resources\.cpu = "9m": must be at least 10m/],
    ['a quantity beyond int64', { kafka: { storage: { size: '99999999999999999999Ti' } } }, /is larger than a Kubernetes quantity can hold$/],
  ],
  names: [
    ['topic a..b', { topic: { name: 'a..b' } }, /topic\.name = "a\.\.b": gives the KafkaTopic name "a\.\.b", which is not a DNS-1123 subdomain/],
    ['topic ..', { topic: { name: '..' } }, /topic\.name = "\.\.": must be a Kafka topic name: 1 to 249 letters, digits, "\.", "_" and "-", not "\." or "\.\."$/],
    ['topic .', { topic: { name: '.' } }, /topic\.name = "\.": must be a Kafka topic name/],
    ['topic of 250 characters', { topic: { name: 't'.repeat(250) } }, /must be a Kafka topic name/],
    ['topic whose KafkaTopic name is no subdomain', { topic: { name: 'a._b' } }, /gives the KafkaTopic name "a\.-b"/],
    ['cluster domain with ..', { network: { clusterDomain: 'cluster..local' } }, /network\.clusterDomain = "cluster\.\.local": must be a DNS name/],
    ['cluster domain with a leading dot', { network: { clusterDomain: '.cluster.local' } }, /network\.clusterDomain = "\.cluster\.local": must be a DNS name/],
    ['cluster domain with a trailing dot', { network: { clusterDomain: 'cluster.local.' } }, /must be a DNS name/],
    ['cluster domain with a label of 64', { network: { clusterDomain: `${'a'.repeat(64)}.local` } }, /must be a DNS name/],
    ['cluster domain making SANs too long', { network: { clusterDomain: Array(4).fill('a'.repeat(60)).join('.') } }, /network\.clusterDomain = .*: makes the certificate name kafka-0\.kafka-brokers\.kafka\.svc\..* longer than a DNS name may be/],
    ['AKHQ domain with ..', { akhq: { domain: 'apps..example.com' } }, /akhq\.domain = "apps\.\.example\.com": must be a DNS name/],
    ['AKHQ domain in capitals', { akhq: { domain: 'Apps.Example.com' } }, /akhq\.domain = "Apps\.Example\.com": must be a DNS name/],
    ['AKHQ host too long', { akhq: { domain: Array(4).fill('b'.repeat(60)).join('.') } }, /akhq\.domain = .*: makes the AKHQ host akhq\.us-east4\..* longer than a DNS name may be/],
    ['storage class with an underscore', { kafka: { storage: { storageClass: 'premium_ssd' } } }, /kafka\.storage\.storageClass = "premium_ssd": must be a storage class name: a DNS-1123 subdomain/],
    ['storage class with ..', { zookeeper: { storage: { storageClass: 'a..b' } } }, /zookeeper\.storage\.storageClass = "a\.\.b": must be a storage class name/],
  ],
  certificates: [
    ['a duration below an hour', { pki: { duration: '59m', renewBefore: '10m' } }, /pki\.duration = "59m": must be at least 1h \(cert-manager's minimum\)$/],
    ['renewBefore below 5 minutes', { pki: { renewBefore: '4m59s' } }, /pki\.renewBefore = "4m59s": must be at least 5m \(cert-manager's minimum\)$/],
    ['renewBefore not below the duration', { pki: { duration: '24h', renewBefore: '1440m' } }, /pki\.renewBefore = "1440m": must be shorter than pki\.duration \(24h\)$/],
    ['days', { pki: { duration: '90d' } }, /pki\.duration = "90d": must be a Go duration such as 2160h/],
    ['negative', { pki: { renewBefore: '-1h' } }, /pki\.renewBefore = "-1h": must be a Go duration/],
  ],
  versions: [
    ['kafka.version not the image Kafka', { kafka: { image: 'quay.io/strimzi/kafka:0.45.0-kafka-3.9.0', version: '3.8.1' } }, /kafka\.version = "3\.8\.1": must be the Kafka version of kafka\.image \(3\.9\.0 in quay\.io\/strimzi\/kafka:0\.45\.0-kafka-3\.9\.0\)/],
    ['a Kafka minor that does not exist', { kafka: { version: '3.10.0' } }, /kafka\.version = "3\.10\.0": must be an Apache Kafka version such as 3\.9\.2 \(3\.x, ZooKeeper mode\) or 4\.3\.1 \(4\.x, KRaft mode\)/],
    ['a Strimzi image without the Kafka version', { kafka: { image: 'quay.io/strimzi/kafka:0.45.0' } }, /kafka\.image = "quay\.io\/strimzi\/kafka:0\.45\.0": is a Strimzi Kafka image, whose tags are <strimzi version>-kafka-<kafka version>/],
    ['a mirrored Strimzi image of another Kafka', { kafka: { image: 'registry:5000/mirror/strimzi/kafka:0.45.0-kafka-3.8.1', version: '3.9.0' } }, /kafka\.version = "3\.9\.0": must be the Kafka version of kafka\.image \(3\.8\.1/],
    ['another image with a digest only', { kafka: { image: `registry.corp/kafka@sha256:${'a'.repeat(64)}` } }, /kafka\.image = .*: must carry a tag/],
  ],
  urls: [
    ['a plaintext Git URL', { gitops: { repoUrl: 'http://git.corp/kafka.git' } }, /gitops\.repoUrl = "http:\/\/git\.corp\/kafka\.git": must be an https:\/\/, ssh:\/\/ or user@host:path Git URL/],
    ['a token in the Git URL', { gitops: { repoUrl: 'https://x:ghp_secret@git.corp/kafka.git' } }, /no credentials in the URL/],
    ['a plaintext API server', withRegion(1, { kubeApiServer: 'http://api.cluster2.example.com:6443' }), /regions\[1\]\.kubeApiServer = "http:\/\/api\.cluster2\.example\.com:6443": must be an https:\/\/ URL with a host and an optional port/],
    ['an scp-style API server', { submariner: { brokerApiServer: 'git@api.cluster1.example.com:6443' } }, /submariner\.brokerApiServer = "git@api\.cluster1\.example\.com:6443": must be an https:\/\/ URL/],
    ['a revision with a space', { gitops: { revision: 'main branch' } }, /gitops\.revision = "main branch": must be a Git branch, tag or commit id: must not hold spaces/],
    ['a revision with ;', { gitops: { revision: 'main;reboot' } }, /gitops\.revision = "main;reboot": must be a Git branch, tag or commit id: must not hold shell or template characters/],
    ['a revision with a newline', { gitops: { revision: 'main\nx' } }, /gitops\.revision = "main\\nx": must be a Git branch, tag or commit id/],
    ['a revision ending .lock', { gitops: { revision: 'v1.lock' } }, /must not have a component ending with "\.lock"/],
    ['a template in the revision', { gitops: { revision: '{{.region}}' } }, /^fleet\.yaml: gitops\.revision = "\{\{\.region\}\}": must not hold "\{\{" or "\}\}": the Argo CD ApplicationSet renders with goTemplate/],
    ['a template in a region field', withRegion(2, { kubeApiServer: 'https://{{.server}}:6443' }), /regions\[2\]\.kubeApiServer = "https:\/\/\{\{\.server\}\}:6443": must not hold "\{\{"/],
    ['a closing delimiter in the cost section', { cost: { x: 'a }} b' } }, /cost\.x = "a \}\} b": must not hold/],
  ],
  images: [
    ['LATEST in capitals', { akhq: { image: 'tchiotludo/akhq:LATEST' } }, /akhq\.image = "tchiotludo\/akhq:LATEST": must be pinned to a version, not latest$/],
    ['Latest', { load: { image: 'ghcr.io/corp/load:Latest' } }, /load\.image = .*: must be pinned to a version, not latest$/],
    ['no tag or digest', { load: { image: 'registry:5000/load' } }, /load\.image = "registry:5000\/load": must be pinned with a tag or digest/],
    ['capitals in the path', { load: { image: 'ghcr.io/Corp/load:1.0' } }, /the repository path must be lowercase/],
  ],
  cidrs: [
    ['half of IPv4 as a pod CIDR', withRegion(0, { podCidr: '0.0.0.0/1' }), /regions\[0\]\.podCidr = "0\.0\.0\.0\/1": overlaps 0\.0\.0\.0\/8, which is never a pod network$/],
    ['a public pod CIDR', withRegion(1, { podCidr: '8.8.0.0/16' }), /regions\[1\]\.podCidr = "8\.8\.0\.0\/16": must be inside private space \(10\.0\.0\.0\/8, 172\.16\.0\.0\/12, 192\.168\.0\.0\/16, 100\.64\.0\.0\/10\).*set network\.allowPublicPodCidrs: true/],
    ['a pod CIDR wider than /8', withRegion(0, { podCidr: '10.0.0.0/7' }), /regions\[0\]\.podCidr = "10\.0\.0\.0\/7": is wider than \/8/],
    ['a pod CIDR wider than /8, opted in', { network: { allowPublicPodCidrs: true }, ...withRegion(0, { podCidr: '64.0.0.0/7' }) }, /regions\[0\]\.podCidr = "64\.0\.0\.0\/7": is wider than \/8/],
    ['loopback, opted in', { network: { allowPublicPodCidrs: true }, ...withRegion(0, { podCidr: '127.0.0.0/16' }) }, /overlaps 127\.0\.0\.0\/8, which is never a pod network/],
    ['a public service CIDR', withRegion(2, { serviceCidr: '52.0.0.0/16' }), /regions\[2\]\.serviceCidr = "52\.0\.0\.0\/16": must be inside private space/],
    ['a service CIDR wider than /12', withRegion(2, { serviceCidr: '10.64.0.0/11' }), /regions\[2\]\.serviceCidr = "10\.64\.0\.0\/11": is wider than \/12/],
  ],
};

describe.each(Object.entries(cases))('refused (%s): one line naming field, value and what is allowed', (_category, list) => {
  test.each(list)('%s', (_name, override, expected) => {
    const message = messageOf(override);
    expect(message).toMatch(expected);
    expect(message).not.toContain('\n');
  });
});

describe('accepted', () => {
  const ok = (override: unknown) => validateFleet(mergeOverride(clone(), override));
  test('integers written in exponent form are their value (YAML core schema: 1e6 is 1000000)', () => {
    expect(ok(parseOverride('load: {records: 1e6, run: 2.0e0}\n', 'fleet.yaml')).load).toMatchObject({ records: 1_000_000, run: 2 });
  });
  test('a registry with a port, a digest after a tag, a mirrored Strimzi image of the same Kafka', () => {
    const f = ok({ load: { image: 'registry:5000/name:tag' }, akhq: { image: `localhost:5000/akhq:0.25.1@sha256:${'c'.repeat(64)}` }, kafka: { image: 'registry.corp:5000/strimzi/kafka:0.45.0-kafka-3.9.0', version: '3.9.0' } });
    expect(f.load.image).toBe('registry:5000/name:tag');
  });
  test('a non-Strimzi broker image with a tag (its Kafka version cannot be known)', () => {
    expect(ok({ kafka: { image: 'registry.corp/platform/kafka:3.9.2-corp1' } }).kafka.image).toBe('registry.corp/platform/kafka:3.9.2-corp1');
  });
  test('limits at the request, Go durations with fractions, a topic whose KafkaTopic name is derived', () => {
    const f = ok({ kafka: { resources: { cpuLimit: '4', memoryLimit: '16Gi' } }, pki: { duration: '1h', renewBefore: '5m' }, topic: { name: 'Perf_Test.v2' } });
    expect(f.pki.duration).toBe('1h');
    ok({ pki: { duration: '720h30m', renewBefore: '1.5h' } });
  });
  test('RFC 6598 and public pod CIDRs with the opt-in', () => {
    ok(withRegion(0, { podCidr: '100.64.0.0/14' }));
    expect(ok({ network: { allowPublicPodCidrs: true }, ...withRegion(0, { podCidr: '34.64.0.0/14', serviceCidr: '34.118.224.0/20' }) }).regions[0].podCidr).toBe('34.64.0.0/14');
  });
  test('ssh and scp-style Git URLs, a commit id, a branch with a slash', () => {
    ok({ gitops: { repoUrl: 'ssh://git@git.corp:2222/platform/kafka.git', revision: 'release/2026-12' } });
    ok({ gitops: { repoUrl: 'git@github.com:corp/kafka.git', revision: 'a'.repeat(40) } });
  });
  test('the default network opt-in is off', () => {
    expect(DEFAULT_FLEET.network.allowPublicPodCidrs).toBe(false);
  });
});

describe('loading never crashes: one line, bounded time and memory', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-load-'));
  const file = (name: string, content: string | Buffer) => {
    const p = join(dir, name);
    writeFileSync(p, content);
    return p;
  };
  const loadError = (path: string): string => {
    try {
      loadFleet(path);
    } catch (e) {
      if (e instanceof FleetError) return e.message;
      throw e;
    }
    throw new Error('expected a FleetError');
  };

  test('an alias bomb stops at the value bound within a second', () => {
    const levels = Array.from({ length: 9 }, (_, i) => `l${i + 1}: &l${i + 1} [${Array(10).fill(`*l${i}`).join(', ')}]`);
    const bomb = file('bomb.yaml', ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]', ...levels, 'regions: *l9', ''].join('\n'));
    const started = Date.now();
    expect(loadError(bomb)).toMatch(/bomb\.yaml: \(file\) = .*: must hold at most 20000 values once YAML aliases are expanded \(is it an alias bomb\?\)$/);
    expect(Date.now() - started).toBeLessThan(1000);
  });
  test('an alias that contains itself', () => {
    expect(loadError(file('cycle.yaml', 'kafka: &k\n  storage: *k\n'))).toMatch(/kafka\.storage = "\(alias\)": is a YAML alias that contains itself$/);
  });
  test('benign aliases are expanded', () => {
    const f = loadFleet(file('alias.yaml', 'kafka:\n  storage: &s {size: 500Gi, storageClass: premium}\nzookeeper:\n  storage: *s\n'));
    expect(f.zookeeper.storage).toEqual({ size: '500Gi', storageClass: 'premium' });
  });
  test('nesting too deep for the YAML parser', () => {
    expect(loadError(file('deep.yaml', `kafka: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`))).toMatch(/deep\.yaml: \(file\) = .*: must be valid YAML: it nests too deeply/);
    expect(loadError(file('deep2.yaml', `kafka: ${'['.repeat(40)}${']'.repeat(40)}\n`))).toMatch(/nests deeper than 32 levels/);
  });
  test('a folder, a device, a pipe', () => {
    const folder = join(dir, 'folder.yaml');
    mkdirSync(folder);
    expect(loadError(folder)).toMatch(/folder\.yaml: --fleet = .*: is not a regular file \(a folder, device or pipe\)/);
    expect(loadError('/dev/zero')).toBe('/dev/zero: --fleet = "/dev/zero": is not a regular file (a folder, device or pipe); give a fleet YAML file');
    const fifo = join(dir, 'fifo.yaml');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    expect(loadError(fifo)).toMatch(/is not a regular file/);
  });
  test('a file above 1 MiB is refused before it is read', () => {
    expect(loadError(file('big.yaml', `# ${'x'.repeat(MAX_FLEET_FILE_BYTES)}\n`))).toMatch(/big\.yaml: --fleet = .*: is 1048579 bytes; a fleet file may have at most 1048576 \(1 MiB\)$/);
  });
  test('binary, UTF-16 and NUL bytes', () => {
    expect(loadError(file('bin.yaml', Buffer.from([0xc3, 0x28, 0xff, 0xfe])))).toMatch(/must be UTF-8 text/);
    expect(loadError(file('utf16.yaml', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('kafka: {}\n', 'utf16le')])))).toMatch(/must be UTF-8 text/);
    expect(loadError(file('nul.yaml', 'kafka: {heapMb: 4096}\0\n'))).toMatch(/holds NUL bytes/);
  });
  test('keys that name an object prototype', () => {
    expect(loadError(file('proto.yaml', 'kafka:\n  __proto__: {replicationFactr: 3}\n'))).toMatch(/kafka\.__proto__ = "\(mapping\)": unknown key/);
    expect(loadError(file('ctor.yaml', 'constructor: {x: 1}\n'))).toMatch(/constructor = "\(mapping\)": unknown key/);
  });
  test('a byte order mark and CRLF line ends still work; an empty file means the defaults', () => {
    expect(loadFleet(file('bom.yaml', '\ufeffkafka:\r\n  heapMb: 4096\r\nload:\r\n  run: 7\r\n')).load.run).toBe(7);
    expect(loadFleet(file('empty.yaml', ''))).toEqual(validateFleet(DEFAULT_FLEET));
    expect(loadFleet(file('comments.yaml', '# nothing\n'))).toEqual(validateFleet(DEFAULT_FLEET));
  });
});
