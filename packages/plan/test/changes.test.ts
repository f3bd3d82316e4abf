import { DEFAULT_FLEET, Fleet } from '@stretched-kafka/fleet';
import { render } from '@stretched-kafka/synth';
import { changeSteps } from '../src/changes';

const files = (f: Fleet) => new Map(render(f).files.map((x) => [x.path, x.content]));
const clone = (): Fleet => JSON.parse(JSON.stringify(DEFAULT_FLEET));
const base = files(DEFAULT_FLEET);

test('no change, nothing to do; a first install points at the checklist', () => {
  expect(changeSteps(DEFAULT_FLEET, base, base)).toEqual(['- Nothing beyond the sync: no object changes that need an operator.']);
  expect(changeSteps(DEFAULT_FLEET, new Map(), base)[0]).toContain('First install');
});

test('a broker more per region: reassignments onto the new brokers; the load Jobs are recreated, not refused', () => {
  const f = clone();
  for (const r of f.regions) r.kafkaReplicas = 4;
  const steps = changeSteps(f, base, files(f));
  const more = steps.filter((l) => l.includes('more broker(s)'));
  expect(more).toHaveLength(3);
  expect(more[0]).toContain('kafka-reassign-partitions --generate with the broker list 0,1,2,3,10,11,12,13,20,21,22,23');
  expect(steps.some((l) => l.includes('cannot change in place'))).toBe(false);
  f.load.run = 2;
  expect(changeSteps(f, base, files(f)).some((l) => l.includes('Job kafka/producer-r1') && l.includes('prunes'))).toBe(true);
});

test('a storage change: the immutable-field procedure; a heap change: a rolling restart one region at a time', () => {
  const f = clone();
  f.kafka.storage.size = '500Gi';
  f.kafka.heapMb = 4096;
  const steps = changeSteps(f, base, files(f));
  expect(steps.filter((l) => l.includes('spec.volumeClaimTemplates cannot change in place'))).toHaveLength(3);
  expect(steps.filter((l) => l.includes('new pod template, GitOps rolls it pod by pod'))).toHaveLength(3);
});

test('a renamed topic: the old KafkaTopic is never pruned and must be retired by hand', () => {
  const f = clone();
  f.topic.name = 'orders';
  const steps = changeSteps(f, base, files(f));
  expect(steps.some((l) => l.startsWith('- KafkaTopic kafka/perf-test in us-east4 leaves the tree but is never pruned'))).toBe(true);
});

test('a region added or removed', () => {
  const f = clone();
  f.regions = f.regions.slice(0, 3).map((r) => ({ ...r }));
  f.regions[2] = { ...f.regions[2], name: 'eu-west1', clusterId: 'cluster4', idBlock: 3 };
  const steps = changeSteps(f, base, files(f));
  expect(steps.some((l) => l.startsWith('- New folder `eu-west1`'))).toBe(true);
  expect(steps.some((l) => l.startsWith('- Folder `us-west4` disappears: BEFORE merging'))).toBe(true);
});
