import { Chart } from 'cdk8s';
import { Fleet, GITOPS_FOLDERS, Region } from '@stretched-kafka/fleet';
import { GitRepository } from '../../../imports/flux-gitrepository-source.toolkit.fluxcd.io';
import { HelmRelease, HelmReleaseSpecChartSpecSourceRefKind, HelmReleaseSpecInstallCrds, HelmReleaseSpecUpgradeCrds } from '../../../imports/flux-helmrelease-helm.toolkit.fluxcd.io';
import { Kustomization, KustomizationSpecSourceRefKind } from '../../../imports/flux-kustomization-kustomize.toolkit.fluxcd.io';
import { HelmRepository } from '../../../imports/flux-helmrepository-source.toolkit.fluxcd.io';
import type { RegionLayout } from '@stretched-kafka/core';
import { Addon, GitAddon, HelmAddon, commonFolder, keepOnly, postRendered, postRenderPatches } from './addons';

/** Namespace `flux bootstrap` installs the controllers into; sources and Kustomizations live there. */
export const FLUX_NAMESPACE = 'flux-system';

/**
 * The GitRepository `flux bootstrap` creates (gotk-sync.yaml) for the repository and branch it was
 * given, with its credentials in the Secret of the same name, whatever they are (ssh deploy key,
 * HTTPS token or basic auth). The layers read this source rather than a second GitRepository of
 * their own: no second copy of the credentials to get right (a private HTTPS repository fetched
 * without the token fails), one fetch per interval, and the layer folders always come from the
 * same commit as the Kustomizations in clusters/flux/<region> that point at them. The price: Flux
 * follows the branch the cluster was bootstrapped with, so `gitops.revision` must be that branch
 * (flux bootstrap tracks branches only; a tag or commit pin applies to Argo CD).
 */
export const BOOTSTRAP_SOURCE = 'flux-system';

const LAYER_TIMEOUT = '15m';
const GITOPS_FLUX_FOLDER = GITOPS_FOLDERS.flux;

/**
 * Flux clones ssh repositories only from ssh:// URLs; the scp-like `git@host:path` form that
 * Argo CD accepts is rewritten to `ssh://git@host/path`.
 */
export function fluxGitUrl(url: string): string {
  const scp = /^([^@\s/]+)@([^:\s/]+):(?!\/\/)(.+)$/.exec(url);
  return scp ? `ssh://${scp[1]}@${scp[2]}/${scp[3]}` : url;
}

/** Whether a revision is a branch name as far as Flux bootstrap can tell: not a vX.Y.Z tag, not a commit sha, not HEAD. */
export function isBranch(revision: string): boolean {
  return !/^v\d+\.\d+\.\d+([-+].*)?$/.test(revision) && !/^[0-9a-f]{40}$/.test(revision) && revision !== 'HEAD';
}

/**
 * The command that bootstraps Flux on one region's cluster so that it syncs the region's folder.
 * Credentials are left to the user (flux bootstrap's --private-key-file, --token-auth or
 * --username/--password flags); whatever they choose, the layers reuse them. `branch` defaults to
 * gitops.revision; a branch per region (e.g. deploy/<region>) lets a change be promoted to one
 * region at a time, since Flux has no ordering across clusters.
 */
export function fluxBootstrapCommand(fleet: Fleet, region: Region, branch: string = fleet.gitops.revision): string {
  const revision = branch;
  if (!isBranch(revision)) {
    throw new Error(`revision "${revision}": flux bootstrap tracks a branch, not a tag or a commit; bootstrap Flux on the branch that holds this revision`);
  }
  return `flux bootstrap git --url=${fluxGitUrl(fleet.gitops.repoUrl)} --branch=${revision} --path=${fleet.gitops.path}/${GITOPS_FLUX_FOLDER}/${region.name}`;
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
 * One cluster's Flux objects: the add-ons and one Kustomization per component folder, chained with
 * dependsOn in GitOps order and reading the bootstrap source (BOOTSTRAP_SOURCE).
 * Kustomization.dependsOn can only name Kustomizations, so the first layer also health-checks the
 * add-on HelmReleases (and, because `wait` would override healthChecks, its own objects): no later
 * layer starts before every add-on chart is ready and the Strimzi CRDs are applied.
 */
export function buildFlux(chart: Chart, props: FluxProps): void {
  const { fleet, region, addons } = props;
  const labels = { 'app.kubernetes.io/part-of': fleet.name, 'app.kubernetes.io/managed-by': 'stretched-kafka' };
  const meta = (name: string) => ({ name, namespace: FLUX_NAMESPACE, labels });

  const helm = addons.filter((a): a is HelmAddon => a.type === 'helm');
  const git = addons.filter((a): a is GitAddon => a.type === 'git');

  for (const repo of new Map(helm.map((a) => [a.repoName, a.repoUrl]))) {
    new HelmRepository(chart, `repo-${repo[0]}`, { metadata: meta(repo[0]), spec: { url: repo[1], interval: '1h' } });
  }
  // createNamespace: Helm creates a chart's namespace when it is missing, outside the release (an
  // uninstall leaves it). For Reloader that is the stack's namespace, which the first layer's
  // Kustomization also applies (it health-checks the HelmReleases only after applying): whichever
  // comes first, that Kustomization sets the Pod Security labels and is the only owner, and pruner,
  // of the Namespace object.
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
        ...(postRendered(a) ? { postRenderers: [{ kustomize: { patches: postRenderPatches(a).map((patch) => ({ patch })) } }] } : {}),
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
        sourceRef: { kind: KustomizationSpecSourceRefKind.GIT_REPOSITORY, name: BOOTSTRAP_SOURCE },
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
