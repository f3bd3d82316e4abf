import * as yaml from 'js-yaml';
import { Fleet, SUBMARINER } from '@stretched-kafka/fleet';
import { RELOADER_WATCH_LABEL } from '@stretched-kafka/platform';
import { ApplicationSpecIgnoreDifferences } from '../../../imports/argocd-application-argoproj.io';
import { CERT_MANAGER, RELOADER, STRIMZI_REPO, SUBMARINER_CHARTS, strimziVersion, submarinerChartVersion } from './versions';

/** An object a chart renders that a generated layer owns instead; it is deleted after rendering. */
export interface DroppedObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace: string;
}

/**
 * A strategic-merge patch applied to one rendered object after the chart is rendered (Argo CD:
 * the inflation kustomization; Flux: a post-renderer). Used where values cannot express a change:
 * Helm deletes a default only for a `null` value, and both Argo CD's valuesObject and Flux's
 * kustomize-controller drop nulls (argo-cd#16312, kustomize-controller#372).
 */
export interface ObjectPatch {
  readonly target: DroppedObject;
  /** The object's fields to merge, besides apiVersion/kind/metadata; `null` deletes a field. */
  readonly merge: Readonly<Record<string, unknown>>;
}

/** A cluster-scoped kind an add-on creates (AppProject clusterResourceWhitelist). */
export interface GroupKind {
  readonly group: string;
  readonly kind: string;
}

const CRD: GroupKind = { group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition' };
const CLUSTER_RBAC: GroupKind[] = [
  { group: 'rbac.authorization.k8s.io', kind: 'ClusterRole' },
  { group: 'rbac.authorization.k8s.io', kind: 'ClusterRoleBinding' },
];

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
  readonly patches: readonly ObjectPatch[];
  /** Fields controllers write into the chart's objects after install (Argo CD ignoreDifferences). */
  readonly ignoreDifferences: readonly ApplicationSpecIgnoreDifferences[];
  /** Cluster-scoped kinds the chart renders. */
  readonly clusterKinds: readonly GroupKind[];
}

/** An add-on applied from plain manifests at a tag of an upstream repository. */
export interface GitAddon {
  readonly type: 'git';
  readonly name: string;
  readonly repoUrl: string;
  readonly tag: string;
  /** Files to apply, relative to the repository root. */
  readonly files: readonly string[];
  /** Cluster-scoped kinds the files create. */
  readonly clusterKinds: readonly GroupKind[];
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
 *   chart would also run a Cluster Operator with cluster-wide RBAC that nothing here needs;
 * - stakater Reloader, which rolls the Deployments annotated `secret.reloader.stakater.com/reload`
 *   (Topic and User Operators, AKHQ) when cert-manager renews their certificates; installed into
 *   the stack's namespace, it may read Secrets there only.
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
      patches: [],
      ignoreDifferences: [
        // cainjector writes the CA bundle into the webhook configurations.
        { group: 'admissionregistration.k8s.io', kind: 'ValidatingWebhookConfiguration', jqPathExpressions: ['.webhooks[]?.clientConfig.caBundle'] },
        { group: 'admissionregistration.k8s.io', kind: 'MutatingWebhookConfiguration', jqPathExpressions: ['.webhooks[]?.clientConfig.caBundle'] },
      ],
      clusterKinds: [
        CRD,
        ...CLUSTER_RBAC,
        { group: 'admissionregistration.k8s.io', kind: 'MutatingWebhookConfiguration' },
        { group: 'admissionregistration.k8s.io', kind: 'ValidatingWebhookConfiguration' },
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
      patches: [],
      ignoreDifferences: [],
      clusterKinds: [CRD, ...CLUSTER_RBAC],
    },
    {
      type: 'git',
      name: 'strimzi-crds',
      repoUrl: STRIMZI_REPO,
      tag: strimziVersion(fleet),
      files: ['install/topic-operator/04-Crd-kafkatopic.yaml', 'install/user-operator/04-Crd-kafkauser.yaml'],
      clusterKinds: [CRD],
    },
    reloader(fleet),
  ];
}

/** Reloader's Deployment, named by fullnameOverride (the chart would call it `<release>-reloader`). */
const RELOADER_DEPLOYMENT = 'reloader';

