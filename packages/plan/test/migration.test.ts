import { MIGRATION_PHASES, defaultFleet, mergeOverride, validateFleet, DEFAULT_FLEET } from '@stretched-kafka/fleet';
import { renderPlan } from '@stretched-kafka/plan';

// npm run plan during a ZooKeeper-to-KRaft migration: for the phase the fleet asks for, what to
// check before merging, when the phase is done, and Kafka's way back.

const ZK_CLUSTER_ID = 'RVjbH_2RiLGMJv5TjVB-0g';
const plan = (phase: number) => renderPlan(validateFleet(mergeOverride(defaultFleet('migration', phase), { metadata: { mode: 'migration', phase, clusterId: ZK_CLUSTER_ID } })));
const section = (text: string) => text.slice(text.indexOf('## ZooKeeper to KRaft migration'), text.indexOf('\n## ', text.indexOf('## ZooKeeper to KRaft migration') + 5));

test('no migration section outside migration mode', () => {
  expect(renderPlan(DEFAULT_FLEET)).not.toContain('## ZooKeeper to KRaft migration');
});

test.each(MIGRATION_PHASES)('phase %s: a section with the checks before merging, the done state and the rollback', (phase) => {
  const s = section(plan(phase));
  expect(s).toContain(`## ZooKeeper to KRaft migration: phase ${phase} of 4`);
  expect(s).toContain('**Before merging**');
  expect(s).toContain('**Done when**');
  expect(s).toContain('**Rolling back**');
});

test('the checks follow Kafka\'s states: the cluster id, the quorum waiting (2), the completed copy and dual writes (1), every broker in KRaft mode, finalized (3)', () => {
  expect(section(plan(1))).toMatch(/zookeeper-shell\.sh zookeeper-0\.cluster1\.zookeeper-nodes\.kafka\.svc\.clusterset\.local\\:2281 -zk-tls-config-file \/tmp\/kafka\/server\.properties get \/cluster\/id/);
  expect(section(plan(1))).toContain(ZK_CLUSTER_ID);
  expect(section(plan(2))).toContain('ZkMigrationState` on the active controller is 2 (PRE_MIGRATION');
  expect(section(plan(2))).toContain('kafka-metadata-quorum.sh --bootstrap-controller');
  expect(section(plan(3))).toContain('Completed migration of metadata from Zookeeper to KRaft');
  expect(section(plan(3))).toContain('MigratingZkBrokerCount` is 9');
  expect(section(plan(4))).toContain('MigratingZkBrokerCount` is 0');
  expect(section(plan(4))).toContain('is 3 (POST_MIGRATION)');
});

test('rollback as Kafka documents it: phase 1 and 2 to ZooKeeper mode (2: controllers stopped, /controller and /migration deleted first), 3 via phase 2, none from 4', () => {
  expect(section(plan(1))).toContain('Commit `metadata.mode: zookeeper`');
  expect(section(plan(1))).not.toContain('delete /controller');
  for (const p of [2, 3]) {
    const s = section(plan(p));
    expect(s).toContain('delete statefulset kafka-controller');
    expect(s.indexOf('delete statefulset kafka-controller')).toBeLessThan(s.indexOf('delete /controller'));
    expect(s).toContain('get /migration');
    expect(s).toContain('delete /migration');
    expect(s).toContain('flux suspend kustomization stretched-kafka-controllers');
  }
  expect(section(plan(3))).toContain('First commit `metadata.phase: 2`');
  expect(section(plan(4))).toContain('None: once finalized, Kafka cannot go back to ZooKeeper');
});
