// What Argo CD and Flux do with the tree, reduced to what reaches the API server: the same
// objects, in the same order, with the same field manager and tracking metadata, server-side
// applied with force (both tools force conflicts), and pruned the way each tool prunes.
//   Argo CD (3.x): field manager argocd-controller; annotation tracking
//     (argocd.argoproj.io/tracking-id: <app>:<group>/<kind>:<namespace>/<name>); sync waves, kind
//     order, name; PruneLast; Prune=false kept.
//   Flux: field manager kustomize-controller; labels kustomize.toolkit.fluxcd.io/{name,namespace};
//     Kustomizations in dependsOn order, each applied in stages (cluster definitions first);
//     kustomize.toolkit.fluxcd.io/prune: disabled kept.
// Not emulated (no kubelet, no chart access): health gates between waves/layers, hooks, Helm
// charts (the HelmRelease and Application objects themselves are applied).
import { Kube, ObjectResult } from './kube';
import { Obj, Tree, argoWaves, clone, fluxStages, groupOf, keyOf, kubectlName, kustomizeBuild } from './tree';

export const ARGO_MANAGER = 'argocd-controller';
export const FLUX_MANAGER = 'kustomize-controller';
const ARGO_TRACKING = 'argocd.argoproj.io/tracking-id';
const FLUX_NAME = 'kustomize.toolkit.fluxcd.io/name';
const FLUX_NAMESPACE = 'kustomize.toolkit.fluxcd.io/namespace';

/** Which group/Kind is namespaced (from the API server's discovery). */
export type Scope = Map<string, boolean>;

export async function discoverScope(kube: Kube): Promise<Scope> {
  const r = await kube.run(['api-resources', '--no-headers']);
  if (r.code !== 0) throw new Error(`kubectl api-resources: ${r.stderr}`);
  const scope: Scope = new Map();
  for (const line of r.stdout.split('\n')) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 4) continue;
    const kind = cols[cols.length - 1];
    const namespaced = cols[cols.length - 2] === 'true';
    const av = cols[cols.length - 3];
    scope.set(`${av.includes('/') ? av.split('/')[0] : ''}/${kind}`, namespaced);
  }
  return scope;
}

export interface Unit {
  /** Argo CD Application or Flux Kustomization name */
  readonly owner: string;
  readonly tool: 'argocd' | 'flux';
  readonly objects: Obj[];
}

export interface SyncResult {
  readonly unit: Unit;
  readonly results: ObjectResult[];
  readonly pruned: Obj[];
  readonly kept: Obj[];
  readonly pruneOutput: string;
  /** deleted and created again (Argo CD Force=true,Replace=true; Flux force: enabled after an immutable-field refusal) */
  readonly recreated: Obj[];
  /** not applied: the Application was Synced (rendering unchanged since its last accepted sync) */
  readonly skipped?: boolean;
}

export function argoDecorate(app: string, objs: readonly Obj[], destNamespace: string, scope: Scope): Obj[] {
  return objs.map((o) => {
    const c = clone(o);
    c.metadata ??= {};
    if (!c.metadata.namespace && scope.get(`${groupOf(c)}/${c.kind}`) === true) c.metadata.namespace = destNamespace;
    c.metadata.annotations = { ...(c.metadata.annotations ?? {}), [ARGO_TRACKING]: `${app}:${groupOf(c)}/${c.kind}:${c.metadata.namespace ?? ''}/${c.metadata.name}` };
    return c;
  });
}

export function fluxDecorate(kustomization: string, objs: readonly Obj[]): Obj[] {
  return objs.map((o) => {
    const c = clone(o);
    c.metadata ??= {};
    c.metadata.labels = { ...(c.metadata.labels ?? {}), [FLUX_NAME]: kustomization, [FLUX_NAMESPACE]: 'flux-system' };
    return c;
  });
}

/** An Argo CD sync option of the object's argocd.argoproj.io/sync-options annotation (e.g. Replace=true). */
export function argoOption(o: Obj, name: string): boolean {
  const v = String(o.metadata?.annotations?.['argocd.argoproj.io/sync-options'] ?? '');
  return v.split(',').some((p) => p.trim() === `${name}=true`);
}

function ownedBy(unit: Unit, live: Obj): boolean {
  if (unit.tool === 'argocd') return String(live.metadata?.annotations?.[ARGO_TRACKING] ?? '').startsWith(`${unit.owner}:`);
  return live.metadata?.labels?.[FLUX_NAME] === unit.owner && live.metadata?.labels?.[FLUX_NAMESPACE] === 'flux-system';
}

function pruneDisabled(unit: Unit, live: Obj): boolean {
  const a = live.metadata?.annotations ?? {};
  if (unit.tool === 'argocd') return /(^|,)\s*Prune=false\s*(,|$)/.test(String(a['argocd.argoproj.io/sync-options'] ?? ''));
  return a['kustomize.toolkit.fluxcd.io/prune'] === 'disabled';
}

/**
 * Applies a unit: Argo CD wave by wave, Flux stage by stage (each one kubectl call, objects in
 * order); then prunes what the unit owned before (`previous`: the kinds to look at) and no longer
 * renders, the way the tool would, keeping objects whose annotation disables pruning.
 */
