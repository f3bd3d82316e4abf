import { ApiObject, Chart } from 'cdk8s';
import * as yaml from 'js-yaml';
import { DEFAULT_FLEET, Fleet, FleetError, Region, validateFleet } from '@stretched-kafka/fleet';
import { namespaceComponent } from '@stretched-kafka/platform';
import type { Component } from '@stretched-kafka/core';
import { COMPONENTS, render, RenderedFile, SYNC_WAVE_ANNOTATION } from '@stretched-kafka/synth';
import { addons, commonFolder, fluxBootstrapCommand, fluxGitUrl, gitopsComponent, isBranch, keepOnly, layerName, mergePatch, RELOADER } from '@stretched-kafka/gitops';

type Obj = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; annotations?: Record<string, string> }; spec?: any };

function fleetWith(patch: (f: any) => void): Fleet {
  const raw = JSON.parse(JSON.stringify(DEFAULT_FLEET));
  patch(raw);
  return validateFleet(raw);
}

/** A stand-in component: one ConfigMap (or another kind) per region, so the GitOps output does not move with the real components. */
function stub(name: string, wave: number, onlyIn?: (r: Region) => boolean, extra: Partial<Component> = {}, kind = { apiVersion: 'v1', kind: 'ConfigMap' }): Component {
  return {
    name,
    wave,
    ...extra,
    build(chart: Chart, fleet: Fleet, region: Region) {
      if (onlyIn && !onlyIn(region)) return;
      new ApiObject(chart, 'cm', { ...kind, metadata: { name, namespace: fleet.namespace } });
    },
  };
}

const STUBS: Component[] = [
  gitopsComponent,
  namespaceComponent,
  stub('certificates', 10),
  stub('zookeeper', 30),
  stub('topics', 50, (r) => r.name === DEFAULT_FLEET.topic.managementRegion),
  // Synced apart from the stack, like the real load Jobs; a Job, so that its ignoreDifferences show.
  stub('loadjobs', 70, undefined, { separateSync: { name: 'load' } }, { apiVersion: 'batch/v1', kind: 'Job' }),
];

function objectsIn(files: readonly RenderedFile[], prefix: string): Obj[] {
  return files.filter((f) => f.path.startsWith(prefix)).flatMap((f) => f.objects as unknown as Obj[]);
}

function one(objs: Obj[], kind: string, name: string): Obj {
  const found = objs.filter((o) => o.kind === kind && o.metadata.name === name);
  expect(found).toHaveLength(1);
  return found[0];
}

describe('pure helpers', () => {
  test('fluxGitUrl rewrites scp-like ssh addresses and keeps URLs', () => {
    expect(fluxGitUrl('git@github.com:org/repo.git')).toBe('ssh://git@github.com/org/repo.git');
    expect(fluxGitUrl('ssh://git@host:2222/org/repo.git')).toBe('ssh://git@host:2222/org/repo.git');
    expect(fluxGitUrl('https://git.example.com/a/b.git')).toBe('https://git.example.com/a/b.git');
  });

  test('keepOnly re-includes each ancestor folder before ignoring its other entries', () => {
    expect(keepOnly(['a/b/x.yaml', 'a/c/y.yaml']).split('\n').filter(Boolean)).toEqual(['/*', '!/a/', '/a/*', '!/a/b/', '/a/b/*', '!/a/c/', '/a/c/*', '!/a/b/x.yaml', '!/a/c/y.yaml']);
    expect(keepOnly(['top.yaml']).split('\n').filter(Boolean)).toEqual(['/*', '!/top.yaml']);
  });

  test('mergePatch writes a strategic-merge patch whose null deletes the field', () => {
    const text = mergePatch({ target: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'd', namespace: 'ns' }, merge: { spec: { x: null } } });
    expect(text).toBe('apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n  namespace: ns\nspec:\n  x: null\n');
  });

  test('commonFolder finds the deepest shared folder', () => {
    expect(commonFolder(['install/t/a.yaml', 'install/u/b.yaml'])).toEqual({ folder: 'install', relative: ['t/a.yaml', 'u/b.yaml'] });
    expect(commonFolder(['x.yaml', 'd/y.yaml'])).toEqual({ folder: '.', relative: ['x.yaml', 'd/y.yaml'] });
  });
});