/**
 * Reloader in the stack's namespace with `watchGlobally: false`: the chart then renders a Role and
 * RoleBinding in its release namespace instead of a ClusterRole (with a ClusterRole it could get,
 * list and watch every Secret of the cluster; a namespace selector only filters the events it acts
 * on), and sets KUBERNETES_NAMESPACE to the pod's namespace, the only one Reloader then watches.
 * No namespaceSelector: the chart documents it for watchGlobally only, and selecting namespaces
 * would need to list Namespaces, which a namespaced Role cannot grant.
 *
 * That namespace enforces Pod Security `restricted`. The chart's pod securityContext brings
 * runAsNonRoot and the RuntimeDefault seccomp profile; the container's repeats both (so the pod
 * passes whatever the chart's pod defaults) and adds what the chart leaves out: no privilege
 * escalation, every capability dropped, a read-only root filesystem (the chart mounts an emptyDir
 * on /tmp). The image runs as the numeric non-root USER 65532, which kubelet's runAsNonRoot check
 * needs once the patch below removes the chart's fixed runAsUser. The namespace's default-deny
 * NetworkPolicy is ingress only: Reloader only calls out to the API server, and kubelet probes
 * from the pod's own node are always allowed.
 */
function reloader(fleet: Fleet): HelmAddon {
  return {
    type: 'helm',
    name: 'reloader',
    namespace: fleet.namespace,
    repoName: 'stakater',
    repoUrl: RELOADER.repoUrl,
    chart: RELOADER.chart,
    version: RELOADER.version,
    values: {
      fullnameOverride: RELOADER_DEPLOYMENT,
      reloader: {
        watchGlobally: false,
        // The default strategy adds an env var to the pod template, which Argo CD reports as drift
        // and self-heal reverts; an annotation is ignored by the stack Applications (see argocd.ts).
        reloadStrategy: 'annotations',
        // Its informer lists only the Secrets cert-manager writes for the stack (the label every
        // Certificate's secretTemplate sets), so the internal CA key pair, provisioned out of band
        // without that label, never enters Reloader's cache. Kubernetes RBAC cannot scope list and
        // watch by label, so the Role still grants them on the namespace: Reloader's ServiceAccount
        // is part of what must stay trusted in the stack namespace (README, trust model).
        resourceLabelSelector: Object.entries(RELOADER_WATCH_LABEL).map(([k, v]) => `${k}=${v}`).join(','),
        // Nothing here rolls on a ConfigMap through Reloader (config changes roll by checksum).
        ignoreConfigMaps: true,
        readOnlyRootFileSystem: true,
        deployment: {
          containerSecurityContext: {
            runAsNonRoot: true,
            allowPrivilegeEscalation: false,
            capabilities: { drop: ['ALL'] },
            seccompProfile: { type: 'RuntimeDefault' },
          },
          resources: { requests: { cpu: '10m', memory: '64Mi' }, limits: { memory: '256Mi' } },
        },
      },
    },
    drop: [],
    patches: [
      {
        // The chart pins runAsUser 65534, which OpenShift's restricted-v2 SCC refuses (UIDs come from
        // the namespace's range). The image runs as the numeric non-root USER 65532, so without the
        // field runAsNonRoot still holds on any cluster.
        target: { apiVersion: 'apps/v1', kind: 'Deployment', name: RELOADER_DEPLOYMENT, namespace: fleet.namespace },
        merge: { spec: { template: { spec: { securityContext: { runAsUser: null } } } } },
      },
    ],
    ignoreDifferences: [],
    // Namespaced RBAC only (Role and RoleBinding): nothing outside the namespace.
    clusterKinds: [],
  };
}

/** Whether a chart's output is changed after rendering (objects dropped or patched). */
export function postRendered(addon: HelmAddon): boolean {
  return addon.drop.length > 0 || addon.patches.length > 0;
}

/** Kustomize strategic-merge patch that changes one rendered object. */
export function mergePatch(p: ObjectPatch): string {
  const { apiVersion, kind, name, namespace } = p.target;
  return yaml.dump({ apiVersion, kind, metadata: { name, namespace }, ...p.merge }, { lineWidth: -1 });
}

/** Every post-render patch of a chart: deletions first, then merges. */
export function postRenderPatches(addon: HelmAddon): string[] {
  return [...addon.drop.map(deletePatch), ...addon.patches.map(mergePatch)];
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
