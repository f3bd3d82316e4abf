import type { Fleet } from './schema';
import { KRAFT_CLUSTER_ID_ANNOTATION, kraftClusterId } from './naming';

// Where the cluster keeps its metadata, and what each layer runs, in every metadata state:
// ZooKeeper mode, the four phases of Kafka 3.9's documented ZooKeeper-to-KRaft migration
// (kafka.apache.org, documentation 3.9, "ZooKeeper to KRaft Migration"), and KRaft mode. Every
// construct asks this, never metadata.mode itself, so each phase is one reviewed tree.

/** A migration phase: each is one commit of clusters/ (README, "ZooKeeper to KRaft"). */
export type MigrationPhase = 1 | 2 | 3 | 4;
export const MIGRATION_PHASES: readonly MigrationPhase[] = [1, 2, 3, 4];

/**
 * What runs in a metadata state.
 * - `zookeeper`: the ZooKeeper ensemble is deployed (ZooKeeper mode and migration phases 1 to 3).
 * - `controllers`: `none`; `migration`, KRaft controllers with zookeeper.metadata.migration.enable
 *   and zookeeper.connect (phases 1 to 3); `kraft`, plain KRaft controllers (phase 4, KRaft mode).
 * - `brokers`: `zookeeper`, ZooKeeper-mode brokers (ZooKeeper mode, phase 1); `migration`,
 *   ZooKeeper-mode brokers with the migration settings and the controller quorum (phase 2);
 *   `kraft`, KRaft brokers (phase 3, phase 4, KRaft mode).
 */
export interface MetadataLayout {
  readonly zookeeper: boolean;
  readonly controllers: 'none' | 'migration' | 'kraft';
  readonly brokers: 'zookeeper' | 'migration' | 'kraft';
}

const LAYOUTS: Record<MigrationPhase, MetadataLayout> = {
  1: { zookeeper: true, controllers: 'migration', brokers: 'zookeeper' },
  2: { zookeeper: true, controllers: 'migration', brokers: 'migration' },
  3: { zookeeper: true, controllers: 'migration', brokers: 'kraft' },
  4: { zookeeper: false, controllers: 'kraft', brokers: 'kraft' },
};

export function metadataLayout(fleet: Fleet): MetadataLayout {
  const m = fleet.metadata;
  if (m.mode === 'migration') return LAYOUTS[m.phase as MigrationPhase];
  return m.mode === 'kraft' ? { zookeeper: false, controllers: 'kraft', brokers: 'kraft' } : { zookeeper: true, controllers: 'none', brokers: 'zookeeper' };
}

/**
 * The metadata state as one word, which the brokers' ConfigMap carries in migration mode
 * (METADATA_STATE_ANNOTATION) so that synth can compare the committed tree's state with the next:
 * `zookeeper`, `migration-1` .. `migration-4`, `kraft`.
 */
export type MetadataState = 'zookeeper' | `migration-${MigrationPhase}` | 'kraft';

export function metadataState(fleet: Fleet): MetadataState {
  const m = fleet.metadata;
  return m.mode === 'migration' ? `migration-${m.phase as MigrationPhase}` : m.mode;
}

export const METADATA_STATE_ANNOTATION = 'stretched-kafka.io/metadata-state';

/** Whether the cluster has a KRaft cluster id in play (controllers or KRaft brokers format with it): KRaft and migration mode. */
export function usesKraftClusterId(fleet: Fleet): boolean {
  return fleet.metadata.mode !== 'zookeeper';
}

/**
 * Annotations of the ConfigMaps that carry the metadata state for synth's guards: the KRaft
 * cluster id and, in migration mode, the phase (METADATA_STATE_ANNOTATION).
 */
export function metadataAnnotations(fleet: Fleet): Record<string, string> {
  return { [KRAFT_CLUSTER_ID_ANNOTATION]: kraftClusterId(fleet), ...(fleet.metadata.mode === 'migration' ? { [METADATA_STATE_ANNOTATION]: metadataState(fleet) } : {}) };
}
