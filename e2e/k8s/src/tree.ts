// The generated tree as the GitOps tools see it: kustomize builds of the region roots and Flux
// layer paths, the Argo CD Applications the ApplicationSets generate, and the orders both tools
// apply in (Argo CD: sync wave, then kind, then name; Flux: Kustomization dependsOn).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as yaml from 'js-yaml';
import { must } from './proc';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Obj = Record<string, any>;

export function groupOf(o: Obj): string {
  const av = String(o.apiVersion ?? '');
  return av.includes('/') ? av.split('/')[0] : '';
}

/** group/Kind/namespace/name: one live object (versions of a group are the same object). */
export function keyOf(o: Obj): string {
  return `${groupOf(o)}/${o.kind}/${o.metadata?.namespace ?? ''}/${o.metadata?.name}`;
}

/** Kind namespace/name, for messages. */
export function label(o: Obj): string {
  const ns = o.metadata?.namespace;
  return `${o.kind} ${ns ? `${ns}/` : ''}${o.metadata?.name}`;
}

/** What kubectl -o name prints for an object: <resource kind lowercased>[.<group>]/<name>. */
export function kubectlName(o: Obj): string {
  const g = groupOf(o);
  return `${String(o.kind).toLowerCase()}${g ? `.${g}` : ''}/${o.metadata?.name}`;
}

export function parseDocs(text: string): Obj[] {
  return yaml.loadAll(text).filter((d): d is Obj => !!d && typeof d === 'object' && 'kind' in (d as Obj));
}

export function dumpDocs(objs: readonly Obj[]): string {
  return objs.map((o) => yaml.dump(o, { lineWidth: -1, noRefs: true, sortKeys: false })).join('---\n');
}

export function clone<T>(o: T): T {
  return JSON.parse(JSON.stringify(o)) as T;
}

/** `kustomize build <dir>` with the built kustomize, parsed. */
export async function kustomizeBuild(kustomize: string, dir: string): Promise<Obj[]> {
  const r = await must(kustomize, ['build', dir], { timeoutMs: 60_000 });
  return parseDocs(r.stdout);
}

// gitops-engine's sync order within a wave (pkg/sync/sync_tasks.go kindOrder, Helm's install
// order): these kinds first, in this order, then every other kind (custom resources), then name.
const ARGO_KIND_ORDER = [
  'Namespace', 'NetworkPolicy', 'ResourceQuota', 'LimitRange', 'PodSecurityPolicy', 'PodDisruptionBudget', 'ServiceAccount',
  'Secret', 'SecretList', 'ConfigMap', 'StorageClass', 'PersistentVolume', 'PersistentVolumeClaim', 'CustomResourceDefinition',
  'ClusterRole', 'ClusterRoleList', 'ClusterRoleBinding', 'ClusterRoleBindingList', 'Role', 'RoleList', 'RoleBinding',
  'RoleBindingList', 'Service', 'DaemonSet', 'Pod', 'ReplicationController', 'ReplicaSet', 'Deployment',
  'HorizontalPodAutoscaler', 'StatefulSet', 'Job', 'CronJob', 'IngressClass', 'Ingress', 'APIService',
];

export function syncWave(o: Obj): number {
  const w = o.metadata?.annotations?.['argocd.argoproj.io/sync-wave'];
  const n = w === undefined ? 0 : Number.parseInt(String(w), 10);
  return Number.isFinite(n) ? n : 0;
}

function kindRank(kind: string): number {
  const i = ARGO_KIND_ORDER.indexOf(kind);
  return i < 0 ? 0 : i - ARGO_KIND_ORDER.length;
}

/** The objects grouped by sync wave (ascending), each wave in Argo CD's kind-then-name order. */
export function argoWaves(objs: readonly Obj[]): { wave: number; objects: Obj[] }[] {
  const sorted = [...objs].sort(
    (a, b) => syncWave(a) - syncWave(b) || kindRank(a.kind) - kindRank(b.kind) || String(a.metadata.name).localeCompare(String(b.metadata.name)),
  );
  const waves: { wave: number; objects: Obj[] }[] = [];
  for (const o of sorted) {
    const w = syncWave(o);
    if (waves.length === 0 || waves[waves.length - 1].wave !== w) waves.push({ wave: w, objects: [] });
    waves[waves.length - 1].objects.push(o);
  }
  return waves;
}

/** Flux's apply stages (fluxcd/pkg/ssa ApplyAllStaged): cluster definitions first, then everything else. */
export function fluxStages(objs: readonly Obj[]): Obj[][] {
  const first = (o: Obj): boolean => ['CustomResourceDefinition', 'Namespace', 'ClusterRole', 'ClusterRoleBinding', 'StorageClass', 'IngressClass'].includes(o.kind);
  return [objs.filter(first), objs.filter((o) => !first(o))].filter((s) => s.length > 0);
}

/** One Argo CD Application as the ApplicationSet (or the tree itself) defines it. */
export interface ArgoApp {
  readonly name: string;
  /** repository path of the source (a kustomize root) */
  readonly path: string;
  readonly region: string;
  readonly destinationNamespace: string;
}

/** One Flux Kustomization of a region: name, path (in the repository), dependencies; external: from another source. */
export interface FluxLayer {
  readonly name: string;
  readonly path: string;
  readonly dependsOn: readonly string[];
  readonly source: string;
  readonly prune: boolean;
}

