// Writes the offline schemas that packages/validate checks every emitted object against:
//   schemas/k8s-1.27.json      Kubernetes 1.27 (the API cdk8s-plus-27 targets), only the
//                              group-versions below and the definitions they reach;
//   schemas/crds/<crd>.json    the storage version of each upstream CRD copy in ../shared/crds
//                              (CRD_FILES) and in this repository (REPO_CRD_FILES), listed in
//                              schemas/crds/index.json.
// Run once when a version changes (`node scripts/extract-schemas.mjs`), commit the output.
//
// The Kubernetes definitions come from the npm package kubernetes-models@4.3.1 ("Update schema
// version to v1.27.1" in its changelog): no installed package ships the 1.27 OpenAPI document,
// and this machine may reach only the npm registry. The package wraps each definition in a module
// that calls `register(id, schema)` from @kubernetes-models/validate; the script fetches it with
// `npm pack`, stubs that one function and collects the schemas. The package adds
// `nullable`/`oneOf [.., null]` everywhere; upstream OpenAPI has neither, so both are undone here.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';

const K8S_PACKAGES = ['kubernetes-models@4.3.1', '@kubernetes-models/apimachinery@1.2.1'];
const K8S_VERSION = '1.27.1';
// Group-versions the generator may emit (core, workloads, network, policy, RBAC, CRDs).
const K8S_GROUP_VERSIONS = ['v1', 'apps/v1', 'batch/v1', 'networking.k8s.io/v1', 'policy/v1', 'rbac.authorization.k8s.io/v1', 'apiextensions.k8s.io/v1', 'scheduling.k8s.io/v1'];
const CRD_ROOT = process.env.CRD_DIR ?? join('..', 'shared', 'crds');
// The Strimzi copies sit in a folder named by the release line pinned in versions.json.
const PINS = JSON.parse(readFileSync('versions.json', 'utf8'));
const STRIMZI = `strimzi-${PINS.strimzi.split('.').slice(0, 2).join('.')}`;
// KRaft mode (metadata.mode kraft) runs the current Strimzi line, which serves kafka.strimzi.io/v1 only.
const STRIMZI_KRAFT = `strimzi-${PINS.kraft.strimzi.split('.').slice(0, 2).join('.')}`;
const CRD_FILES = [
  'cert-manager/certificates.yaml',
  'cert-manager/issuers.yaml',
  'cert-manager/clusterissuers.yaml',
  'submariner/submariners.yaml',
  'submariner/brokers.yaml',
  'submariner/serviceexports.yaml',
  `${STRIMZI}/kafkatopics.yaml`,
  `${STRIMZI}/kafkausers.yaml`,
  `${STRIMZI_KRAFT}/kafkatopics.yaml`,
  `${STRIMZI_KRAFT}/kafkausers.yaml`,
  'argo-cd/application.yaml',
  'argo-cd/applicationset.yaml',
  'argo-cd/appproject.yaml',
  'flux/gitrepositories.yaml',
  'flux/helmrepositories.yaml',
  'flux/kustomizations.yaml',
  'flux/helmreleases.yaml',
];
// CRDs that are not in ../shared/crds: copies committed in this repository (their README names
// the source and version), read by path from the repository root.
const REPO_CRD_FILES = ['e2e/k8s/crds/prometheus-operator/podmonitors.yaml', 'e2e/k8s/crds/prometheus-operator/prometheusrules.yaml'];
const OUT = 'schemas';

/**
 * Drops prose; with `fromModels`, also the package's null alternatives (`nullable`, `oneOf [x,
 * null]`) and the `#` of its `$ref: "id#"`. CRDs keep `nullable`: there it is upstream's own.
 */
function normalize(node, fromModels) {
  if (Array.isArray(node)) return node.map((n) => normalize(n, fromModels));
  if (!node || typeof node !== 'object') return node;
  if (fromModels && Array.isArray(node.oneOf)) {
    const rest = node.oneOf.filter((s) => !(s && s.type === 'null'));
    if (rest.length === 1 && Object.keys(node).length === 1) return normalize(rest[0], fromModels);
    node = { ...node, oneOf: rest };
  }
  const out = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === 'description' || (fromModels && k === 'nullable')) continue;
    if (k === '$ref') out[k] = fromModels ? v.replace(/#$/, '') : v;
    // Property names and literal values are data, not keywords: keep them as they are.
    else if (k === 'properties' || k === 'patternProperties') out[k] = Object.fromEntries(Object.entries(v).map(([p, s]) => [p, normalize(s, fromModels)]));
    else if (k === 'default' || k === 'enum' || k === 'example') out[k] = v;
    else out[k] = normalize(v, fromModels);
  }
  return out;
}

function refs(node, found = new Set()) {
  if (Array.isArray(node)) node.forEach((n) => refs(n, found));
  else if (node && typeof node === 'object') {
    if (typeof node.$ref === 'string') found.add(node.$ref);
    Object.values(node).forEach((n) => refs(n, found));
  }
  return found;
}

