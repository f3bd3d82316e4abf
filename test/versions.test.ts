import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import yaml from 'js-yaml';
import { DEFAULT_FLEET, IMAGES, VERSIONS, readmeVersionFacts, versionLine } from '@stretched-kafka/fleet';

// versions.json is the one place a version is pinned. Everything that repeats one (generated
// manifests, files that cannot import it, the CRD copies, the docs) must agree with it.
const repo = join(__dirname, '..');
const read = (path: string) => readFileSync(join(repo, path), 'utf8');
const strimziDir = `strimzi-${versionLine(VERSIONS.strimzi)}`;
const kraftStrimziDir = `strimzi-${versionLine(VERSIONS.kraft.strimzi)}`;

function files(dir: string, keep: (path: string) => boolean): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return ['node_modules', 'dist', '.bin', '.kafka'].includes(name) ? [] : files(path, keep);
    return keep(path) ? [path] : [];
  });
}

/** Every value under key `key` anywhere in `node`, with the object holding it. */
function collect(node: unknown, key: string, out: Array<Record<string, unknown>> = []): Array<Record<string, unknown>> {
  if (Array.isArray(node)) node.forEach((n) => collect(n, key, out));
  else if (node && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    if (key in o) out.push(o);
    Object.values(o).forEach((v) => collect(v, key, out));
  }
  return out;
}

describe('clusters/ uses the pinned versions', () => {
  const docs = files(join(repo, 'clusters'), (p) => p.endsWith('.yaml')).flatMap((p) => yaml.loadAll(readFileSync(p, 'utf8')));

  test('the default fleet takes its images and versions from versions.json', () => {
    expect(DEFAULT_FLEET.kafka).toMatchObject({ image: IMAGES.kafka, version: VERSIONS.kafka });
    expect(DEFAULT_FLEET.akhq.image).toBe(IMAGES.akhq);
    expect(DEFAULT_FLEET.load.image).toBe(IMAGES.load);
    expect(DEFAULT_FLEET.submariner.version).toBe(VERSIONS.submariner);
  });

  test('images: exactly the pinned ones', () => {
    const images = new Set(collect(docs, 'image').map((o) => o.image).filter((i) => typeof i === 'string'));
    expect([...images].sort()).toEqual([IMAGES.kafka, IMAGES.strimziOperator, IMAGES.akhq, IMAGES.load].sort());
  });

  test('charts, the Strimzi CRD source and the Submariner release', () => {
    const want: Record<string, string> = { 'cert-manager': VERSIONS.certManager, reloader: VERSIONS.reloader, 'submariner-operator': VERSIONS.submariner };
    const found: Array<[string, unknown]> = [
      // Flux HelmRelease spec.chart.spec, Argo CD Application source, kustomize helmCharts.
      ...collect(docs, 'chart').filter((o) => typeof o.chart === 'string').map((o): [string, unknown] => [o.chart as string, o.version ?? o.targetRevision]),
      ...collect(docs, 'helmCharts').flatMap((o) => (o.helmCharts as Array<{ name: string; version: string }>).map((c): [string, unknown] => [c.name, c.version])),
    ];
    expect(new Set(found.map(([chart]) => chart))).toEqual(new Set(Object.keys(want)));
    for (const [chart, version] of found) expect(`${chart} ${version}`).toBe(`${chart} ${want[chart]}`);

    const strimziRefs = [
      ...collect(docs, 'repoURL').filter((o) => String(o.repoURL).includes('strimzi')).map((o) => o.targetRevision),
      ...collect(docs, 'url').filter((o) => String(o.url).includes('strimzi')).map((o) => (o.ref as { tag?: string } | undefined)?.tag),
    ];
    expect(strimziRefs.length).toBeGreaterThan(0);
    expect(new Set(strimziRefs)).toEqual(new Set([VERSIONS.strimzi]));

    const submariners = docs.filter((d) => (d as { kind?: string })?.kind === 'Submariner').map((d) => (d as { spec: { version: string } }).spec.version);
    expect(submariners.length).toBeGreaterThan(0);
    expect(new Set(submariners)).toEqual(new Set([VERSIONS.submariner]));
  });
});

