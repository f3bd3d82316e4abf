import { DEFAULT_FLEET, Fleet } from '@stretched-kafka/fleet';
import { immutableChanges, immutableMessage } from '../src/immutable';
import { render } from '../src/render';

// What the API server refuses to update in place, found by comparing a fresh render with the
// tree on disk: the cases users meet when they edit the fleet.

const files = (f: Fleet) => new Map(render(f).files.map((x) => [x.path, x.content]));
const clone = (): Fleet => JSON.parse(JSON.stringify(DEFAULT_FLEET));
const base = files(DEFAULT_FLEET);

test('an unchanged fleet, a new heap size, more brokers or new load settings change nothing immutable', () => {
  expect(immutableChanges(base, files(DEFAULT_FLEET))).toEqual([]);
  const f = clone();
  f.kafka.heapMb = 4096;
  expect(immutableChanges(base, files(f))).toEqual([]);
  // The load Jobs' bootstrap list names the new brokers: a new template under the same Job name,
  // which both GitOps tools recreate (Force/Replace, force) instead of updating.
  for (const r of f.regions) r.kafkaReplicas = 4;
  f.load.records = 2_000_000;
  expect(immutableChanges(base, files(f))).toEqual([]);
});

test('a storage size change is refused per StatefulSet, with the orphan-delete procedure and the PVC note', () => {
  const f = clone();
  f.kafka.storage.size = '500Gi';
  const changes = immutableChanges(base, files(f));
  expect(changes.map((c) => `${c.kind} ${c.name} ${c.file}`)).toEqual(
    ['us-central1', 'us-east4', 'us-west4'].map((r) => `StatefulSet kafka ${r}/kafka/StatefulSet-kafka.yaml`),
  );
  for (const c of changes) {
    expect(c.fields).toEqual(['spec.volumeClaimTemplates']);
    expect(c.procedure).toContain('kubectl -n kafka delete statefulset kafka --cascade=orphan');
    expect(c.procedure).toContain('expand each (kubectl patch pvc)');
  }
  const line = immutableMessage(changes);
  expect(line.split('\n')).toHaveLength(1);
  expect(line).toContain('StatefulSet kafka/kafka in us-central1/kafka/StatefulSet-kafka.yaml: spec.volumeClaimTemplates cannot change in place');
  expect(line).toContain('(and 2 more objects alike)');
  expect(line).toContain('--allow-recreate');
});

test('a Job without the recreate annotations is refused when its template changes', () => {
  const job = (image: string, annotations = '') =>
    `apiVersion: batch/v1\nkind: Job\nmetadata: {name: j, namespace: n${annotations}}\nspec: {template: {spec: {containers: [{name: c, image: ${image}}]}}}\n`;
  const before = new Map([['a/Job-j.yaml', job('x:1')]]);
  const changes = immutableChanges(before, new Map([['a/Job-j.yaml', job('x:2')]]));
  expect(changes.map((c) => [c.kind, c.fields])).toEqual([['Job', ['spec.template']]]);
  expect(changes[0].procedure).toBe('kubectl -n n delete job j right before the sync (GitOps recreates it)');
  // Only both tools' recreate settings lift it: Argo CD alone would still leave Flux failing.
  const argoOnly = ", annotations: {argocd.argoproj.io/sync-options: 'Force=true,Replace=true'}";
  const both = ", annotations: {argocd.argoproj.io/sync-options: 'Force=true,Replace=true', kustomize.toolkit.fluxcd.io/force: enabled}";
  expect(immutableChanges(new Map([['a/Job-j.yaml', job('x:1', argoOnly)]]), new Map([['a/Job-j.yaml', job('x:2', argoOnly)]]))).toHaveLength(1);
  expect(immutableChanges(new Map([['a/Job-j.yaml', job('x:1', both)]]), new Map([['a/Job-j.yaml', job('x:2', both)]]))).toEqual([]);
});

test('a changed selector, roleRef or headless Service is caught as well', () => {
  const before = new Map([
    ['a/Deployment-x.yaml', 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x, namespace: n}\nspec: {selector: {matchLabels: {a: b}}, replicas: 1}\n'],
    ['a/RoleBinding-r.yaml', 'apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: r, namespace: n}\nroleRef: {kind: Role, name: one}\n'],
    ['a/Service-s.yaml', 'apiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: n}\nspec: {clusterIP: None}\n'],
  ]);
  const after = new Map([
    ['a/Deployment-x.yaml', 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x, namespace: n}\nspec: {selector: {matchLabels: {a: c}}, replicas: 2}\n'],
    ['a/RoleBinding-r.yaml', 'apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: r, namespace: n}\nroleRef: {kind: Role, name: two}\n'],
    ['a/Service-s.yaml', 'apiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: n}\nspec: {}\n'],
  ]);
  expect(immutableChanges(before, after).map((c) => [c.kind, c.fields])).toEqual([
    ['Deployment', ['spec.selector']],
    ['RoleBinding', ['roleRef']],
    ['Service', ['spec.clusterIP']],
  ]);
});
