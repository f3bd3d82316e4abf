import { Chart } from 'cdk8s';
import { Fleet, Region } from '@stretched-kafka/fleet';

/** One Kubernetes object as the charts render it. */
export interface Manifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { name: string; namespace?: string; annotations?: Record<string, string>; [k: string]: unknown };
  readonly [k: string]: unknown;
}

/** One component's objects in one region, after rendering (sync-wave annotation included). */
export interface RegionLayer {
  readonly component: string;
  readonly wave: number;
  readonly objects: readonly Manifest[];
}

/** What render wrote for one region: the layers that have at least one object, in GitOps order. */
export interface RegionLayout {
  readonly region: Region;
  /** Folder of the region under the output root (the region's kustomize root). */
  readonly folder: string;
  readonly layers: readonly RegionLayer[];
}

/** A folder of fleet-wide objects, outside every region's folder. */
export interface GlobalFolder {
  /** Path under the output root, forward slashes, e.g. `argocd` or `flux/us-east4`. */
  readonly folder: string;
  /** Adds the folder's objects; each becomes `<folder>/<Kind>-<name>.yaml`. */
  build?(chart: Chart): void;
  /**
   * The folder's kustomization.yaml: `'list'` lists the folder's files (a kustomize root);
   * `'none'` writes none (a Flux bootstrap path, where kustomize-controller must generate one that
   * also takes in the flux-system/ folder `flux bootstrap` commits); an object is written as is.
   * @default 'list'
   */
  readonly kustomization?: 'list' | 'none' | Readonly<Record<string, unknown>>;
}

/**
 * One folder under clusters/<region>/. `build` adds the component's objects for one region to
 * its own chart. `wave` is the GitOps order (Argo CD sync wave / Flux dependsOn layer):
 * CRDs and operators, PKI, network, ZooKeeper, Kafka, topics/users, AKHQ, jobs.
 * `buildGlobal` returns folders of objects that belong to no single region (GitOps control
 * objects); it sees what was rendered for the regions.
 */
export interface Component {
  readonly name: string;
  readonly wave: number;
  build?(chart: Chart, fleet: Fleet, region: Region): void;
  buildGlobal?(fleet: Fleet, regions: readonly RegionLayout[]): readonly GlobalFolder[];
}
