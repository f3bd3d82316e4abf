import { Fleet } from '@stretched-kafka/fleet';
import { bufferPlan, sysctlLines, tunedProfile } from './buffers';
import { costPlan, costPerMessageUsd, FIELD_REPORT } from './cost';
import { inventory } from './inventory';
import { everyRegionLoss } from './loss';
import { summarizePlacement, topicPlacement } from './placement';

const int = (n: number): string => Math.round(n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
const usd = (n: number, digits = 2): string => `$${n.toFixed(digits)}`;
const sci = (n: number): string => `$${n.toExponential(2)}`;
const perBroker = (m: ReadonlyMap<number, number>): string => [...m].map(([id, n]) => `${id}:${n}`).join(' ');

/** The Markdown plan for a pull request description; every figure comes from the fleet. */
export function renderPlan(fleet: Fleet): string {
  const out: string[] = [];
  const line = (s = '') => out.push(s);
  const regions = fleet.regions.map((r) => r.name);
  const nodes = inventory(fleet);
  const placement = topicPlacement(fleet);
  const summary = summarizePlacement(fleet, placement);
  const losses = everyRegionLoss(fleet, placement);
  const buffers = bufferPlan(fleet);
  const cost = costPlan(fleet, placement);
  const rf = fleet.kafka.replicationFactor;
  const regionOfBroker = new Map(nodes.flatMap((r) => r.brokers.map((b) => [b.id, r.region] as const)));

  line(`# Plan for \`${fleet.name}\`: ${regions.length} regions, ${int(regionOfBroker.size)} brokers, ${int(nodes.reduce((n, r) => n + r.zookeepers.length, 0))} ZooKeeper nodes`);
  line();
  line('Computed by `npm run plan` from the fleet definition (fleet.yaml over the built-in defaults).');
  line();

  line('## Nodes');
  line();
  line('| Region | Cluster id | Brokers (id) | ZooKeeper (myid) |');
  line('|---|---|---|---|');
  for (const r of nodes) {
    const list = (ns: typeof r.brokers) => (ns.length ? ns.map((n) => `${n.pod} (${n.id})`).join(', ') : '-');
    line(`| ${r.region} | ${r.clusterId} | ${list(r.brokers)} | ${list(r.zookeepers)} |`);
  }
  line();
  line('<details><summary>Host names peers dial</summary>');
  line();
  line('| Id | Role | Host |');
  line('|---|---|---|');
  for (const r of nodes) {
    for (const b of r.brokers) line(`| ${b.id} | broker | \`${b.host}\` |`);
    for (const z of r.zookeepers) line(`| ${z.id} | zookeeper | \`${z.host}\` |`);
  }
  line();
  line('</details>');
  line();

  line(`## Placement of \`${fleet.topic.name}\` (${summary.partitions} partitions, replication factor ${rf})`);
  line();
  line(
    'Kafka\'s rack-aware assignment for a new topic (ZooKeeper mode): brokers ordered by alternating racks (= regions), ' +
      'first replicas round-robin over that list, followers the next brokers in racks without a replica yet. ' +
      'Kafka picks the start index and follower shift at random; this plan uses 0 for both, so the live leader of a given ' +
      'partition may differ, the counts below do not.',
  );
  line();
  if (summary.oneReplicaPerRegion) {
    line(`- OK: every partition has exactly one replica in each of the ${regions.length} regions.`);
  } else if (regions.length > rf && summary.sharedRegionPartitions.length === 0) {
    line(`- OK: every partition has its ${rf} replicas in ${rf} different regions (${regions.length} regions, so no partition is in all of them).`);
  } else {
    line(`- FAILED: ${summary.sharedRegionPartitions.length} partitions have two replicas in one region: ${summary.sharedRegionPartitions.join(', ')}.`);
  }
  line(`- Leaders ${summary.leadersBalanced ? 'balanced' : 'UNBALANCED'}: ${perBroker(summary.leadersPerBroker)} (broker:leaders).`);
  line(`- Replicas ${summary.replicasBalanced ? 'balanced' : 'UNBALANCED'}: ${perBroker(summary.replicasPerBroker)} (broker:replicas).`);
  line(`- Leaders per region: ${[...summary.leadersPerRegion].map(([r, n]) => `${r} ${n}`).join(', ')}.`);
  line();
  line('| Broker | Region | Leaders | Replicas |');
  line('|---|---|---|---|');
  for (const [id, leaders] of summary.leadersPerBroker) line(`| ${id} | ${regionOfBroker.get(id)} | ${leaders} | ${summary.replicasPerBroker.get(id)} |`);
  line();
  line('<details><summary>Every partition (leader first)</summary>');
  line();
  line('| Partition | Replicas | Regions |');
  line('|---|---|---|');
  for (const p of placement) line(`| ${p.partition} | ${p.replicas.join(', ')} | ${p.racks.join(', ')} |`);
  line();
  line('</details>');
  line();

  line('## Losing one region');
  line();
  line(
    `Assumes every replica was in sync before the outage and unclean leader election off. Writes use acks=all with ` +
      `min.insync.replicas=${fleet.kafka.minInsyncReplicas}; leader moves and ISR shrinks need a ZooKeeper quorum.`,
  );
  line();
  line('| Region lost | Brokers left | ZooKeeper left / quorum | In-sync replicas left (partitions) | Writes | Reads | Leaders that move | Leaders per broker after |');
  line('|---|---|---|---|---|---|---|---|');
  for (const l of losses) {
    const isr = [...l.isrLeft].sort((a, b) => b[0] - a[0]).map(([n, parts]) => `${n} (${parts})`).join(', ');
    line(
      `| ${l.region} | ${l.brokersLeft}/${l.brokersTotal} | ${l.zookeeperLeft}/${l.zookeeperTotal}, need ${l.quorumNeeded} | ${isr} | ` +
        `${l.writable}/${l.partitions} | ${l.readable}/${l.partitions} | ${l.leadersToMove} | ${perBroker(l.leadersAfter)} |`,
    );
  }
  line();
  for (const l of losses) line(`- **${l.region}** lost: ${l.verdict}.`);
  line();

  line('## Socket buffers and node tuning');
  line();
  line(
    `Bandwidth x latency = ${int(buffers.bandwidthBytesPerSecond)} B/s x ${buffers.latencyMs} ms = **${int(buffers.socketBufferBytes)} bytes** ` +
      '(socket.send.buffer.bytes, socket.receive.buffer.bytes, replica.socket.receive.buffer.bytes and the clients\' buffers).',
  );
  line(
    'The kernel caps what Kafka asks for at net.core.wmem_max / rmem_max (Linux defaults are about 200 KiB), so the buffer ' +
      'is in effect only on nodes tuned as below. These sysctls are node-wide; pods cannot set them.',
  );
  line();
  line('`/etc/sysctl.d/90-kafka-socket-buffers.conf` (any Linux node, or a privileged DaemonSet):');
  line();
  line('```');
  line(sysctlLines(buffers));
  line('```');
  line();
  line('OpenShift Node Tuning Operator (narrow the match to the nodes that run brokers):');
  line();
  line('```yaml');
  line(tunedProfile(fleet, buffers));
  line('```');
  line();

  line('## Cost (field report model)');
  line();
  line('| Item | Computation | $/hour |');
  line('|---|---|---|');
  line(`| Instances | ${cost.instances} brokers x ${usd(cost.instanceUsdPerHour, 6)} | ${usd(cost.instances * cost.instanceUsdPerHour, 4)} |`);
  line(
    `| Storage | (${int(cost.kafkaStorageGib)} GiB Kafka + ${int(cost.zookeeperStorageGib)} GiB ZooKeeper) x ${usd(fleet.cost.storageUsdPerGbMonth, 3)}/GB-month / 720 h | ${usd(cost.storageUsdPerHour, 4)} |`,
  );
  line(`| **Fixed** | | **${usd(cost.fixedUsdPerHour, 2)}** |`);
  line(
    `| Replication across regions | ${usd(fleet.cost.interRegionUsdPerGb, 3)}/GB x ${cost.throughputGbPerSecond} GB/s x ${cost.crossRegionCopies} follower copies in other regions x 3600 s | ${usd(cost.variableUsdPerHour, 2)} |`,
  );
  line(`| **Variable** | | **${usd(cost.variableUsdPerHour, 2)}** |`);
  line(`| **Total** | | **${usd(cost.totalUsdPerHour, 2)}** |`);
  line();
  line(
    `- Per message: ${int(fleet.cost.throughputBytesPerSecond)} B/s / ${int(fleet.load.recordBytes)} B records = ${int(cost.messagesPerSecond)} msg/s, ` +
      `so ${usd(cost.totalUsdPerHour, 2)} / (${int(cost.messagesPerSecond)} x 3600) = **${sci(cost.usdPerMessage)}** per message.`,
  );
  line(
    `- The field report quotes ${int(FIELD_REPORT.messagesPerSecond)} msg/s at the same throughput, which cannot be ${fleet.load.recordBytes}-byte records ` +
      `(it would be ${int(fleet.cost.throughputBytesPerSecond / FIELD_REPORT.messagesPerSecond)} bytes each); with its count the cost would be ` +
      `${sci(costPerMessageUsd(cost.totalUsdPerHour, FIELD_REPORT.messagesPerSecond))} per message (the report: ${sci(FIELD_REPORT.usdPerMessage)} from its rounded $${FIELD_REPORT.totalUsdPerHour}/h). This plan uses the fleet's figure.`,
  );
  line(
    `- Not in the report: producers write to leaders in other regions too. With producers spread as in the fleet, ` +
      `${(cost.crossRegionProduceShare * 100).toFixed(1)}% of produced bytes cross a region, another ${usd(cost.produceUsdPerHour, 2)}/h ` +
      `(total with it ${usd(cost.totalUsdPerHour + cost.produceUsdPerHour, 2)}/h).`,
  );
  line(
    cost.localReadShare === 1
      ? '- Consumers with a rack id (follower fetching) read from a replica in their own region: no inter-region cost for reads.'
      : `- Consumers with a rack id find a replica in their own region for ${(cost.localReadShare * 100).toFixed(1)}% of partitions; the rest is read across regions and not costed here.`,
  );
  line();
  return out.join('\n');
}