export async function syncUnit(kube: Kube, unit: Unit, previous: readonly Obj[], opts: { prune: boolean; force?: boolean; dryRun?: boolean; oneCall?: boolean }): Promise<SyncResult> {
  const manager = unit.tool === 'argocd' ? ARGO_MANAGER : FLUX_MANAGER;
  // oneCall: every wave in one kubectl call, objects still in wave order (kubectl applies them one
  // after the other; Argo CD's health waits between waves are not emulated either way)
  const waves = argoWaves(unit.objects).map((w) => w.objects);
  const batches = unit.tool === 'argocd' ? (opts.oneCall ? [waves.flat()] : waves) : fluxStages(unit.objects);
  const results: ObjectResult[] = [];
  const recreated: Obj[] = [];
  for (const batch of batches) {
    // Argo CD: Replace=true takes precedence over ServerSideApply (kubectl create/replace, Force=true: delete and create)
    const replace = unit.tool === 'argocd' ? batch.filter((o) => argoOption(o, 'Replace')) : [];
    const apply = batch.filter((o) => !replace.includes(o));
    const r = await kube.apply(apply, manager, { force: opts.force, dryRun: opts.dryRun, tag: unit.owner });
    for (const res of r.results) {
      // Flux: kustomize.toolkit.fluxcd.io/force: enabled recreates an object whose update the API server refuses as immutable
      const fluxForce = unit.tool === 'flux' && res.object.metadata?.annotations?.['kustomize.toolkit.fluxcd.io/force'] === 'enabled';
      if (!res.ok && fluxForce && !opts.dryRun && /immutable|Forbidden|Invalid value/.test(res.message)) {
        await kube.deleteAndWait(res.object);
        const again = await kube.apply([res.object], manager, { force: opts.force, tag: `${unit.owner}-recreate` });
        results.push(...again.results);
        recreated.push(res.object);
      } else results.push(res);
    }
    for (const o of replace) {
      const res = await kube.createOrReplace(o, manager, argoOption(o, 'Force'), opts.dryRun);
      if (res.verb === 'replace --force') recreated.push(o);
      results.push(res);
    }
  }
  const pruned: Obj[] = [];
  const kept: Obj[] = [];
  let pruneOutput = '';
  if (opts.prune && !opts.dryRun) {
    const want = new Set(unit.objects.map(keyOf));
    const kinds = [...new Set([...previous, ...unit.objects].map((o) => kubectlName(o).split('/')[0]))].sort();
    if (kinds.length > 0) {
      const live = await kube.json(['get', kinds.join(','), '--all-namespaces']);
      for (const item of (live.items ?? []) as Obj[]) {
        if (!ownedBy(unit, item) || want.has(keyOf(item))) continue;
        if (item.metadata?.deletionTimestamp) continue;
        (pruneDisabled(unit, item) ? kept : pruned).push(item);
      }
      if (pruned.length > 0) pruneOutput = (await kube.delete(pruned)).combined;
    }
  }
  return { unit, results, pruned, kept, pruneOutput, recreated };
}

/** The Argo CD units of a region from a tree: the Applications the ApplicationSets generate for it. */
export async function argoUnits(tree: Tree, region: string, kustomize: string, scope: Scope): Promise<Unit[]> {
  const units: Unit[] = [];
  for (const app of tree.argoApps().filter((a) => a.region === region)) {
    const objs = await kustomizeBuild(kustomize, tree.path(app.path));
    units.push({ owner: app.name, tool: 'argocd', objects: argoDecorate(app.name, objs, app.destinationNamespace, scope) });
  }
  return units;
}

/** The gitops Application's unit (clusters/argocd, to the control cluster). */
export async function argoControlUnit(tree: Tree, kustomize: string, scope: Scope): Promise<Unit | undefined> {
  const app = tree.gitopsApp();
  if (!app) return undefined;
  const objs = await kustomizeBuild(kustomize, tree.path(app.path));
  return { owner: app.name, tool: 'argocd', objects: argoDecorate(app.name, objs, app.destinationNamespace, scope) };
}

export interface FluxPlan {
  readonly units: Unit[];
  /** Kustomizations whose source is not this repository (not rendered offline) */
  readonly external: { name: string; source: string; path: string }[];
}

/** The Flux units of a region: the bootstrap Kustomization (clusters/flux/<region>) and the layers in dependsOn order. */
export async function fluxUnits(tree: Tree, region: string, kustomize: string): Promise<FluxPlan> {
  const units: Unit[] = [{ owner: 'flux-system', tool: 'flux', objects: fluxDecorate('flux-system', tree.fluxObjects(region)) }];
  const external: { name: string; source: string; path: string }[] = [];
  for (const layer of tree.fluxLayers(region)) {
    if (layer.source !== 'GitRepository/flux-system') {
      external.push({ name: layer.name, source: layer.source, path: layer.path });
      continue;
    }
    const objs = await kustomizeBuild(kustomize, tree.path(layer.path));
    units.push({ owner: layer.name, tool: 'flux', objects: fluxDecorate(layer.name, objs) });
  }
  return { units, external };
}
