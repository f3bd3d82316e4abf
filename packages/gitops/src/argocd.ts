import { Chart } from 'cdk8s';
import { Fleet } from '@stretched-kafka/fleet';
import { Application, ApplicationSpecIgnoreDifferences, ApplicationSpecSource } from '../../../imports/argocd-application-argoproj.io';
import { ApplicationSet } from '../../../imports/argocd-applicationset-argoproj.io';
import { AppProject } from '../../../imports/argocd-appproject-argoproj.io';
import type { Manifest, RegionLayer, RegionLayout, SeparateSync } from '@stretched-kafka/core';
import { Addon, HelmAddon, commonFolder, postRendered, postRenderPatches } from './addons';

/** Namespace of the Argo CD installation on the control cluster (where Applications live). */
export const ARGOCD_NAMESPACE = 'argocd';
/** The control cluster as Argo CD names itself. */
export const IN_CLUSTER = 'https://kubernetes.default.svc';

const WAVE = 'argocd.argoproj.io/sync-wave';
/**
 * Sync waves of the root app-of-apps: project, then add-ons, then the stack ApplicationSet, then
 * the ApplicationSets of layers synced apart from the stack (Component.separateSync: the load
 * Jobs). The root applies a wave once the previous one is Healthy, and Argo CD's built-in health
 * check of an ApplicationSet reports Progressing while its RollingSync is under way. So on a first
 * install with progressive syncs the load Applications are created only once every region's stack
 * was synced and is Healthy. Without progressive syncs the stack ApplicationSet is Healthy once it
 * generated its Applications, so the first load run starts with the stack; its Jobs wait up to
 * 600 s for the brokers, topic and ACLs (--wait-for-topic-s), and only a first install slower than
 * that needs a bump of load.run.
 * Afterwards the separate Applications sync their folders by themselves, at any time; only a
 * change to their ApplicationSet (this folder) waits behind a stack rollout under way.
 */
export const ARGOCD_WAVES = { project: -2, addons: -1, stack: 0, separate: 1 } as const;

/** Failed syncs retry with backoff: 30s, 1m, 2m, 4m, 8m, then every 10m (about an hour in all). */
const RETRY = { limit: 10, backoff: { duration: '30s', factor: 2, maxDuration: '10m' } };

/** Fields Kubernetes or controllers fill in on the stack's objects, per kind; only kinds present in the output are listed. */
const STACK_IGNORE: Record<string, ApplicationSpecIgnoreDifferences> = {
  // The API server adds apiVersion/kind (and, before 1.29, status and creationTimestamp) to each claim template.
  'apps/StatefulSet': {
    group: 'apps',
    kind: 'StatefulSet',
    jqPathExpressions: ['.spec.volumeClaimTemplates[]?.apiVersion', '.spec.volumeClaimTemplates[]?.kind', '.spec.volumeClaimTemplates[]?.status', '.spec.volumeClaimTemplates[]?.metadata.creationTimestamp'],
  },
  // The Job controller generates the selector and stamps the pod template with its uid labels.
  'batch/Job': {
    group: 'batch',
    kind: 'Job',
    jqPathExpressions: [
      '.spec.selector',
      '.spec.template.metadata.labels["controller-uid"]',
      '.spec.template.metadata.labels["batch.kubernetes.io/controller-uid"]',
      '.spec.template.metadata.labels["job-name"]',
      '.spec.template.metadata.labels["batch.kubernetes.io/job-name"]',
    ],
  },
  // Lighthouse reports export conditions; the Submariner operator reports discovered CIDRs and gateways.
  'multicluster.x-k8s.io/ServiceExport': { group: 'multicluster.x-k8s.io', kind: 'ServiceExport', jsonPointers: ['/status'] },
  'submariner.io/Submariner': { group: 'submariner.io', kind: 'Submariner', jsonPointers: ['/status'] },
  // Reloader (annotations strategy) marks the pod template of a Deployment it restarted.
  'apps/Deployment': { group: 'apps', kind: 'Deployment', jqPathExpressions: ['.spec.template.metadata.annotations["reloader.stakater.com/last-reloaded-from"]'] },
};