describe('the CRD copies are the pinned Strimzi release', () => {
  test('cdk8s.yaml imports Strimzi CRDs from the pinned tag', () => {
    const urls = (yaml.load(read('cdk8s.yaml')) as { imports: string[] }).imports.filter((u) => u.includes('/strimzi/'));
    expect(urls.length).toBeGreaterThan(0);
    for (const u of urls) expect(u).toContain(`/strimzi-kafka-operator/${VERSIONS.strimzi}/`);
  });

  test(`schemas/crds come from ${strimziDir}, the KRaft line's kafka.strimzi.io/v1 from ${kraftStrimziDir}`, () => {
    const sources = files(join(repo, 'schemas', 'crds'), (p) => p.endsWith('.strimzi.io.json')).map((p) => JSON.parse(readFileSync(p, 'utf8')).source as string);
    expect(sources.length).toBeGreaterThan(0);
    for (const s of sources) expect(s).toMatch(new RegExp(`^${strimziDir.replace(/\./g, '\\.')}/`));
    const kraft = files(join(repo, 'schemas', 'crds'), (p) => p.endsWith('.strimzi.io-v1.json')).map((p) => JSON.parse(readFileSync(p, 'utf8')));
    expect(kraft.map((c) => c.apiVersion)).toEqual(['kafka.strimzi.io/v1', 'kafka.strimzi.io/v1']);
    for (const c of kraft) expect(c.source).toMatch(new RegExp(`^${kraftStrimziDir.replace(/\./g, '\\.')}/`));
  });

  test(`every Strimzi CRD folder the project names is ${strimziDir}`, () => {
    const sources = [
      ...files(join(repo, 'packages'), (p) => /\/src\/.*\.ts$/.test(p)),
      ...files(join(repo, 'scripts'), (p) => /\.(mjs|sh)$/.test(p)),
      ...files(join(repo, 'e2e'), (p) => /\.(ts|sh)$/.test(p)),
    ];
    const named = sources.flatMap((p) => [...readFileSync(p, 'utf8').matchAll(/strimzi-(\d+\.\d+)\b/g)].map((m) => `${relative(repo, p)}: ${m[0]}`));
    expect(named.filter((n) => !n.endsWith(strimziDir))).toEqual([]);
    const copies = join(repo, 'e2e', 'k8s', 'crds');
    if (existsSync(copies)) {
      expect(readdirSync(copies).filter((d) => d.startsWith('strimzi-'))).toEqual([strimziDir]);
      // Copies of the offline reference set, when it is there to compare with.
      const shared = join(repo, '..', 'shared', 'crds', strimziDir);
      for (const f of readdirSync(join(copies, strimziDir))) {
        if (existsSync(join(shared, f))) expect(readFileSync(join(copies, strimziDir, f), 'utf8')).toBe(readFileSync(join(shared, f), 'utf8'));
      }
    }
  });
});

describe('the Prometheus Operator CRD copies are the pinned release', () => {
  test('every copy carries operator.prometheus.io/version = versions.json prometheusOperator, and schemas/crds holds both', () => {
    const dir = join(repo, 'e2e', 'k8s', 'crds', 'prometheus-operator');
    const copies = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
    expect(copies.sort()).toEqual(['podmonitors.yaml', 'prometheusrules.yaml']);
    for (const f of copies) expect(readFileSync(join(dir, f), 'utf8')).toContain(`operator.prometheus.io/version: ${VERSIONS.prometheusOperator}\n`);
    const sources = files(join(repo, 'schemas', 'crds'), (p) => p.endsWith('.monitoring.coreos.com.json')).map((p) => JSON.parse(readFileSync(p, 'utf8')).source as string);
    expect(sources.sort()).toEqual(copies.map((f) => `e2e/k8s/crds/prometheus-operator/${f}`));
  });
});

describe('files that cannot import versions.json repeat it exactly', () => {
  const pom = read('pom.xml');
  const property = (name: string) => new RegExp(`<${name.replace(/\./g, '\\.')}>([^<]+)</`).exec(pom)?.[1];

  test("pom.xml: kafka.version is the fleet's Kafka version, with Kafka's own logging binding", () => {
    expect(property('kafka.version')).toBe(DEFAULT_FLEET.kafka.version);
    expect(property('kafka.version')).toBe(VERSIONS.kafka);
    expect(property('slf4j.version')).toBe(VERSIONS.kafkaLibs.slf4j);
    expect(property('reload4j.version')).toBe(VERSIONS.kafkaLibs.reload4j);
    expect(property('log4j2.version')).toBe(VERSIONS.kafkaLibs.log4j2);
  });

  test("pom.xml: the harness's JMX exporter agent is the pinned Maven Central release", () => {
    expect(property('jmx.exporter.version')).toBe(VERSIONS.jmxExporter.maven);
  });

  test('the load image builds on the pinned Node image', () => {
    expect(/^ARG NODE_IMAGE=(\S+)$/m.exec(read('packages/loadgen/Dockerfile'))?.[1]).toBe(IMAGES.node);
  });

  test('the Kubernetes API the manifests target: cdk8s-plus and the offline schema', () => {
    const minor = VERSIONS.kubernetesApi.split('.')[1];
    expect(JSON.parse(read('package.json')).dependencies).toHaveProperty(`cdk8s-plus-${minor}`);
    expect(JSON.parse(read(`schemas/k8s-${VERSIONS.kubernetesApi}.json`)).source).toContain(`Kubernetes v${VERSIONS.kubernetesApi}.`);
  });

  test('no source repeats a pinned version (import VERSIONS or IMAGES from @stretched-kafka/fleet)', () => {
    const pins = [VERSIONS.strimzi, VERSIONS.kafka, VERSIONS.kraft.strimzi, VERSIONS.kraft.kafka, VERSIONS.akhq, VERSIONS.certManager, VERSIONS.submariner, VERSIONS.reloader, VERSIONS.node];
    const sources = [
      ...files(join(repo, 'packages'), (p) => /\/src\/.*\.(ts|sh)$/.test(p)),
      ...files(join(repo, 'scripts'), (p) => /\.(mjs|sh)$/.test(p)),
      ...files(join(repo, 'e2e'), (p) => /\/src\/.*\.ts$|\.sh$/.test(p)),
    ];
    const found = sources.flatMap((p) => {
      // The schema extractor's npm package happens to share its version with the KRaft Kafka pin.
      const text = readFileSync(p, 'utf8').replace(/kubernetes-models@[\w.-]+/g, '');
      return pins.filter((v) => new RegExp(`(?<![\\w.])${v.replace(/\./g, '\\.')}(?![\\w.])`).test(text)).map((v) => `${relative(repo, p)}: ${v}`);
    });
    expect(found).toEqual([]);
  });
});

