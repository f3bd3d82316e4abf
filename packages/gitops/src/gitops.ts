import { Chart } from 'cdk8s';
import { Fleet, GITOPS_FOLDERS } from '@stretched-kafka/fleet';
import type { Component, GlobalFolder, RegionLayout } from '@stretched-kafka/core';
import { HelmAddon, addons, postRendered } from './addons';
import { ARGOCD_WAVES, buildArgoCd, inflationFolder, inflationKustomization } from './argocd';
import { buildFlux } from './flux';

/**
 * GitOps control objects, written outside the region folders:
 * - `argocd/`: AppProject, root Application, add-on Applications, the stack ApplicationSet and
 *   one ApplicationSet per layer synced apart from the stack (the load Jobs), applied to the Argo CD
 *   control cluster; `argocd/addons/<chart>/` holds the kustomizations
 *   that inflate charts whose output needs trimming or patching;
 * - `flux/<region>/`: each cluster's `flux bootstrap --path`; no kustomization.yaml, so that
 *   kustomize-controller generates one that also includes the bootstrap's flux-system/ folder.
 * Its wave is the add-ons' place in the GitOps order: before every region layer.
 */
export const gitopsComponent = {
  name: 'gitops',
  wave: ARGOCD_WAVES.addons,
  buildGlobal(fleet: Fleet, regions: readonly RegionLayout[]): GlobalFolder[] {
    const list = addons(fleet);
    const argocd = GITOPS_FOLDERS.argocd;
    return [
      { folder: argocd, build: (chart) => buildArgoCd(chart, { fleet, regions, addons: list, folder: argocd }) },
      ...list
        .filter((a): a is HelmAddon => a.type === 'helm' && postRendered(a))
        .map((a) => ({ folder: inflationFolder(argocd, a), kustomization: inflationKustomization(a) })),
      ...regions.map((region) => ({
        folder: `${GITOPS_FOLDERS.flux}/${region.folder}`,
        kustomization: 'none' as const,
        build: (chart: Chart) => buildFlux(chart, { fleet, region, addons: list }),
      })),
    ];
  },
} satisfies Component;