/** Label every stack Application carries with its region; the rolling sync selects regions by it. */
export const REGION_LABEL = 'topology.kubernetes.io/region';

function groupOf(apiVersion: string): string {
  return apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
}

function allObjects(regions: readonly RegionLayout[]): Manifest[] {
  return regions.flatMap((r) => r.layers.flatMap((l) => l.objects));
}

/** The layers the stack Application of a region syncs: those its region root kustomization lists. */
function stackLayers(region: RegionLayout): RegionLayer[] {
  return region.layers.filter((l) => !l.separateSync);
}

/** ignoreDifferences for the kinds among `objects`, in a stable order. */
function ignoreDifferencesOf(objects: readonly Manifest[]): ApplicationSpecIgnoreDifferences[] {
  const kinds = new Set(objects.map((o) => `${groupOf(o.apiVersion)}/${o.kind}`));
  return Object.keys(STACK_IGNORE)
    .filter((k) => kinds.has(k))
    .map((k) => STACK_IGNORE[k]);
}

/** ignoreDifferences for the kinds the stack Applications actually sync (layers synced separately excluded). */
export function stackIgnoreDifferences(regions: readonly RegionLayout[]): ApplicationSpecIgnoreDifferences[] {
  return ignoreDifferencesOf(regions.flatMap((r) => stackLayers(r).flatMap((l) => l.objects)));
}

/** One group of layers synced apart from the stack: its ApplicationSet and, per region, the layer. */
export interface SeparateSet {
  readonly sync: SeparateSync;
  /** Name of the ApplicationSet: `<fleet.name>-<sync.name>`. */
  readonly name: string;
  readonly layers: readonly { readonly region: RegionLayout; readonly layer: RegionLayer }[];
}

/** The layers synced separately, grouped by SeparateSync name, in component order; regions without the layer are left out. */
export function separateSets(fleet: Fleet, regions: readonly RegionLayout[]): SeparateSet[] {
  const sets = new Map<string, { sync: SeparateSync; name: string; layers: { region: RegionLayout; layer: RegionLayer }[]; component: string }>();
  for (const region of regions) {
    for (const layer of region.layers) {
      if (!layer.separateSync) continue;
      const key = layer.separateSync.name;
      const set = sets.get(key) ?? { sync: layer.separateSync, name: `${fleet.name}-${key}`, layers: [], component: layer.component };
      // One Application per region syncs one folder: two components under one name would need two.
      if (set.component !== layer.component) throw new Error(`components ${set.component} and ${layer.component} both sync separately as "${key}"; give each its own separateSync name`);
      set.layers.push({ region, layer });
      sets.set(key, set);
    }
  }
  return [...sets.values()].map(({ sync, name, layers }) => ({ sync, name, layers }));
}

function automated(fleet: Fleet, prune: boolean) {
  return fleet.gitops.automatedSync ? { automated: { prune, selfHeal: fleet.gitops.selfHeal } } : {};
}

/** Sync policy of the stack Applications: automation from the fleet, the namespace comes from git. */
export function stackSyncPolicy(fleet: Fleet) {
  return {
    ...automated(fleet, fleet.gitops.prune),
    // CreateNamespace=false: the namespace layer creates it with its Pod Security labels.
    // ServerSideApply: field ownership instead of a last-applied annotation (large ConfigMaps and CRs).
    // PruneLast: deletions wait until every wave applied.
    syncOptions: ['CreateNamespace=false', 'ServerSideApply=true', 'RespectIgnoreDifferences=true', 'PruneLast=true'],
    retry: RETRY,
  };
}

/**
 * Add-ons never prune on their own: their CRDs carry every Certificate, KafkaTopic and Submariner
 * object. Charts get their namespace created; CRD manifests must not create the stack's namespace
 * early (without its Pod Security labels). The Reloader chart is installed into the stack's
 * namespace and must create it all the same: its Application syncs a wave before the stack
 * ApplicationSet exists, so without it the Reloader Application could not sync and, with the
 * Application health check, the root would never get to the stack's wave.
 * Argo CD creates the namespace bare and does not track it (no managedNamespaceMetadata), so the
 * add-on Application neither diffs nor prunes it; the stack's namespace layer then applies its
 * labels and owns it. Until then only Reloader runs there, and it passes `restricted` anyway.
 */