describe('render with the GitOps component', () => {
  const fleet = DEFAULT_FLEET;
  const { files } = render(fleet, STUBS);
  const argo = objectsIn(files, 'argocd/');

  test('snapshot of the Argo CD folder and one Flux folder', () => {
    const pick = files.filter((f) => f.path.startsWith('argocd/') || f.path.startsWith('flux/us-east4/'));
    expect(Object.fromEntries(pick.map((f) => [f.path, f.content]))).toMatchSnapshot();
  });

  test('one stack Application per region, pointed at its cluster and its folder', () => {
    const set = one(argo, 'ApplicationSet', fleet.name);
    const elements = set.spec.generators[0].list.elements;
    expect(elements).toEqual(fleet.regions.map((r) => ({ region: r.name, server: r.kubeApiServer, path: `${fleet.gitops.path}/${r.name}` })));
    const t = set.spec.template.spec;
    expect(t.destination).toEqual({ server: '{{.server}}', namespace: fleet.namespace });
    expect(t.source).toEqual({ repoURL: fleet.gitops.repoUrl, targetRevision: fleet.gitops.revision, path: '{{.path}}' });
    expect(set.spec.template.metadata.name).toBe(`${fleet.name}-{{.region}}`);
    expect(t.syncPolicy.syncOptions).toEqual(expect.arrayContaining(['CreateNamespace=false', 'RespectIgnoreDifferences=true']));
    expect(set.spec.syncPolicy.preserveResourcesOnDeletion).toBe(true);
  });

  test('add-on Applications come one wave before the stack, per region, on the region cluster', () => {
    const apps = argo.filter((o) => o.kind === 'Application' && o.metadata.annotations?.[SYNC_WAVE_ANNOTATION] === '-1');
    expect(apps).toHaveLength(fleet.regions.length * 4);
    for (const r of fleet.regions) {
      const mine = apps.filter((a) => a.spec.destination.server === r.kubeApiServer);
      expect(mine.map((a) => a.metadata.name).sort()).toEqual(['cert-manager', 'reloader', 'strimzi-crds', 'submariner-operator'].map((n) => `${fleet.name}-${r.name}-${n}`));
    }
    expect(Number(one(argo, 'ApplicationSet', fleet.name).metadata.annotations![SYNC_WAVE_ANNOTATION])).toBeGreaterThan(-1);
    expect(Number(one(argo, 'AppProject', fleet.name).metadata.annotations![SYNC_WAVE_ANNOTATION])).toBeLessThan(-1);
    for (const a of apps) expect(a.spec.syncPolicy.automated.prune).toBe(false);
  });

  test('the AppProject admits each cluster with the namespaces its folder uses, and the repositories in use', () => {
    const project = one(argo, 'AppProject', fleet.name);
    const servers = new Set(project.spec.destinations.map((d: any) => d.server));
    expect(servers).toEqual(new Set(['https://kubernetes.default.svc', ...fleet.regions.map((r) => r.kubeApiServer)]));
    for (const r of fleet.regions) {
      const ns = project.spec.destinations.filter((d: any) => d.server === r.kubeApiServer).map((d: any) => d.namespace);
      expect(ns).toEqual(expect.arrayContaining([fleet.namespace, 'cert-manager', 'submariner-operator']));
    }
    const sources = new Set(argo.filter((o) => o.kind === 'Application').map((a) => a.spec.source.repoURL));
    expect(new Set(project.spec.sourceRepos)).toEqual(sources);
    expect(project.spec.clusterResourceWhitelist).toContainEqual({ group: '', kind: 'Namespace' });
    // Every cluster-scoped kind an add-on declares is admitted, nothing more; Reloader declares none.
    expect(addons(fleet).find((a) => a.name === 'reloader')!.clusterKinds).toEqual([]);
    const declared = new Set(addons(fleet).flatMap((a) => a.clusterKinds.map((k) => `${k.group}/${k.kind}`)));
    expect(declared).toEqual(new Set(['rbac.authorization.k8s.io/ClusterRole', 'rbac.authorization.k8s.io/ClusterRoleBinding', 'apiextensions.k8s.io/CustomResourceDefinition', 'admissionregistration.k8s.io/MutatingWebhookConfiguration', 'admissionregistration.k8s.io/ValidatingWebhookConfiguration']));
    expect(new Set(project.spec.clusterResourceWhitelist.map((k: any) => `${k.group}/${k.kind}`))).toEqual(new Set(['/Namespace', ...declared]));
    // Reloader lives in the stack's namespace: no namespace of its own is admitted.
    expect(project.spec.destinations.map((d: any) => d.namespace)).not.toContain('reloader');
  });

  test('Argo CD rolls the stack region by region, in fleet order, by the region label of each Application', () => {
    const set = one(argo, 'ApplicationSet', fleet.name);
    expect(set.spec.strategy).toEqual({
      type: 'RollingSync',
      rollingSync: { steps: fleet.regions.map((r) => ({ matchExpressions: [{ key: 'topology.kubernetes.io/region', operator: 'In', values: [r.name] }] })) },
    });
    expect(set.spec.template.metadata.labels['topology.kubernetes.io/region']).toBe('{{.region}}');
    // Each generated Application matches exactly one step: the one of its own region.
    for (const e of set.spec.generators[0].list.elements) {
      const steps = set.spec.strategy.rollingSync.steps.filter((st: any) => st.matchExpressions.every((m: any) => m.values.includes(e.region)));
      expect(steps).toHaveLength(1);
    }
    // The controller takes prune from automated.prune when it syncs a step, so the template keeps it.
    expect(set.spec.template.spec.syncPolicy.automated.prune).toBe(fleet.gitops.prune);
  });

  test('Reloader is pinned and installed before the layers in both tools, with its OpenShift and GitOps settings', () => {
    const app = one(argo, 'Application', `${fleet.name}-us-east4-reloader`);
    expect(app.spec.destination.namespace).toBe(fleet.namespace);
    expect(app.spec.source.path).toBe(`${fleet.gitops.path}/argocd/addons/reloader`);
    // The add-on Application syncs before the stack exists, so it must create the namespace itself.
    expect(app.spec.syncPolicy.syncOptions).toContain('CreateNamespace=true');
    expect(app.spec.syncPolicy.managedNamespaceMetadata).toBeUndefined();
    const inflation = yaml.load(files.find((f) => f.path === 'argocd/addons/reloader/kustomization.yaml')!.content) as any;
    expect(inflation.helmCharts).toEqual([expect.objectContaining({ name: 'reloader', repo: 'https://stakater.github.io/stakater-charts', version: RELOADER.version, namespace: fleet.namespace })]);
    const values = inflation.helmCharts[0].valuesInline;
    expect(values.reloader).toMatchObject({ reloadStrategy: 'annotations', watchGlobally: false, readOnlyRootFileSystem: true });
    expect(values.reloader.namespaceSelector).toBeUndefined();
    // Pod Security `restricted` at container level, whatever the chart's pod defaults.
    expect(values.reloader.deployment.containerSecurityContext).toEqual({
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    const [patch] = inflation.patches.map((p: any) => yaml.load(p.patch));
    expect(patch).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'reloader', namespace: fleet.namespace }, spec: { template: { spec: { securityContext: { runAsUser: null } } } } });
    for (const r of fleet.regions) {
      const flux = objectsIn(files, `flux/${r.name}/`);
      const release = one(flux, 'HelmRelease', 'reloader');
      expect(release.spec).toMatchObject({ targetNamespace: fleet.namespace, install: { createNamespace: true }, chart: { spec: { chart: 'reloader', version: RELOADER.version, sourceRef: { kind: 'HelmRepository', name: 'stakater' } } } });
      expect(release.spec.values).toEqual(values);
      expect(release.spec.postRenderers[0].kustomize.patches.map((p: any) => yaml.load(p.patch))).toEqual([patch]);
      expect(one(flux, 'HelmRepository', 'stakater').spec.url).toBe('https://stakater.github.io/stakater-charts');
      expect(one(flux, 'Kustomization', layerName(fleet, 'namespace')).spec.healthChecks).toContainEqual({ apiVersion: 'helm.toolkit.fluxcd.io/v2', kind: 'HelmRelease', name: 'reloader', namespace: 'flux-system' });
    }
  });

  test('every region object carries its component wave, as a string', () => {
    for (const f of files.filter((x) => x.region !== '' && x.objects.length > 0)) {
      const wave = STUBS.find((c) => c.name === f.component)!.wave;
      for (const o of f.objects) expect(o.metadata.annotations?.[SYNC_WAVE_ANNOTATION]).toBe(String(wave));
    }
  });

  test('Flux: one Kustomization per region folder layer, chained in GitOps order', () => {
    for (const r of fleet.regions) {
      const flux = objectsIn(files, `flux/${r.name}/`);
      const layers = STUBS.filter((c) => files.some((f) => f.path.startsWith(`${r.name}/${c.name}/`))).map((c) => c.name);
      const ks = layers.map((c) => one(flux, 'Kustomization', layerName(fleet, c)));
      ks.forEach((k, i) => {
        expect(k.spec.path).toBe(`./${fleet.gitops.path}/${r.name}/${layers[i]}`);
        expect(k.spec.prune).toBe(fleet.gitops.prune);
        expect(k.spec.sourceRef).toEqual({ kind: 'GitRepository', name: 'flux-system' });
        expect(k.spec.dependsOn).toEqual(i === 0 ? [{ name: 'strimzi-crds' }] : [{ name: layerName(fleet, layers[i - 1]) }]);
      });
      expect(layers[layers.length - 1]).toBe('loadjobs');
      expect(layers.includes('topics')).toBe(r.name === fleet.topic.managementRegion);
      const gates = ks[0].spec.healthChecks.filter((h: any) => h.kind === 'HelmRelease').map((h: any) => h.name);
      expect(gates.sort()).toEqual(flux.filter((o) => o.kind === 'HelmRelease').map((o) => o.metadata.name).sort());
      // The layers read the bootstrap source: the only GitRepository written here is the Strimzi CRDs' tag.
      expect(flux.filter((o) => o.kind === 'GitRepository').map((o) => o.metadata.name)).toEqual(['strimzi-crds']);
      expect(files.some((f) => f.path === `flux/${r.name}/kustomization.yaml`)).toBe(false);
    }
  });

  test('charts are pinned to exact versions in Argo CD, the inflation kustomization and Flux', () => {
    const exact = /^v?\d+\.\d+\.\d+$/;
    const helmApps = argo.filter((o) => o.kind === 'Application' && o.spec.source.chart);
    expect(helmApps.length).toBeGreaterThan(0);
    for (const a of helmApps) expect(a.spec.source.targetRevision).toMatch(exact);
    const releases = objectsIn(files, 'flux/').filter((o) => o.kind === 'HelmRelease');
    expect(releases.length).toBe(fleet.regions.length * 3);
    for (const h of releases) {
      expect(h.spec.chart.spec.version).toMatch(exact);
      expect(h.spec.install.crds).toBe('CreateReplace');
    }
    const inflation = files.filter((f) => f.path.startsWith('argocd/addons/') && f.path.endsWith('kustomization.yaml'));
    expect(inflation.length).toBeGreaterThan(0);
    for (const f of inflation) for (const c of (yaml.load(f.content) as any).helmCharts) expect(c.version).toMatch(exact);
    for (const o of objectsIn(files, 'flux/').filter((x) => x.kind === 'GitRepository' && x.spec.ref.tag)) expect(o.spec.ref.tag).toMatch(exact);
  });

  test('no secrets: no Secret objects and no credential values in the GitOps folders', () => {
    const gitops = files.filter((f) => f.region === '');
    expect(gitops.flatMap((f) => f.objects).filter((o) => o.kind === 'Secret')).toEqual([]);
    for (const f of gitops) expect(f.content).not.toMatch(/^\s*(token|password|psk|ca|brokerK8sApiServerToken|ceIPSecPSK)\s*:/im);
  });
});

