import * as yaml from 'js-yaml';
import { isDeepStrictEqual } from 'node:util';
import { KRAFT_CLUSTER_ID_ANNOTATION } from '@stretched-kafka/fleet';
import { allowedStep, recordedState } from './migration';

// Changes the Kubernetes API server refuses to make in place. GitOps applies the new tree over
// the live objects; an update that touches an immutable field fails every sync until someone
// deletes the object by hand. synth compares the fresh render with the tree on disk (the
// committed one) and stops before writing such a change, naming the object and the procedure.

interface K8sObject {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
  roleRef?: unknown;
  type?: unknown;
}

export interface ImmutableChange {
  readonly file: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
  /** The immutable fields that differ, as dotted paths. */
  readonly fields: readonly string[];
  /** What an operator does so that the change can reach the cluster. */
  readonly procedure: string;
  /** Why it cannot change in place. */
  readonly reason: string;
}

/** StatefulSet spec fields the API server lets an update change (apps/v1 validation, Kubernetes 1.34). */
const STATEFULSET_MUTABLE = new Set(['replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds']);

type Rule = (before: K8sObject, after: K8sObject) => string[];

/** Argo CD deletes and recreates it (sync options Force and Replace) and so does Flux (force). */
function recreatedByGitOps(o: K8sObject): boolean {
  const a = o.metadata?.annotations ?? {};
  const argo = (a['argocd.argoproj.io/sync-options'] ?? '').split(',').map((x) => x.trim());
  return argo.includes('Force=true') && argo.includes('Replace=true') && a['kustomize.toolkit.fluxcd.io/force'] === 'enabled';
}

function differing(before: Record<string, unknown> | undefined, after: Record<string, unknown> | undefined, keys: Iterable<string>, prefix: string): string[] {
  return [...keys].filter((k) => !isDeepStrictEqual(before?.[k], after?.[k])).map((k) => `${prefix}.${k}`);
}

const API_REFUSES = 'the API server refuses the update, so every sync would fail';

const RULES: Record<string, { rule: Rule; procedure: (o: ImmutableChange) => string; reason?: string }> = {
  StatefulSet: {
    rule: (b, a) => {
      const keys = new Set([...Object.keys(b.spec ?? {}), ...Object.keys(a.spec ?? {})].filter((k) => !STATEFULSET_MUTABLE.has(k)));
      return differing(b.spec, a.spec, [...keys].sort(), 'spec');
    },
    procedure: (o) =>
      `one region at a time, right before its sync: kubectl -n ${o.namespace} delete statefulset ${o.name} --cascade=orphan ` +
      '(the pods keep running and the new StatefulSet adopts them), then let GitOps recreate it and roll the pods' +
      (o.fields.includes('spec.volumeClaimTemplates') ? '; existing PVCs keep their size: expand each (kubectl patch pvc) where the storage class allows it' : ''),
  },
  Deployment: {
    rule: (b, a) => differing(b.spec, a.spec, ['selector'], 'spec'),
    procedure: (o) => `kubectl -n ${o.namespace} delete deployment ${o.name} right before the sync (GitOps recreates it)`,
  },
  Job: {
    // A Job's pod template, selector and completion settings are fixed once it exists, unless
    // both GitOps tools are told to recreate it (Argo CD Force+Replace, Flux force), as the load
    // Jobs are: then a new template replaces the Job instead of failing the sync.
    rule: (b, a) => (recreatedByGitOps(a) ? [] : differing(b.spec, a.spec, ['template', 'selector', 'completions', 'completionMode'], 'spec')),
    procedure: (o) => `kubectl -n ${o.namespace} delete job ${o.name} right before the sync (GitOps recreates it)`,
  },
  RoleBinding: {
    rule: (b, a) => (isDeepStrictEqual(b.roleRef, a.roleRef) ? [] : ['roleRef']),
    procedure: (o) => `kubectl -n ${o.namespace} delete rolebinding ${o.name} right before the sync (GitOps recreates it)`,
  },
  Service: {
    rule: (b, a) => differing(b.spec, a.spec, ['clusterIP', 'clusterIPs'], 'spec'),
    procedure: (o) => `kubectl -n ${o.namespace} delete service ${o.name} right before the sync (clients of it reconnect)`,
  },
  // Not an API rule: the KRaft cluster id is written into every controller's and broker's storage
  // at its first start, and a pod refuses a log dir of another id, so a new id in the tree would
  // stop every pod it rolls.
  ConfigMap: {
    rule: (b, a) => {
      const key = KRAFT_CLUSTER_ID_ANNOTATION;
      const [before, after] = [b.metadata?.annotations?.[key], a.metadata?.annotations?.[key]];
      if (before === after) return [];
      // A step of the ZooKeeper-to-KRaft migration (migration.ts checks the step itself) takes the
      // ZooKeeper cluster's id into the tree at phase 1 and, rolled back, out of it again.
      const step = recordedState(b) !== recordedState(a) && allowedStep(recordedState(b), recordedState(a));
      if (step && (before === undefined || after === undefined)) return [];
      // From none to one: the brokers' ConfigMap of a ZooKeeper-mode tree turning KRaft.
      return [`metadata.annotations.${key}`];
    },
    reason: 'every controller and broker it rolls would refuse its storage, formatted for the committed id',
    procedure: () =>
      'the KRaft cluster id is fixed once the controllers formatted their storage, and a ZooKeeper-mode cluster cannot turn KRaft in place (migrate it with metadata.mode migration, README): ' +
      'set metadata.clusterId (or metadata.mode) back to the committed value ' +
      '(or, to start a new, empty cluster, delete every controller and broker PersistentVolumeClaim in every region before the sync)',
  },
  Secret: {
    rule: (b, a) => (isDeepStrictEqual(b.type, a.type) ? [] : ['type']),
    procedure: (o) => `kubectl -n ${o.namespace} delete secret ${o.name} right before the sync`,
  },
};