function addonSyncPolicy(fleet: Fleet, createNamespace: boolean) {
  return {
    ...automated(fleet, false),
    syncOptions: [`CreateNamespace=${createNamespace}`, 'ServerSideApply=true', 'RespectIgnoreDifferences=true'],
    retry: RETRY,
  };
}

function stackAppName(fleet: Fleet, region: string): string {
  return `${fleet.name}-${region}`;
}

/** Folder (under the GitOps folders) of the kustomization that inflates a chart and deletes the objects another layer owns. */
export function inflationFolder(argocdFolder: string, addon: HelmAddon): string {
  return `${argocdFolder}/addons/${addon.name}`;
}

/** kustomization.yaml that renders a chart (kustomize helmCharts, needs `--enable-helm`) and drops or patches objects. */
export function inflationKustomization(addon: HelmAddon): Record<string, unknown> {
  return {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    helmCharts: [{ name: addon.chart, repo: addon.repoUrl, version: addon.version, releaseName: addon.name, namespace: addon.namespace, includeCRDs: true, valuesInline: addon.values }],
    patches: postRenderPatches(addon).map((patch) => ({ patch })),
  };
}

/**
 * Progressive sync of the stack: one step per region, in fleet order, so a change that restarts
 * brokers reaches one region at a time and the next region starts only when the previous one's
 * Application is Healthy again (one replica per partition down at a time instead of up to three).
 * The ApplicationSet controller runs it only with `applicationsetcontroller.enable.progressive.syncs`
 * ("true" in argocd-cmd-params-cm); without the flag it ignores `strategy` and the Applications keep
 * their automated policy, all regions at once. With the flag it strips `automated` from the
 * generated Applications and syncs the OutOfSync ones itself, step by step, with the template's
 * retry and sync options and, as prune, `automated.prune` (so the template keeps `automated`);
 * drift makes an Application OutOfSync, which it re-syncs at its step (selfHeal has no effect).
 * A step that never gets Healthy holds back the next ones: on first install (one region's ZooKeeper
 * members are no quorum, so its StatefulSet never gets ready alone) or with a region down. The load
 * Jobs are not part of it (their layer is synced separately, see buildArgoCd), so neither a running
 * nor a failed load test holds a step. A manual sync of the held-back Applications always works.
 * It syncs on its own whatever the template says, so it is left out under manual sync.
 */
export function rollingSync(fleet: Fleet, regions: readonly RegionLayout[]) {
  if (!fleet.gitops.automatedSync) return undefined;
  return {
    type: 'RollingSync',
    rollingSync: { steps: regions.map((r) => ({ matchExpressions: [{ key: REGION_LABEL, operator: 'In', values: [r.region.name] }] })) },
  };
}

function addonSource(fleet: Fleet, addon: Addon, argocdFolder: string): ApplicationSpecSource {
  if (addon.type === 'git') {
    const { folder, relative } = commonFolder(addon.files);
    return { repoUrl: addon.repoUrl, targetRevision: addon.tag, path: folder, directory: { recurse: true, include: `{${relative.join(',')}}` } };
  }
  if (postRendered(addon)) {
    return { repoUrl: fleet.gitops.repoUrl, targetRevision: fleet.gitops.revision, path: `${fleet.gitops.path}/${inflationFolder(argocdFolder, addon)}` };
  }
  return { repoUrl: addon.repoUrl, chart: addon.chart, targetRevision: addon.version, helm: { releaseName: addon.name, valuesObject: addon.values } };
}

export interface ArgoCdProps {
  readonly fleet: Fleet;
  readonly regions: readonly RegionLayout[];
  readonly addons: readonly Addon[];
  /** This folder, relative to gitops.path (the root Application syncs it). */
  readonly folder: string;
}

/**
 * The Argo CD control objects, applied once to the control cluster (`kubectl apply -k`) and then
 * synced by their own root Application (app of apps). Its sync waves order the Applications:
 * AppProject, add-on Applications per region, the ApplicationSet with one stack Application per
 * region, then the ApplicationSets of layers synced separately (ARGOCD_WAVES). The waves wait for the add-ons to be healthy only when Argo CD assesses Application
 * health (the argocd-cm health check for argoproj.io/Application); without it the stack's retry
 * with backoff covers the gap until the CRDs exist.
 */
