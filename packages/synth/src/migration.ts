import { KRAFT_CLUSTER_ID_ANNOTATION, METADATA_STATE_ANNOTATION, MetadataState } from '@stretched-kafka/fleet';
import { treeObjects } from './immutable';

// The ZooKeeper-to-KRaft migration moves one phase per commit of clusters/ (README, "ZooKeeper to
// KRaft"). Synth compares the metadata state of the committed tree with the next one and refuses
// a step Kafka's procedure does not have: a skipped phase, or a way back where Kafka has none.

interface ConfigMap {
  kind?: string;
  metadata?: { name?: string; annotations?: Record<string, string> };
}

/** The brokers' ConfigMap: present in every metadata state, it carries the state (metadataAnnotations). */
const BROKER_CONFIG_MAP = 'kafka-config';

/** The state a broker ConfigMap records: the phase annotation in migration mode, else KRaft when it names a cluster id. */
export function recordedState(o: ConfigMap): MetadataState {
  const a = o.metadata?.annotations ?? {};
  const state = a[METADATA_STATE_ANNOTATION];
  if (state !== undefined) return state as MetadataState;
  return a[KRAFT_CLUSTER_ID_ANNOTATION] !== undefined ? 'kraft' : 'zookeeper';
}

/** Metadata state of a tree per region folder, read from the brokers' ConfigMaps. */
export function treeStates(files: ReadonlyMap<string, string>): Map<string, { file: string; state: MetadataState }> {
  const out = new Map<string, { file: string; state: MetadataState }>();
  const maps = treeObjects<ConfigMap>(files, (o) => o.kind === 'ConfigMap' && o.metadata?.name === BROKER_CONFIG_MAP);
  for (const { file, object } of maps.values()) out.set(file.split('/')[0], { file, state: recordedState(object) });
  return out;
}

const WHAT: Record<MetadataState, string> = {
  zookeeper: 'ZooKeeper mode',
  'migration-1': 'migration phase 1, controllers in migration mode',
  'migration-2': 'migration phase 2, brokers in migration mode',
  'migration-3': 'migration phase 3, brokers in KRaft mode',
  'migration-4': 'migration phase 4, finalized',
  kraft: 'KRaft mode',
};

/** The fleet setting that gives a state. */
export function stateSetting(state: MetadataState): string {
  return state.startsWith('migration-') ? `metadata.mode migration, metadata.phase ${state.slice('migration-'.length)}` : `metadata.mode ${state}`;
}

/** The next step forward of the migration from a state, if there is one. */
const FORWARD: Partial<Record<MetadataState, MetadataState>> = {
  zookeeper: 'migration-1',
  'migration-1': 'migration-2',
  'migration-2': 'migration-3',
  'migration-3': 'migration-4',
  'migration-4': 'kraft',
};

/**
 * Kafka 3.9's documented reverts ("Reverting to ZooKeeper mode During the Migration"): from
 * phase 1 or 2 straight back to ZooKeeper mode (controllers deprovisioned, the /controller and
 * /migration znodes deleted, the brokers rolled without the migration settings); from phase 3
 * first the brokers back to ZooKeeper mode with the migration settings kept (phase 2), then as
 * from phase 2. None once finalized (phase 4) or in KRaft mode.
 */
const BACK: Partial<Record<MetadataState, MetadataState>> = {
  'migration-1': 'zookeeper',
  'migration-2': 'zookeeper',
  'migration-3': 'migration-2',
};

export function allowedStep(from: MetadataState, to: MetadataState): boolean {
  return from === to || FORWARD[from] === to || BACK[from] === to;
}

function problem(file: string, from: MetadataState, to: MetadataState): string | undefined {
  if (allowedStep(from, to)) return undefined;
  const head = `synth: the fleet asks for ${WHAT[to]} (${stateSetting(to)}) but the committed tree (${file}) is in ${WHAT[from]}`;
  const back = BACK[from];
  const forward = FORWARD[from];
  const ahead = (s: MetadataState) => ORDER.indexOf(s) > ORDER.indexOf(from);
  let why: string;
  if (ahead(to)) {
    why = `; that skips a step of the ZooKeeper-to-KRaft migration, which Kafka runs one phase at a time: the next step is ${stateSetting(forward!)}`;
  } else if (!back) {
    why = from === 'kraft' || from === 'migration-4'
      ? ', and Kafka cannot go back once the migration is finalized (the controllers no longer write to ZooKeeper): keep the committed metadata settings'
      : ', and Kafka cannot go there from it';
  } else {
    why = `, and Kafka's documented rollback from there goes to ${WHAT[back]} first (${stateSetting(back)}); npm run plan prints its steps`;
  }
  return `${head}${why}. Nothing was written.`;
}

const ORDER: readonly MetadataState[] = ['zookeeper', 'migration-1', 'migration-2', 'migration-3', 'migration-4', 'kraft'];

/** The one line synth stops with when the next tree is not a step Kafka's migration allows from the committed one, else undefined. */
export function migrationProblem(existing: ReadonlyMap<string, string>, next: ReadonlyMap<string, string>): string | undefined {
  const before = treeStates(existing);
  for (const [region, after] of treeStates(next)) {
    const b = before.get(region);
    const p = b && problem(b.file, b.state, after.state);
    if (p) return p;
  }
  return undefined;
}