/** An object in one cluster: the tree's top folder (a region, or the Argo CD / Flux folder) and its API identity. */
function identity(file: string, o: K8sObject): string {
  return `${file.split('/')[0]}|${o.apiVersion}/${o.kind}/${o.metadata?.namespace ?? ''}/${o.metadata?.name}`;
}

/**
 * The Kubernetes objects of a tree (path -> YAML text), keyed by the cluster folder and API
 * identity (`<folder>|<apiVersion>/<kind>/<namespace>/<name>`), those `keep` accepts. A file that
 * is not YAML holds no object GitOps applies and is skipped.
 */
export function treeObjects<T extends { kind?: string }>(files: ReadonlyMap<string, string>, keep: (o: T) => boolean): Map<string, { file: string; object: T }> {
  const out = new Map<string, { file: string; object: T }>();
  for (const [file, text] of files) {
    if (!/\.ya?ml$/.test(file)) continue;
    let docs: unknown[];
    try {
      docs = yaml.loadAll(text, undefined, { schema: yaml.CORE_SCHEMA });
    } catch {
      continue;
    }
    for (const d of docs) {
      const o = d as T | null;
      if (o && typeof o === 'object' && typeof o.kind === 'string' && keep(o)) out.set(identity(file, o as K8sObject), { file, object: o });
    }
  }
  return out;
}

function objectsOf(files: ReadonlyMap<string, string>): Map<string, { file: string; object: K8sObject }> {
  return treeObjects<K8sObject>(files, (o) => !!RULES[o.kind!]);
}

/** Objects present in both trees whose change the API server would refuse, in file order. */
export function immutableChanges(existing: ReadonlyMap<string, string>, next: ReadonlyMap<string, string>): ImmutableChange[] {
  const before = objectsOf(existing);
  const after = objectsOf(next);
  const out: ImmutableChange[] = [];
  for (const [id, a] of after) {
    const b = before.get(id);
    if (!b) continue;
    const kind = a.object.kind!;
    const fields = RULES[kind].rule(b.object, a.object);
    if (fields.length === 0) continue;
    const change = { file: a.file, kind, name: a.object.metadata?.name ?? '', namespace: a.object.metadata?.namespace, fields, procedure: '', reason: RULES[kind].reason ?? API_REFUSES };
    out.push({ ...change, procedure: RULES[kind].procedure(change) });
  }
  return out.sort((x, y) => x.file.localeCompare(y.file));
}

/** The one line synth stops with (the first change, and how many more there are). */
export function immutableMessage(changes: readonly ImmutableChange[]): string {
  const c = changes[0];
  const more = changes.length > 1 ? ` (and ${changes.length - 1} more object${changes.length > 2 ? 's' : ''} alike)` : '';
  return (
    `synth: ${c.kind} ${c.namespace ? `${c.namespace}/` : ''}${c.name} in ${c.file}: ${c.fields.join(', ')} cannot change in place (${c.reason})${more}. Procedure: ${c.procedure}. Rerun with --allow-recreate to write the tree once you follow it; npm run plan lists the steps.`
  );
}