export function buildArgoCd(chart: Chart, props: ArgoCdProps): void {
  const { fleet, regions, addons, folder } = props;
  const project = fleet.name;
  const labels = { 'app.kubernetes.io/part-of': fleet.name, 'app.kubernetes.io/managed-by': 'stretched-kafka' };
  const meta = (name: string, wave: number) => ({ name, namespace: ARGOCD_NAMESPACE, labels, annotations: { [WAVE]: String(wave) } });
  const helmAddons = addons.filter((a): a is HelmAddon => a.type === 'helm');

  const objects = allObjects(regions);
  // Each cluster may receive objects only in the namespaces its own folder and the add-ons use.
  const namespacesOf = (r: RegionLayout) =>
    [...new Set([fleet.namespace, ...helmAddons.map((a) => a.namespace), ...r.layers.flatMap((l) => l.objects.flatMap((o) => (o.metadata.namespace ? [o.metadata.namespace] : [])))])].sort();
  const clusterKinds = new Map<string, { group: string; kind: string }>();
  for (const { group, kind } of [
    ...objects.filter((o) => !o.metadata.namespace).map((o) => ({ group: groupOf(o.apiVersion), kind: o.kind })),
    // CreateNamespace=true creates the charts' namespaces.
    { group: '', kind: 'Namespace' },
    // What the add-on charts and CRD manifests create outside namespaces.
    ...addons.flatMap((a) => a.clusterKinds),
  ]) {
    clusterKinds.set(`${group}/${kind}`, { group, kind });
  }

  new AppProject(chart, 'project', {
    metadata: meta(project, ARGOCD_WAVES.project),
    spec: {
      description: `${fleet.name}: one Kafka cluster stretched over ${fleet.regions.length} clusters`,
      sourceRepos: [...new Set([fleet.gitops.repoUrl, ...addons.map((a) => addonSource(fleet, a, folder).repoUrl)])].sort(),
      destinations: [
        { server: IN_CLUSTER, namespace: ARGOCD_NAMESPACE },
        ...regions.flatMap((r) => namespacesOf(r).map((namespace) => ({ server: r.region.kubeApiServer, namespace }))),
      ],
      clusterResourceWhitelist: [...clusterKinds.keys()].sort().map((k) => clusterKinds.get(k)!),
    },
  });

  new Application(chart, 'root', {
    metadata: { name: `${fleet.name}-gitops`, namespace: ARGOCD_NAMESPACE, labels },
    spec: {
      project,
      source: { repoUrl: fleet.gitops.repoUrl, targetRevision: fleet.gitops.revision, path: `${fleet.gitops.path}/${folder}` },
      destination: { server: IN_CLUSTER, namespace: ARGOCD_NAMESPACE },
      syncPolicy: { ...automated(fleet, fleet.gitops.prune), syncOptions: ['CreateNamespace=false'], retry: RETRY },
    },
  });

  for (const { region: r } of regions) {
    for (const addon of addons) {
      new Application(chart, `${r.name}-${addon.name}`, {
        metadata: meta(`${stackAppName(fleet, r.name)}-${addon.name}`, ARGOCD_WAVES.addons),
        spec: {
          project,
          source: addonSource(fleet, addon, folder),
          destination: { server: r.kubeApiServer, namespace: addon.type === 'helm' ? addon.namespace : fleet.namespace },
          syncPolicy: addonSyncPolicy(fleet, addon.type === 'helm'),
          ...(addon.type === 'helm' && addon.ignoreDifferences.length > 0 ? { ignoreDifferences: [...addon.ignoreDifferences] } : {}),
        },
      });
    }
  }

  const ignoreDifferences = stackIgnoreDifferences(regions);
  const strategy = rollingSync(fleet, regions);
  new ApplicationSet(chart, 'stack', {
    metadata: meta(fleet.name, ARGOCD_WAVES.stack),
    spec: {
      goTemplate: true,
      goTemplateOptions: ['missingkey=error'],
      // Deleting the ApplicationSet must never take Kafka down with it.
      syncPolicy: { preserveResourcesOnDeletion: true },
      ...(strategy ? { strategy } : {}),
      generators: [{ list: { elements: regions.map((l) => ({ region: l.region.name, server: l.region.kubeApiServer, path: `${fleet.gitops.path}/${l.folder}` })) } }],
      template: {
        metadata: { name: `${fleet.name}-{{.region}}`, labels: { ...labels, [REGION_LABEL]: '{{.region}}' } },
        spec: {
          project,
          source: { repoUrl: fleet.gitops.repoUrl, targetRevision: fleet.gitops.revision, path: '{{.path}}' },
          destination: { server: '{{.server}}', namespace: fleet.namespace },
          syncPolicy: stackSyncPolicy(fleet),
          ...(ignoreDifferences.length > 0 ? { ignoreDifferences } : {}),
        },
      },
    },
  });

  // Layers synced apart from the stack (the load Jobs): the same project, destination, sync
  // policy and ignoreDifferences as the stack would give their objects, one Application per region
  // with the layer, and no strategy. Under a RollingSync their Jobs' health (Progressing while they
  // run, Degraded when one failed) would gate the next region, so the regions would load the
  // cluster one after another and a failed test would hold back every configuration rollout.
  // Without a strategy the Applications keep `automated` and every region syncs at once.
  const sets = separateSets(fleet, regions);
  for (const set of sets) {
    const setIgnore = ignoreDifferencesOf(set.layers.flatMap((l) => l.layer.objects));
    new ApplicationSet(chart, `separate-${set.sync.name}`, {
      metadata: meta(set.name, ARGOCD_WAVES.separate),
      spec: {
        goTemplate: true,
        goTemplateOptions: ['missingkey=error'],
        // Finished Jobs keep their pods' logs, the load report: deleting the ApplicationSet keeps them.
        syncPolicy: { preserveResourcesOnDeletion: true },
        generators: [
          {
            list: {
              elements: set.layers.map(({ region, layer }) => ({ region: region.region.name, server: region.region.kubeApiServer, path: `${fleet.gitops.path}/${region.folder}/${layer.component}` })),
            },
          },
        ],
        template: {
          metadata: { name: `${fleet.name}-{{.region}}-${set.sync.name}`, labels: { ...labels, [REGION_LABEL]: '{{.region}}' } },
          spec: {
            project,
            source: { repoUrl: fleet.gitops.repoUrl, targetRevision: fleet.gitops.revision, path: '{{.path}}' },
            destination: { server: '{{.server}}', namespace: fleet.namespace },
            syncPolicy: stackSyncPolicy(fleet),
            ...(setIgnore.length > 0 ? { ignoreDifferences: setIgnore } : {}),
          },
        },
      },
    });
  }

  checkApplicationNames(fleet, regions, addons, sets);
}

/**
 * Every Application the root, the add-ons and the ApplicationSets create lives in the argocd
 * namespace: two with one name would be one object that two owners fight over (e.g. a region named
 * `<region>-load` next to the load Application of `<region>`).
 */
function checkApplicationNames(fleet: Fleet, regions: readonly RegionLayout[], addons: readonly Addon[], sets: readonly SeparateSet[]): void {
  const owners = new Map<string, string>();
  const claim = (name: string, owner: string) => {
    const other = owners.get(name);
    if (other) throw new Error(`Argo CD Application name ${name} is generated twice (${other}; ${owner}); rename the region or the add-on`);
    owners.set(name, owner);
  };
  claim(`${fleet.name}-gitops`, 'the root Application');
  for (const { region: r } of regions) {
    claim(stackAppName(fleet, r.name), `the stack Application of ${r.name}`);
    for (const a of addons) claim(`${stackAppName(fleet, r.name)}-${a.name}`, `the ${a.name} add-on of ${r.name}`);
  }
  for (const set of sets) for (const { region } of set.layers) claim(`${stackAppName(fleet, region.region.name)}-${set.sync.name}`, `the ${set.sync.name} Application of ${region.region.name}`);
}
