import { Chart } from 'cdk8s';
import { Fleet } from '@stretched-kafka/fleet';
import { GitRepository } from '../../../imports/flux-gitrepository-source.toolkit.fluxcd.io';
import { HelmRelease, HelmReleaseSpecChartSpecSourceRefKind, HelmReleaseSpecInstallCrds, HelmReleaseSpecUpgradeCrds } from '../../../imports/flux-helmrelease-helm.toolkit.fluxcd.io';
import { Kustomization, KustomizationSpecSourceRefKind } from '../../../imports/flux-kustomization-kustomize.toolkit.fluxcd.io';
import { HelmRepository } from '../../../imports/flux-helmrepository-source.toolkit.fluxcd.io';
import type { RegionLayout } from '../../synth/src/component';
import { Addon, GitAddon, HelmAddon, commonFolder, deletePatch, keepOnly } from './addons';

/** Namespace `flux bootstrap` installs the controllers into; sources and Kustomizations live there. */
export const FLUX_NAMESPACE = 'flux-system';
/** Secret `flux bootstrap` creates with the repository's credentials (deploy key for ssh). */
const BOOTSTRAP_SECRET = 'flux-system';

const LAYER_TIMEOUT = '15m';

/**
 * Flux clones ssh repositories only from ssh:// URLs; the scp-like `git@host:path` form that
 * Argo CD accepts is rewritten to `ssh://git@host/path`.
 */
export function fluxGitUrl(url: string): string {
  const scp = /^([^@\s/]+)@([^:\s/]+):(?!\/\/)(.+)$/.exec(url);
  return scp ? `ssh://${scp[1]}@${scp[2]}/${scp[3]}` : url;
}

/** Name of the Flux Kustomization that applies one component folder of a region. */
export function layerName(fleet: Fleet, component: string): string {
  return `${fleet.name}-${component}`;
}

export interface FluxProps {
  readonly fleet: Fleet;
  readonly region: RegionLayout;
  readonly addons: readonly Addon[];
}

/**
 * One cluster's Flux objects: the repository source, the add-ons, and one Kustomization per
 * component folder, chained with dependsOn in GitOps order. Kustomization.dependsOn can only name
 * Kustomizations, so the first layer also health-checks the add-on HelmReleases (and, because
 * `wait` would override healthChecks, its own objects): no later layer starts before cert-manager
 * and the Submariner operator are ready and the Strimzi CRDs are applied.
 */
export function buildFlux(chart: Chart, props: FluxProps): void {
  const { fleet, region, addons } = props;
  const labels = { 'app.kubernetes.io/part-of': fleet.name, 'app.kubernetes.io/managed-by': 'stretched-kafka' };
  const meta = (name: string) => ({ name, namespace: FLUX_NAMESPACE, labels });
  const url = fluxGitUrl(fleet.gitops.repoUrl);

  new GitRepository(chart, 'source', {
    metadata: meta(fleet.name),
    spec: {
      url,
      ref: { branch: fleet.gitops.revision },
      interval: '1m',
      ...(url.startsWith('ssh://') ? { secretRef: { name: BOOTSTRAP_SECRET } } : {}),
    },
  });

  const helm = addons.filter((a): a is HelmAddon => a.type === 'helm');
  const git = addons.filter((a): a is GitAddon => a.type === 'git');

  for (const repo of new Map(helm.map((a) => [a.repoName, a.repoUrl]))) {
    new HelmRepository(chart, `repo-${repo[0]}`, { metadata: meta(repo[0]), spec: { url: repo[1], interval: '1h' } });
  }
  for (const a of helm) {
    new HelmRelease(chart, `release-${a.name}`, {
      metadata: meta(a.name),
      spec: {
        interval: '30m',
        releaseName: a.name,
        targetNamespace: a.namespace,
        chart: { spec: { chart: a.chart, version: a.version, sourceRef: { kind: HelmReleaseSpecChartSpecSourceRefKind.HELM_REPOSITORY, name: a.repoName } } },
        install: { createNamespace: true, crds: HelmReleaseSpecInstallCrds.CREATE_REPLACE, remediation: { retries: 3 } },
        upgrade: { crds: HelmReleaseSpecUpgradeCrds.CREATE_REPLACE, remediation: { retries: 3 } },
        ...(Object.keys(a.values).length > 0 ? { values: a.values } : {}),
        ...(a.drop.length > 0 ? { postRenderers: [{ kustomize: { patches: a.drop.map((o) => ({ patch: deletePatch(o) })) } }] } : {}),
      },
    });
  }
  for (const a of git) {
    new GitRepository(chart, `source-${a.name}`, {
      metadata: meta(a.name),
      spec: { url: a.repoUrl, ref: { tag: a.tag }, interval: '1h', ignore: keepOnly(a.files) },
    });
    new Kustomization(chart, `apply-${a.name}`, {
      metadata: meta(a.name),
      spec: {
        interval: '1h',
        path: `./${commonFolder(a.files).folder}`,
        // Deleting a CRD deletes every object of its kind: never prune these.
        prune: false,
        wait: true,
        timeout: LAYER_TIMEOUT,
        sourceRef: { kind: KustomizationSpecSourceRefKind.GIT_REPOSITORY, name: a.name },
      },
    });
  }

  region.layers.forEach((layer, i) => {
    const first = i === 0;
    new Kustomization(chart, `layer-${layer.component}`, {
      metadata: meta(layerName(fleet, layer.component)),
      spec: {
        interval: '10m',
        retryInterval: '1m',
        timeout: LAYER_TIMEOUT,
        path: `./${fleet.gitops.path}/${region.folder}/${layer.component}`,
        prune: fleet.gitops.prune,
        sourceRef: { kind: KustomizationSpecSourceRefKind.GIT_REPOSITORY, name: fleet.name },
        dependsOn: first ? git.map((a) => ({ name: a.name })) : [{ name: layerName(fleet, region.layers[i - 1].component) }],
        ...(first
          ? {
              healthChecks: [
                ...helm.map((a) => ({ apiVersion: 'helm.toolkit.fluxcd.io/v2', kind: 'HelmRelease', name: a.name, namespace: FLUX_NAMESPACE })),
                ...layer.objects.map((o) => ({ apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name, ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}) })),
              ],
            }
          : { wait: true }),
      },
    });
  });
}