function k8sSchemas() {
  const work = mkdtempSync(join(tmpdir(), 'extract-schemas-'));
  try {
    execFileSync('npm', ['pack', '--silent', '--pack-destination', work, ...K8S_PACKAGES], { stdio: ['ignore', 'ignore', 'inherit'] });
    const modules = join(work, 'node_modules');
    const place = (tgz, dir) => {
      mkdirSync(dir, { recursive: true });
      execFileSync('tar', ['xzf', join(work, tgz), '-C', dir, '--strip-components=1']);
    };
    const tarballs = readdirSync(work).filter((f) => f.endsWith('.tgz'));
    place(tarballs.find((f) => f.startsWith('kubernetes-models-4')), join(modules, 'kubernetes-models'));
    place(tarballs.find((f) => f.startsWith('kubernetes-models-apimachinery')), join(modules, '@kubernetes-models', 'apimachinery'));
    const stub = join(modules, '@kubernetes-models', 'validate');
    mkdirSync(stub, { recursive: true });
    writeFileSync(join(stub, 'package.json'), '{"name":"@kubernetes-models/validate","main":"index.js"}');
    writeFileSync(join(stub, 'index.js'), 'exports.register = (id, schema) => globalThis.__k8sSchemas.set(id, schema);');

    const collected = new Map();
    globalThis.__k8sSchemas = collected;
    const req = createRequire(join(work, 'index.js'));
    for (const [pkg, dir] of [['kubernetes-models', join(modules, 'kubernetes-models', '_schemas')], ['@kubernetes-models/apimachinery', join(modules, '@kubernetes-models', 'apimachinery', '_schemas')]]) {
      for (const f of readdirSync(dir).filter((n) => n.endsWith('.js'))) req(pkg === 'kubernetes-models' ? join(dir, f) : `${pkg}/_schemas/${f.slice(0, -3)}`).addSchema();
    }

    const kinds = {};
    for (const [id, schema] of collected) {
      const apiVersion = schema.properties?.apiVersion?.enum?.[0];
      const kind = schema.properties?.kind?.enum?.[0];
      if (!apiVersion || !kind || kind.endsWith('List') || !K8S_GROUP_VERSIONS.includes(apiVersion)) continue;
      kinds[`${apiVersion}/${kind}`] = id;
    }
    const definitions = {};
    const queue = [...Object.values(kinds), 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'];
    while (queue.length) {
      const id = queue.pop();
      if (definitions[id]) continue;
      if (!collected.has(id)) throw new Error(`${id} is referenced but not defined`);
      definitions[id] = normalize(collected.get(id), true);
      queue.push(...refs(definitions[id]));
    }
    const sorted = (o) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
    return { source: `${K8S_PACKAGES.join(' + ')} (Kubernetes v${K8S_VERSION})`, kinds: sorted(kinds), definitions: sorted(definitions) };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function crdSchemas() {
  return [...CRD_FILES.map((file) => [file, join(CRD_ROOT, file)]), ...REPO_CRD_FILES.map((file) => [file, file])].map(([file, path]) => {
    const crd = yaml.load(readFileSync(path, 'utf8'));
    const version = crd.spec.versions.find((v) => v.storage);
    return {
      // The KRaft line's copies of a CRD the ZooKeeper line has too: named by CRD and version.
      name: file.startsWith(`${STRIMZI_KRAFT}/`) ? `${crd.metadata.name}-${version.name}` : crd.metadata.name,
      source: file,
      apiVersion: `${crd.spec.group}/${version.name}`,
      kind: crd.spec.names.kind,
      scope: crd.spec.scope,
      schema: normalize(version.schema.openAPIV3Schema, false),
    };
  });
}

const k8s = k8sSchemas();
mkdirSync(join(OUT, 'crds'), { recursive: true });
// One definition per line, so that a version bump reads as a diff of the definitions it touched.
const entries = (o) => Object.entries(o).map(([k, v]) => `  ${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(',\n');
writeFileSync(
  join(OUT, `k8s-${K8S_VERSION.split('.').slice(0, 2).join('.')}.json`),
  `{\n "source": ${JSON.stringify(k8s.source)},\n "kinds": {\n${entries(k8s.kinds)}\n },\n "definitions": {\n${entries(k8s.definitions)}\n }\n}\n`,
);
// Schemas written by hand (kinds served by a platform's API server, not a CRD: OpenShift's Route)
// are kept, and stay in the index.
const HAND_WRITTEN = ['routes.route.openshift.io'];
for (const f of readdirSync(join(OUT, 'crds'))) if (!HAND_WRITTEN.includes(f.replace(/\.json$/, ''))) rmSync(join(OUT, 'crds', f));
const crds = crdSchemas();
for (const c of crds) writeFileSync(join(OUT, 'crds', `${c.name}.json`), `${JSON.stringify(c)}\n`);
writeFileSync(join(OUT, 'crds', 'index.json'), `${JSON.stringify([...crds.map((c) => c.name), ...HAND_WRITTEN].sort(), null, 1)}\n`);
console.log(`extract-schemas: ${Object.keys(k8s.kinds).length} Kubernetes kinds (${Object.keys(k8s.definitions).length} definitions), ${crds.length} CRDs -> ${OUT}/`);
