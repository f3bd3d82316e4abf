import { Fleet, SUBMARINER } from '@stretched-kafka/fleet';
import { ApplicationSpecIgnoreDifferences } from '../../../imports/argocd-application-argoproj.io';
import { CERT_MANAGER, STRIMZI_REPO, SUBMARINER_CHARTS, strimziVersion, submarinerChartVersion } from './versions';

/** An object a chart renders that a generated layer owns instead; it is deleted after rendering. */
export interface DroppedObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace: string;
}

/** An add-on installed from a Helm chart. */
export interface HelmAddon {
  readonly type: 'helm';
  /** Release name and the suffix of its Argo CD Application / Flux HelmRelease. */
  readonly name: string;
  readonly namespace: string;
  /** Name of the Flux HelmRepository. */
  readonly repoName: string;
  readonly repoUrl: string;
  readonly chart: string;
  readonly version: string;
  readonly values: Readonly<Record<string, unknown>>;
  readonly drop: readonly DroppedObject[];
  /** Fields controllers write into the chart's objects after install (Argo CD ignoreDifferences). */
  readonly ignoreDifferences: readonly ApplicationSpecIgnoreDifferences[];
}

/** An add-on applied from plain manifests at a tag of an upstream repository. */
export interface GitAddon {
  readonly type: 'git';
  readonly name: string;
  readonly repoUrl: string;
  readonly tag: string;
  /** Files to apply, relative to the repository root. */
  readonly files: readonly string[];
}

export type Addon = HelmAddon | GitAddon;

/**
 * CRDs and operators the generated layers need, the same in every region:
 * - cert-manager with its CRDs (Certificates, Issuers);
 * - the Submariner operator; its chart always renders a `Submariner` join CR from values (broker
 *   token included), which would duplicate the submariner layer's own join (that one reads the
 *   token from the out-of-band Secret), so that object is deleted after rendering. No broker chart:
 *   the submariner layer's `Broker` CR makes the operator deploy the broker, as `subctl` does;
 * - Strimzi's KafkaTopic and KafkaUser CRDs only, from the release tag: the strimzi-kafka-operator
 *   chart would also run a Cluster Operator with cluster-wide RBAC that nothing here needs.
 */
export function addons(fleet: Fleet): Addon[] {
  return [
    {
      type: 'helm',
      name: 'cert-manager',
      namespace: CERT_MANAGER.namespace,
      repoName: 'jetstack',
      repoUrl: CERT_MANAGER.repoUrl,
      chart: CERT_MANAGER.chart,
      version: CERT_MANAGER.version,
      values: {
        // keep: uninstalling the chart must not delete the CRDs and with them every Certificate.
        crds: { enabled: true, keep: true },
        // Leader election in its own namespace instead of kube-system keeps the AppProject narrow.
        global: { leaderElection: { namespace: CERT_MANAGER.namespace } },
      },
      drop: [],
      ignoreDifferences: [
        // cainjector writes the CA bundle into the webhook configurations.
        { group: 'admissionregistration.k8s.io', kind: 'ValidatingWebhookConfiguration', jqPathExpressions: ['.webhooks[]?.clientConfig.caBundle'] },
        { group: 'admissionregistration.k8s.io', kind: 'MutatingWebhookConfiguration', jqPathExpressions: ['.webhooks[]?.clientConfig.caBundle'] },
      ],
    },
    {
      type: 'helm',
      name: SUBMARINER_CHARTS.chart,
      namespace: SUBMARINER.operatorNamespace,
      repoName: 'submariner',
      repoUrl: SUBMARINER_CHARTS.repoUrl,
      chart: SUBMARINER_CHARTS.chart,
      version: submarinerChartVersion(fleet),
      values: {},
      // The chart names its join CR `submariner` in the operator namespace (fixed in its template).
      drop: [{ apiVersion: 'submariner.io/v1alpha1', kind: 'Submariner', name: 'submariner', namespace: SUBMARINER.operatorNamespace }],
      ignoreDifferences: [],
    },
    {
      type: 'git',
      name: 'strimzi-crds',
      repoUrl: STRIMZI_REPO,
      tag: strimziVersion(),
      files: ['install/topic-operator/04-Crd-kafkatopic.yaml', 'install/user-operator/04-Crd-kafkauser.yaml'],
    },
  ];
}

/** Kustomize strategic-merge patch that deletes one rendered object. */
export function deletePatch(o: DroppedObject): string {
  return `$patch: delete\napiVersion: ${o.apiVersion}\nkind: ${o.kind}\nmetadata:\n  name: ${o.name}\n  namespace: ${o.namespace}\n`;
}

/** Deepest folder holding every file, and the files relative to it. */
export function commonFolder(files: readonly string[]): { folder: string; relative: string[] } {
  const parts = files.map((f) => f.split('/').slice(0, -1));
  const common: string[] = [];
  for (let i = 0; parts.every((p) => i < p.length && p[i] === parts[0][i]); i++) common.push(parts[0][i]);
  const folder = common.join('/');
  return { folder: folder || '.', relative: files.map((f) => (folder ? f.slice(folder.length + 1) : f)) };
}

/**
 * A .gitignore body that keeps only `files` of a repository (Flux GitRepository `spec.ignore`).
 * Git cannot re-include a file below an ignored folder, so every ancestor folder is re-included
 * and its other entries ignored, level by level.
 */
export function keepOnly(files: readonly string[]): string {
  const lines = ['/*'];
  const maxDepth = Math.max(...files.map((f) => f.split('/').length - 1));
  for (let depth = 1; depth <= maxDepth; depth++) {
    const folders = [...new Set(files.filter((f) => f.split('/').length - 1 >= depth).map((f) => f.split('/').slice(0, depth).join('/')))];
    for (const d of folders) lines.push(`!/${d}/`, `/${d}/*`);
  }
  lines.push(...files.map((f) => `!/${f}`));
  return `${lines.join('\n')}\n`;
}