/** A generated tree: `root` holds the repository layout (root/clusters/...), as synth --out or git writes it. */
export class Tree {
  readonly regions: string[];
  readonly argocdDir: string;

  constructor(
    readonly name: string,
    readonly root: string,
    readonly clustersPath = 'clusters',
  ) {
    const dir = join(root, clustersPath);
    if (!existsSync(dir)) throw new Error(`tree ${name}: no ${dir}`);
    this.argocdDir = join(dir, 'argocd');
    this.regions = this.regionOrder();
  }

  private readObjs(dir: string): Obj[] {
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml' && statSync(join(dir, f)).isFile())
      .sort()
      .flatMap((f) => parseDocs(readFileSync(join(dir, f), 'utf8')));
  }

  /** The files of clusters/argocd (what the gitops Application syncs), parsed. */
  argocdObjects(): Obj[] {
    return this.readObjs(this.argocdDir);
  }

  /** Regions in the fleet's order: the order of the main ApplicationSet's list (RollingSync steps follow it). */
  private regionOrder(): string[] {
    const sets = this.argocdObjects().filter((o) => o.kind === 'ApplicationSet');
    const main = sets.find((s) => s.spec?.strategy?.rollingSync) ?? sets[0];
    const listed: string[] = (main?.spec?.generators?.[0]?.list?.elements ?? []).map((e: Obj) => String(e.region));
    const dirs = readdirSync(join(this.root, this.clustersPath)).filter(
      (d) => d !== 'argocd' && d !== 'flux' && existsSync(join(this.root, this.clustersPath, d, 'kustomization.yaml')),
    );
    return [...listed.filter((r) => dirs.includes(r)), ...dirs.filter((d) => !listed.includes(d)).sort()];
  }

  /** The Applications the ApplicationSets generate (list generator, {{.key}} templates), per region. */
  argoApps(): ArgoApp[] {
    const apps: ArgoApp[] = [];
    // ApplicationSets in sync-wave order (the gitops Application creates them wave by wave), then name
    const sets = this.argocdObjects()
      .filter((o) => o.kind === 'ApplicationSet')
      .sort((a, b) => syncWave(a) - syncWave(b) || String(a.metadata.name).localeCompare(String(b.metadata.name)));
    for (const set of sets) {
      const tpl = set.spec?.template ?? {};
      for (const el of set.spec?.generators?.[0]?.list?.elements ?? []) {
        const fill = (s: string): string => s.replace(/\{\{\s*\.(\w+)\s*\}\}/g, (_m: string, k: string) => String(el[k] ?? ''));
        apps.push({
          name: fill(String(tpl.metadata?.name ?? set.metadata.name)),
          path: fill(String(tpl.spec?.source?.path ?? el.path)),
          region: String(el.region),
          destinationNamespace: fill(String(tpl.spec?.destination?.namespace ?? 'default')),
        });
      }
    }
    return apps;
  }

  /** The gitops Application that syncs clusters/argocd itself (to the control cluster). */
  gitopsApp(): ArgoApp | undefined {
    const app = this.argocdObjects().find((o) => o.kind === 'Application' && o.spec?.source?.path === `${this.clustersPath}/argocd`);
    return app ? { name: app.metadata.name, path: app.spec.source.path, region: this.regions[0], destinationNamespace: app.spec.destination?.namespace ?? 'argocd' } : undefined;
  }

  fluxDir(region: string): string {
    return join(this.root, this.clustersPath, 'flux', region);
  }

  /** clusters/flux/<region>/*.yaml: what the bootstrap Kustomization flux-system applies. */
  fluxObjects(region: string): Obj[] {
    return this.readObjs(this.fluxDir(region));
  }

  /** The region's Kustomizations in dependsOn order (a topological sort; ties by name). */
  fluxLayers(region: string): FluxLayer[] {
    const ks = this.fluxObjects(region).filter((o) => o.kind === 'Kustomization' && groupOf(o) === 'kustomize.toolkit.fluxcd.io');
    const layers: FluxLayer[] = ks.map((k) => ({
      name: k.metadata.name,
      path: String(k.spec.path).replace(/^\.\//, ''),
      dependsOn: (k.spec.dependsOn ?? []).map((d: Obj) => String(d.name)),
      source: `${k.spec.sourceRef?.kind}/${k.spec.sourceRef?.name}`,
      prune: k.spec.prune !== false,
    }));
    const byName = new Map(layers.map((l) => [l.name, l]));
    const done = new Set<string>();
    const out: FluxLayer[] = [];
    const visit = (l: FluxLayer, stack: string[]): void => {
      if (done.has(l.name)) return;
      if (stack.includes(l.name)) throw new Error(`flux ${region}: dependsOn cycle ${[...stack, l.name].join(' -> ')}`);
      for (const d of [...l.dependsOn].sort()) {
        const dep = byName.get(d);
        if (!dep) throw new Error(`flux ${region}: ${l.name} depends on ${d}, which ${region} does not define`);
        visit(dep, [...stack, l.name]);
      }
      done.add(l.name);
      out.push(l);
    };
    for (const l of [...layers].sort((a, b) => a.name.localeCompare(b.name))) visit(l, []);
    return out;
  }

  path(rel: string): string {
    return join(this.root, rel);
  }
}