describe('a layer synced apart from the stack (the load Jobs)', () => {
  const fleet = DEFAULT_FLEET;
  const { files } = render(fleet, STUBS);
  const argo = objectsIn(files, 'argocd/');
  const stack = one(argo, 'ApplicationSet', fleet.name);
  const load = one(argo, 'ApplicationSet', `${fleet.name}-load`);
  const listed = (path: string) => (yaml.load(files.find((f) => f.path === path)!.content) as { resources: string[] }).resources;

  test('is left out of the region root the stack Application syncs, and keeps its own layer folder', () => {
    for (const r of fleet.regions) {
      expect(listed(`${r.name}/kustomization.yaml`)).not.toContain('loadjobs');
      expect(listed(`${r.name}/kustomization.yaml`)).toContain('namespace');
      expect(listed(`${r.name}/loadjobs/kustomization.yaml`)).toEqual(['Job-loadjobs.yaml']);
    }
  });

  test('gets its own ApplicationSet: one Application per region on the layer folder, no strategy, the stack settings', () => {
    expect(load.spec.strategy).toBeUndefined();
    expect(load.spec.generators).toEqual([{ list: { elements: fleet.regions.map((r) => ({ region: r.name, server: r.kubeApiServer, path: `${fleet.gitops.path}/${r.name}/loadjobs` })) } }]);
    expect(load.spec.template.metadata.name).toBe(`${fleet.name}-{{.region}}-load`);
    expect(load.spec.template.metadata.labels['topology.kubernetes.io/region']).toBe('{{.region}}');
    const [t, st] = [load.spec.template.spec, stack.spec.template.spec];
    expect(t.project).toBe(st.project);
    expect(t.destination).toEqual(st.destination);
    expect(t.source).toEqual({ ...st.source, path: '{{.path}}' });
    expect(t.syncPolicy).toEqual(st.syncPolicy);
    expect(t.syncPolicy.automated).toEqual({ prune: fleet.gitops.prune, selfHeal: fleet.gitops.selfHeal });
    expect(load.spec.syncPolicy).toEqual({ preserveResourcesOnDeletion: true });
    // The Job entries follow the Jobs: out of the stack, into the load Applications.
    expect(t.ignoreDifferences.map((d: any) => d.kind)).toEqual(['Job']);
    expect((st.ignoreDifferences ?? []).map((d: any) => d.kind)).not.toContain('Job');
  });

  test('comes in the root wave after the stack ApplicationSet, and the project admits it', () => {
    const waveOf = (o: Obj) => Number(o.metadata.annotations![SYNC_WAVE_ANNOTATION]);
    expect(waveOf(load)).toBeGreaterThan(waveOf(stack));
    const project = one(argo, 'AppProject', fleet.name);
    for (const r of fleet.regions) expect(project.spec.destinations).toContainEqual({ server: r.kubeApiServer, namespace: fleet.namespace });
    expect(project.spec.sourceRepos).toContain(fleet.gitops.repoUrl);
  });

  test('Flux is unchanged: the layer is the last Kustomization of the chain', () => {
    for (const r of fleet.regions) {
      const k = one(objectsIn(files, `flux/${r.name}/`), 'Kustomization', layerName(fleet, 'loadjobs'));
      expect(k.spec.path).toBe(`./${fleet.gitops.path}/${r.name}/loadjobs`);
      expect(k.spec.dependsOn).toEqual([{ name: layerName(fleet, r.name === fleet.topic.managementRegion ? 'topics' : 'zookeeper') }]);
    }
  });

  test('a region without the layer gets no Application, and no layer means no ApplicationSet', () => {
    const only = [...STUBS.slice(0, -1), stub('loadjobs', 70, (r) => r.name !== 'us-west4', { separateSync: { name: 'load' } })];
    const set = one(objectsIn(render(fleet, only).files, 'argocd/'), 'ApplicationSet', `${fleet.name}-load`);
    expect(set.spec.generators[0].list.elements.map((e: any) => e.region)).toEqual(['us-east4', 'us-central1']);
    const none = [...STUBS.slice(0, -1), stub('loadjobs', 70, () => false, { separateSync: { name: 'load' } })];
    expect(objectsIn(render(fleet, none).files, 'argocd/').filter((o) => o.kind === 'ApplicationSet').map((o) => o.metadata.name)).toEqual([fleet.name]);
  });

  test('Application names generated twice are refused, and two components may not share one separate name', () => {
    const clash = fleetWith((f) => (f.regions[1].name = `${f.regions[0].name}-load`));
    expect(() => render(clash, STUBS)).toThrow(`Argo CD Application name ${clash.name}-${clash.regions[0].name}-load is generated twice`);
    const shared = [...STUBS, stub('extra', 80, undefined, { separateSync: { name: 'load' } })];
    expect(() => render(fleet, shared)).toThrow('components loadjobs and extra both sync separately as "load"');
  });
});

