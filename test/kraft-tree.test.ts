import { join } from 'node:path';
import { KRAFT, KRAFT_CLUSTER_ID_ANNOTATION, TLS, VERSIONS, ZOOKEEPER, kraftClusterId, kraftControllers, loadFleet, mergeOverride, strimziRelease, validateFleet } from '@stretched-kafka/fleet';
import { COMPONENTS, immutableChanges, immutableMessage, render } from '@stretched-kafka/synth';
import { controllerDnsNames } from '@stretched-kafka/certificates';
import { crdErrors } from './helpers';

// The whole tree of the reference KRaft fleet (fleets/kraft.yaml), as `npm run synth -- --fleet
// fleets/kraft.yaml` writes it.

const fleet = loadFleet(join(__dirname, '..', 'fleets', 'kraft.yaml'));
const rendered = render(fleet);
const files = new Map(rendered.files.map((f) => [f.path, f.content]));
const objects = rendered.files.flatMap((f) => f.objects.map((o) => ({ file: f.path, o: o as any })));

test('fleets/kraft.yaml is the built-in fleet in KRaft mode with a stored cluster id', () => {
  expect(fleet.metadata).toEqual({ mode: 'kraft', clusterId: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/) });
  expect(fleet.kafka.version).toBe(VERSIONS.kraft.kafka);
});

test('every region has a controllers/ layer in ZooKeeper\'s place, before the brokers', () => {
  for (const r of fleet.regions) {
    const layers = [...new Set(rendered.files.filter((f) => f.region === r.name).map((f) => f.component))];
    expect(layers).toContain('controllers');
    expect(layers).not.toContain('zookeeper');
    expect(layers.indexOf('controllers')).toBeLessThan(layers.indexOf('kafka'));
    const cm = [...files.keys()].filter((p) => p.startsWith(`${r.name}/controllers/ConfigMap-`));
    expect(cm).toEqual([`${r.name}/controllers/ConfigMap-kafka-controller-config.yaml`]);
  }
  expect([...files.keys()].some((p) => p.includes('/zookeeper/') || p.includes(ZOOKEEPER.headless))).toBe(false);
  const waves = new Map(COMPONENTS.map((c) => [c.name, c.wave]));
  expect(waves.get('controllers')).toBeLessThan(waves.get('kafka')!);
});

test('validates against the Kubernetes and CRD schemas (Strimzi 1.2 serves kafka.strimzi.io/v1)', () => {
  expect(crdErrors(objects.map((x) => x.o))).toEqual([]);
  const strimzi = objects.filter((x) => ['KafkaTopic', 'KafkaUser'].includes(x.o.kind));
  expect(strimzi.length).toBeGreaterThan(0);
  for (const x of strimzi) expect(x.o.apiVersion).toBe(strimziRelease('kraft').apiVersion);
});

test('images: the KRaft line only (Kafka image, operator image), never the ZooKeeper line', () => {
  const images = new Set(objects.flatMap((x) => JSON.stringify(x.o).match(/quay\.io\/strimzi\/[a-z]+:[\w.-]+/g) ?? []));
  expect([...images].sort()).toEqual([fleet.kafka.image, strimziRelease('kraft').operatorImage].sort());
  // The CRDs' source: Flux GitRepository spec.ref.tag, Argo CD source targetRevision.
  const sources: any[] = [];
  const walk = (n: any): void => {
    if (Array.isArray(n)) n.forEach(walk);
    else if (n && typeof n === 'object') {
      if (String(n.url ?? n.repoURL ?? '').includes('strimzi-kafka-operator') && (n.ref?.tag ?? n.targetRevision)) sources.push(n.ref?.tag ?? n.targetRevision);
      Object.values(n).forEach(walk);
    }
  };
  walk(objects.map((x) => x.o));
  expect(sources.length).toBeGreaterThan(0);
  expect(new Set(sources)).toEqual(new Set([VERSIONS.kraft.strimzi]));
});

test('the controllers are exported through Submariner and their certificate names exactly the voters\' hosts', () => {
  for (const r of fleet.regions) {
    const exports = objects.filter((x) => x.o.kind === 'ServiceExport' && x.file.startsWith(`${r.name}/`)).map((x) => x.o.metadata.name);
    expect(exports).toContain(KRAFT.headless);
    const cert = objects.find((x) => x.o.kind === 'Certificate' && x.o.metadata.name === TLS.controller.secret && x.file.startsWith(`${r.name}/`))!.o;
    expect(cert.spec.commonName).toBe(TLS.controller.commonName);
    expect(cert.spec.dnsNames).toEqual(controllerDnsNames(fleet, r));
    for (const c of kraftControllers(fleet, r)) expect(cert.spec.dnsNames).toContain(c.host);
    expect(cert.spec.issuerRef.kind).toBe('Issuer');
  }
});

describe('the cluster id never changes once committed', () => {
  test('synth refuses a tree with another cluster id, in one line naming the procedure', () => {
    const other = validateFleet(mergeOverride(fleet, { metadata: { clusterId: 'AAAAAAAAAAAAAAAAAAAAAQ' } }));
    const changes = immutableChanges(files, new Map(render(other).files.map((f) => [f.path, f.content])));
    // Both ConfigMaps that carry the id: the controllers' and the brokers'.
    expect(changes.map((c) => c.file)).toEqual(fleet.regions.flatMap((r) => [`${r.name}/controllers/ConfigMap-kafka-controller-config.yaml`, `${r.name}/kafka/ConfigMap-kafka-config.yaml`]).sort());
    expect(changes[0].fields).toEqual([`metadata.annotations.${KRAFT_CLUSTER_ID_ANNOTATION}`]);
    const message = immutableMessage(changes);
    expect(message).not.toContain('\n');
    expect(message).toContain('set metadata.clusterId (or metadata.mode) back to the committed value');
  });

  test('a derived id changes with the fleet name, and is refused the same way', () => {
    const derived = validateFleet({ ...fleet, metadata: { mode: 'kraft' } });
    const base = new Map(render(derived).files.map((f) => [f.path, f.content]));
    const renamed = validateFleet(mergeOverride(derived, { name: 'renamed' }));
    expect(kraftClusterId(renamed)).not.toBe(kraftClusterId(derived));
    expect(immutableChanges(base, new Map(render(renamed).files.map((f) => [f.path, f.content]))).some((c) => c.fields.some((x) => x.includes(KRAFT_CLUSTER_ID_ANNOTATION)))).toBe(true);
  });

  test('a committed ZooKeeper-mode tree does not turn KRaft in place', () => {
    const zk = new Map(render(loadFleet()).files.map((f) => [f.path, f.content]));
    const changes = immutableChanges(zk, files);
    expect(changes.filter((c) => c.fields.includes(`metadata.annotations.${KRAFT_CLUSTER_ID_ANNOTATION}`)).map((c) => c.file)).toEqual(
      fleet.regions.map((r) => `${r.name}/kafka/ConfigMap-kafka-config.yaml`).sort(),
    );
    expect(immutableMessage(changes)).toContain('a ZooKeeper-mode cluster cannot turn KRaft in place');
  });

  test('other changes (heap, controller resources) leave the cluster id alone', () => {
    const bigger = validateFleet(mergeOverride(fleet, { controllers: { heapMb: 1024 } }));
    expect(immutableChanges(files, new Map(render(bigger).files.map((f) => [f.path, f.content])))).toEqual([]);
  });
});