describe('the docs name the pinned versions', () => {
  const readme = read('README.md');
  const docs = [readme, ...files(join(repo, 'docs'), (p) => p.endsWith('.md')).map((p) => readFileSync(p, 'utf8'))];
  if (existsSync(join(repo, 'CONTRIBUTING.md'))) docs.push(read('CONTRIBUTING.md'));

  test.each(readmeVersionFacts().map((f) => [f.what, f.text]))('README states the %s: %s', (_what, text) => {
    expect(readme).toContain(text);
  });

  // Where README.md, CONTRIBUTING.md or docs/ name a version of one of these, it is the pinned one.
  // Strimzi and Kafka have two pinned lines: ZooKeeper mode's and KRaft mode's.
  const mentions: Array<[string, RegExp, string | string[]]> = [
    ['Strimzi Kafka image', /quay\.io\/strimzi\/kafka:([\w.-]+)/g, [`${VERSIONS.strimzi}-kafka-${VERSIONS.kafka}`, `${VERSIONS.kraft.strimzi}-kafka-${VERSIONS.kraft.kafka}`]],
    ['Strimzi operator image', /quay\.io\/strimzi\/operator:([\w.-]+)/g, [VERSIONS.strimzi, VERSIONS.kraft.strimzi]],
    ['AKHQ image', /tchiotludo\/akhq:([\w.-]+)/g, VERSIONS.akhq],
    ['Strimzi', /\bStrimzi (\d+\.\d+\.\d+)(?![\w.])/g, [VERSIONS.strimzi, VERSIONS.kraft.strimzi]],
    ['Kafka', /\bKafka (\d+\.\d+\.\d+)(?![\w.])/g, [VERSIONS.kafka, VERSIONS.kraft.kafka]],
    ['cert-manager', /\bcert-manager (v?\d+\.\d+\.\d+)(?![\w.])/g, VERSIONS.certManager],
    ['Reloader chart', /\b[Rr]eloader`? (\d+\.\d+\.\d+)(?![\w.])/g, VERSIONS.reloader],
    ['Submariner', /\bSubmariner (\d+\.\d+\.\d+)(?![\w.])/g, VERSIONS.submariner],
  ];
  test.each(mentions)('%s', (_what, pattern, pinned) => {
    const named = docs.flatMap((d) => [...d.matchAll(pattern)].map((m) => m[1]));
    const allowed = ([] as string[]).concat(pinned);
    expect(named.filter((v) => !allowed.includes(v))).toEqual([]);
  });

  test('README.md names the Kubernetes API version the schemas target', () => {
    const named = [...readme.matchAll(/\bKubernetes (\d+\.\d+)(?![\w.])/g)].map((m) => m[1]);
    expect(named.filter((v) => v !== VERSIONS.kubernetesApi)).toEqual([]);
  });
});

describe('e2e/k8s/README.md states the versions e2e/k8s/go.mod pins', () => {
  const gomod = read('e2e/k8s/go.mod');
  const readme = read('e2e/k8s/README.md');
  test.each(['k8s.io/kubernetes', 'go.etcd.io/etcd/server/v3', 'sigs.k8s.io/kustomize/kustomize/v5'])('%s', (module) => {
    const version = new RegExp(`^\\s+${module.replace(/\./g, '\\.')} (v\\S+)`, 'm').exec(gomod)?.[1];
    expect(version).toBeDefined();
    // Table rows: | tools | module | version | why |
    const row = readme.split('\n').find((l) => l.startsWith('|') && l.includes(` ${module} `));
    expect(row?.split('|')[3]?.trim().split(' ')[0]).toBe(version);
  });
  test('kustomize api', () => {
    const api = /^\s+sigs\.k8s\.io\/kustomize\/api (v\S+)/m.exec(gomod)?.[1];
    expect(/kustomize\/v5 \|[^|]*\(api (v[^)\s]+)\)/.exec(readme)?.[1]).toBe(api);
  });
  test('the staging modules are replaced at the same Kubernetes patch', () => {
    const kube = /^\s+k8s\.io\/kubernetes v1\.(\d+\.\d+)/m.exec(gomod)?.[1];
    const staging = new Set([...gomod.matchAll(/^replace \S+ => \S+ (v\S+)/gm)].map((m) => m[1]));
    expect(staging).toEqual(new Set([`v0.${kube}`]));
    expect(readme).toContain(`v0.${kube}`);
  });
});