describe('fleet flags drive sync automation', () => {
  test.each([
    [true, true, true],
    [true, false, true],
    [true, true, false],
  ])('automatedSync=%s prune=%s selfHeal=%s', (automatedSync, prune, selfHeal) => {
    const fleet = fleetWith((f) => Object.assign(f.gitops, { automatedSync, prune, selfHeal }));
    const { files } = render(fleet, STUBS);
    const set = one(objectsIn(files, 'argocd/'), 'ApplicationSet', fleet.name);
    expect(set.spec.template.spec.syncPolicy.automated).toEqual({ prune, selfHeal });
    for (const k of objectsIn(files, 'flux/').filter((o) => o.kind === 'Kustomization' && o.metadata.name.startsWith(`${fleet.name}-`))) expect(k.spec.prune).toBe(prune);
  });

  test('automatedSync=false leaves every Application to manual sync, and no rolling sync syncs on its own', () => {
    const fleet = fleetWith((f) => (f.gitops.automatedSync = false));
    const apps = objectsIn(render(fleet, STUBS).files, 'argocd/').filter((o) => o.kind === 'Application' || o.kind === 'ApplicationSet');
    for (const a of apps) expect((a.kind === 'ApplicationSet' ? a.spec.template.spec : a.spec).syncPolicy.automated).toBeUndefined();
    expect(one(apps, 'ApplicationSet', fleet.name).spec.strategy).toBeUndefined();
    expect(one(apps, 'ApplicationSet', `${fleet.name}-load`).spec.strategy).toBeUndefined();
  });

  test('another repo path and an scp-like URL reach both tools', () => {
    const fleet = fleetWith((f) => Object.assign(f.gitops, { path: 'deploy/clusters', repoUrl: 'git@git.example.com:platform/kafka.git', revision: 'release' }));
    const { files } = render(fleet, STUBS);
    const set = one(objectsIn(files, 'argocd/'), 'ApplicationSet', fleet.name);
    expect(set.spec.generators[0].list.elements[0].path).toBe(`deploy/clusters/${fleet.regions[0].name}`);
    expect(set.spec.template.spec.source.repoURL).toBe('git@git.example.com:platform/kafka.git');
    expect(fluxBootstrapCommand(fleet, fleet.regions[0])).toBe('flux bootstrap git --url=ssh://git@git.example.com/platform/kafka.git --branch=release --path=deploy/clusters/flux/us-east4');
    const ks = one(objectsIn(files, `flux/${fleet.regions[0].name}/`), 'Kustomization', layerName(fleet, 'namespace'));
    expect(ks.spec.path).toBe(`./deploy/clusters/${fleet.regions[0].name}/namespace`);
    expect(ks.spec.sourceRef).toEqual({ kind: 'GitRepository', name: 'flux-system' });
  });

  test('a private HTTPS repository needs nothing more in git: the layers reuse the bootstrap credentials', () => {
    const fleet = fleetWith((f) => Object.assign(f.gitops, { repoUrl: 'https://git.example.com/private/kafka.git' }));
    const flux = objectsIn(render(fleet, STUBS).files, 'flux/');
    const layers = flux.filter((o) => o.kind === 'Kustomization' && o.metadata.name.startsWith(`${fleet.name}-`));
    expect(layers.length).toBeGreaterThan(0);
    for (const k of layers) expect(k.spec.sourceRef).toEqual({ kind: 'GitRepository', name: 'flux-system' });
    // No GitRepository of the fleet's repository that could lack the token.
    expect(flux.filter((o) => o.kind === 'GitRepository' && o.spec.url === fleet.gitops.repoUrl)).toEqual([]);
    expect(fluxBootstrapCommand(fleet, fleet.regions[1])).toBe('flux bootstrap git --url=https://git.example.com/private/kafka.git --branch=main --path=clusters/flux/us-central1');
  });

  test('Flux bootstrap follows a branch: a tag or a commit is refused, a per-region branch is accepted', () => {
    expect(isBranch('main')).toBe(true);
    expect(isBranch('deploy/us-east4')).toBe(true);
    expect(isBranch('v1.2.3')).toBe(false);
    expect(isBranch('a'.repeat(40))).toBe(false);
    expect(isBranch('HEAD')).toBe(false);
    const tagged = fleetWith((f) => (f.gitops.revision = 'v1.4.0'));
    expect(() => fluxBootstrapCommand(tagged, tagged.regions[0])).toThrow('revision "v1.4.0": flux bootstrap tracks a branch, not a tag or a commit');
    // The Flux objects do not depend on the revision, so a tag pinned for Argo CD still renders.
    expect(objectsIn(render(tagged, STUBS).files, 'argocd/').find((o) => o.kind === 'ApplicationSet')!.spec.template.spec.source.targetRevision).toBe('v1.4.0');
    expect(fluxBootstrapCommand(tagged, tagged.regions[2], 'deploy/us-west4')).toMatch(/--branch=deploy\/us-west4 --path=clusters\/flux\/us-west4$/);
  });
});

describe('guardrails', () => {
  test('a region named like a GitOps folder is refused before anything is rendered', () => {
    const fleet = fleetWith((f) => (f.regions[1].name = 'flux'));
    expect(() => render(fleet, STUBS)).toThrow(FleetError);
    expect(() => render(fleet, STUBS)).toThrow('regions[1].name = "flux": is taken by the fleet-wide folder clusters/flux/');
  });

  test('components out of wave order are refused', () => {
    expect(() => render(DEFAULT_FLEET, [stub('late', 20), stub('early', 10)])).toThrow('component early (wave 10) is listed after late (wave 20)');
  });
});

describe('the registered components', () => {
  const { files } = render(DEFAULT_FLEET);

  test('are listed in wave order, and every region object carries its wave', () => {
    const waves = COMPONENTS.map((c) => c.wave);
    expect([...waves].sort((a, b) => a - b)).toEqual(waves);
    const waveOf = new Map(COMPONENTS.map((c) => [c.name, String(c.wave)]));
    const regionFiles = files.filter((f) => f.region !== '' && f.objects.length > 0);
    expect(regionFiles.length).toBeGreaterThan(0);
    for (const f of regionFiles) for (const o of f.objects) expect(o.metadata.annotations?.[SYNC_WAVE_ANNOTATION]).toBe(waveOf.get(f.component));
  });

  test('pins the named layer order in Argo CD waves and Flux dependsOn: add-ons, namespace, certificates, submariner, zookeeper, kafka, monitoring, topics, akhq, loadjobs', () => {
    const ORDER = ['add-ons', 'namespace', 'certificates', 'submariner', 'zookeeper', 'kafka', 'monitoring', 'topics', 'akhq', 'loadjobs'];
    const argo = objectsIn(files, 'argocd/');
    const waveOf = (o: Obj) => Number(o.metadata.annotations![SYNC_WAVE_ANNOTATION]);
    for (const r of DEFAULT_FLEET.regions) {
      const expected = ORDER.filter((l) => l !== 'topics' || r.name === DEFAULT_FLEET.topic.managementRegion);

      // Argo CD: add-on Applications sync a wave before the ApplicationSet of the stack; inside a
      // region's Application, each layer's objects carry one wave, strictly increasing in this order.
      const addonWaves = new Set(argo.filter((o) => o.kind === 'Application' && o.spec.destination.server === r.kubeApiServer).map(waveOf));
      expect([...addonWaves]).toEqual([-1]);
      expect(waveOf(one(argo, 'ApplicationSet', DEFAULT_FLEET.name))).toBeGreaterThan(-1);
      const layerWaves = new Map<string, Set<number>>();
      for (const f of files.filter((x) => x.region === r.name && x.objects.length > 0)) {
        for (const o of f.objects) layerWaves.set(f.component, (layerWaves.get(f.component) ?? new Set()).add(waveOf(o as Obj)));
      }
      for (const [layer, waves] of layerWaves) expect([layer, waves.size]).toEqual([layer, 1]);
      const byWave = [...layerWaves].map(([layer, waves]) => [layer, [...waves][0]] as const).sort((a, b) => a[1] - b[1]);
      expect(['add-ons', ...byWave.map(([layer]) => layer)]).toEqual(expected);
      expect(new Set(byWave.map(([, w]) => w)).size).toBe(byWave.length);

      // Flux: follow dependsOn from the last layer back to the first; the first waits for the
      // add-ons (the Strimzi CRD Kustomization by dependsOn, every HelmRelease by health check).
      const flux = objectsIn(files, `flux/${r.name}/`);
      const ks = flux.filter((o) => o.kind === 'Kustomization');
      const dependedOn = new Set(ks.flatMap((k) => (k.spec.dependsOn ?? []).map((d: any) => d.name)));
      const lasts = ks.filter((k) => !dependedOn.has(k.metadata.name));
      expect(lasts).toHaveLength(1);
      const chain: string[] = [];
      for (let k: Obj | undefined = lasts[0]; k; ) {
        chain.unshift(k.metadata.name);
        const deps = (k.spec.dependsOn ?? []) as { name: string }[];
        expect(deps.length).toBeLessThanOrEqual(1);
        k = deps.length ? one(ks, 'Kustomization', deps[0].name) : undefined;
      }
      const [addonsKs, firstLayer] = chain;
      expect(addonsKs).toBe('strimzi-crds');
      const gates = one(ks, 'Kustomization', firstLayer).spec.healthChecks.filter((h: any) => h.kind === 'HelmRelease').map((h: any) => h.name);
      expect(gates.sort()).toEqual(flux.filter((o) => o.kind === 'HelmRelease').map((o) => o.metadata.name).sort());
      expect(['add-ons', ...chain.slice(1).map((n) => n.slice(`${DEFAULT_FLEET.name}-`.length))]).toEqual(expected);
    }
  });

  test('the annotation Reloader writes on a restart is not drift for the stack Applications', () => {
    expect(files.some((f) => f.objects.some((o) => o.kind === 'Deployment'))).toBe(true);
    const set = one(objectsIn(files, 'argocd/'), 'ApplicationSet', DEFAULT_FLEET.name);
    expect(set.spec.template.spec.ignoreDifferences).toContainEqual({
      group: 'apps',
      kind: 'Deployment',
      jqPathExpressions: ['.spec.template.metadata.annotations["reloader.stakater.com/last-reloaded-from"]'],
    });
  });

  test('each Flux chain ends at the region folder written last in GitOps order', () => {
    for (const r of DEFAULT_FLEET.regions) {
      const present = COMPONENTS.filter((c) => files.some((f) => f.path.startsWith(`${r.name}/${c.name}/`))).map((c) => c.name);
      const ks = objectsIn(files, `flux/${r.name}/`).filter((o) => o.kind === 'Kustomization' && o.metadata.name.startsWith(`${DEFAULT_FLEET.name}-`));
      expect(ks.map((k) => k.metadata.name).sort()).toEqual(present.map((c) => layerName(DEFAULT_FLEET, c)).sort());
      const dependedOn = new Set(ks.flatMap((k) => (k.spec.dependsOn ?? []).map((d: any) => d.name)));
      expect(ks.filter((k) => !dependedOn.has(k.metadata.name)).map((k) => k.metadata.name)).toEqual([layerName(DEFAULT_FLEET, present[present.length - 1])]);
    }
  });
});
