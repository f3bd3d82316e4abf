import { bootstrapServers, Fleet, KAFKA, metadataLayout, placeholderFields, SUBMARINER, TLS } from '@stretched-kafka/fleet';
import { migrationSection } from './migration';
import { isBranch } from '@stretched-kafka/gitops';
import { cableDriverNeedsPsk } from '@stretched-kafka/submariner';
import { bufferPlan, sysctlLines, tunedProfile } from './buffers';
import * as yaml from 'js-yaml';
import { adminCertificate } from '@stretched-kafka/certificates';
import { BREAK_GLASS_FILE, breakGlassShellCommands, fluxBootstrapShellCommand, joinSecretShellCommand } from './commands';
import { costPlan, costPerMessageUsd, FIELD_REPORT, fieldReportComparison } from './cost';
import { inventory } from './inventory';
import { everyRegionLoss } from './loss';
import { metadataQuorum } from './quorum';
import { summarizePlacement, topicPlacement } from './placement';

const int = (n: number): string => Math.round(n).toLocaleString('en-US');
const usd = (n: number, digits = 2): string => `$${n.toFixed(digits)}`;
const sci = (n: number): string => `$${n.toExponential(2)}`;
const perBroker = (m: ReadonlyMap<number, number>): string => [...m].map(([id, n]) => `${id}:${n}`).join(' ');

const approx = (n: number) => `~$${Number.isInteger(n) ? n : n.toFixed(1)}/h`;

/**
 * Why this plan's cost differs from the field report's figures. The report's inputs give its
 * figures back only with ZooKeeper disks as large as the brokers' (its 18 x 300 GB); its total is
 * its $108.2/h rounded up.
 */
function fieldReportLine(fleet: Fleet, cost: ReturnType<typeof costPlan>): string {
  const c = fieldReportComparison(fleet, cost);
  const same = (a: number, b: number) => a.toFixed(1) === b.toFixed(1);
  const parts = [
    `- Field report: ${approx(c.report.fixed)} fixed, ${approx(c.report.variable)} variable, ${approx(c.report.total)} total; ` +
      `this plan: ${usd(c.fleet.fixed)}/h, ${usd(c.fleet.variable)}/h, ${usd(c.fleet.total)}/h.`,
  ];
  const q = metadataQuorum(fleet);
  const sizes = `${cost.instances} x ${fleet.kafka.storage.size} (Kafka) + ${int(c.reportDisks - cost.instances)} x ${q.storageSize} (${q.short}) = ${int(cost.storageGib)} GiB`;
  if (Math.abs(c.fixedWithReportDisks - c.fleet.fixed) < 0.005) {
    parts.push(`Fixed: the disks are billed as the report's model bills them (${q.short} disks as large as the brokers': ${sizes}).`);
  } else {
    const delta = c.fixedWithReportDisks - c.fleet.fixed;
    parts.push(
      `Fixed: the report's model bills every ${q.short === 'ZooKeeper' ? 'ZooKeeper' : 'metadata'} disk as large as a broker's (${int(c.reportDisks)} disks x ${int(c.reportDiskGib)} GB = ${int(c.reportStorageGib)} GB); ` +
        `this fleet has ${sizes}, ${usd(Math.abs(delta))}/h ${delta > 0 ? 'less' : 'more'} storage; with the report's disks the fixed cost would be ${usd(c.fixedWithReportDisks)}/h.`,
    );
  }
  if (!same(c.fixedWithReportDisks, c.report.fixed)) parts.push('The rest of the fixed difference comes from instance counts or prices that differ from the report\'s.');
  parts.push(
    Math.round(c.fleet.variable) === c.report.variable
      ? `Variable: the same model, which the report rounds to $${c.report.variable}/h.`
      : `Variable: throughput, inter-region price or cross-region copies differ from the report's.`,
  );
  parts.push(`Total: ${usd(c.totalWithReportDisks)}/h with the report's disks, which the report rounds up to $${c.report.total}/h.`);
  return parts.join(' ');
}

/** What git cannot carry: the checklist a cluster needs before its first sync. */
function firstSync(fleet: Fleet, line: (s?: string) => void): void {
  const placeholders = placeholderFields(fleet);
  const issuer = fleet.pki.issuer;
  line('## Before the first sync');
  line();
  line(
    fleet.platform === 'openshift'
      ? '- [ ] `platform: openshift`: pods leave user, group and fsGroup to the restricted-v2 SCC. On plain Kubernetes set `platform: kubernetes`, ' +
          'or Kafka and ZooKeeper cannot write their volumes and AKHQ (a non-numeric image user) is refused by runAsNonRoot.'
      : '- [ ] `platform: kubernetes`: pods pin uid 1001, gid 0, fsGroup 0 (OpenShift\'s restricted-v2 SCC would refuse them; use `platform: openshift` there).',
  );
  line(
    placeholders.length > 0
      ? `- [ ] Still documentation placeholders, set them in fleet.yaml: ${placeholders.map((f) => `\`${f}\``).join(', ')}.`
      : '- [x] No documentation placeholders left in the fleet.',
  );
  const internal = fleet.pki.internal;
  line(
    `- [ ] Stack CA: Secret \`${internal.caSecretName}\` (\`tls.crt\`, \`tls.key\` of one CA key pair, the same in every cluster, generated offline and used for nothing else) ` +
      `in namespace \`${fleet.namespace}\` of every cluster, without the label \`stretched-kafka.io/reloader-watch\`; the generated Issuer \`${internal.issuerName}\` reads it. ` +
      `Only who may create Certificates, CertificateRequests or read Secrets in \`${fleet.namespace}\` can then mint broker, operator or admin identities (README, trust model).`,
  );
  line(
    issuer.kind === 'ClusterIssuer'
      ? `- [ ] Application-facing ClusterIssuer \`${issuer.name}\` in every cluster, all issuing from one CA (Vault PKI in the reference), not the stack CA.`
      : `- [ ] Application-facing CA: Secret \`${issuer.caSecretName}\` (\`tls.crt\`, \`tls.key\`, the same in every cluster, not the stack CA) in namespace \`${fleet.namespace}\` of every cluster; the generated Issuer \`${issuer.name}\` reads it.`,
  );
  if (cableDriverNeedsPsk(fleet)) {
    line(`- [ ] Secret \`${SUBMARINER.ipsecPskSecret}\` (key \`psk\`, the same value everywhere) in namespace \`${SUBMARINER.operatorNamespace}\` of every cluster (${fleet.submariner.cableDriver} derives its keys from it).`);
  }
  line(
    `- [ ] Submariner join Secrets: once the \`submariner\` layer of ${fleet.submariner.brokerRegion} (the broker) is synced, Kubernetes fills one broker token per cluster; ` +
      'copy each into its cluster (kubectl contexts named after the regions; adjust `--context` otherwise):',
  );
  line();
  line('```sh');
  for (const r of fleet.regions) line(joinSecretShellCommand(fleet, r));
  line('```');
  line();
  line('- [ ] Node tuning for the socket buffers (below).');
  if (isBranch(fleet.gitops.revision)) {
    line('- [ ] With Flux, bootstrap each cluster on its folder (add your credential flags; the layers reuse what bootstrap stores):');
    line();
    line('```sh');
    for (const r of fleet.regions) line(fluxBootstrapShellCommand(fleet, r));
    line('```');
    line();
  } else {
    line(`- [ ] With Flux: \`gitops.revision\` (${fleet.gitops.revision}) is not a branch, and flux bootstrap tracks a branch; bootstrap on the branch that holds it.`);
  }
  // The ApplicationSet carries RollingSync only under automated sync (packages/gitops rollingSync).
  if (fleet.gitops.automatedSync) line(
    '- [ ] Argo CD with progressive syncs on (`applicationsetcontroller.enable.progressive.syncs`): the first install needs one manual sync of every region\'s ' +
      `Application (${fleet.regions.map((r) => `\`${fleet.name}-${r.name}\``).join(', ')}), because one region's ${metadataQuorum(fleet).regionMembers} are no quorum and its step never gets healthy alone.`,
  );
  line();
}

/** The Markdown plan for a pull request description; every figure comes from the fleet. */
export function renderPlan(fleet: Fleet, changes?: readonly string[]): string {
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
  const q = metadataQuorum(fleet);
  const regionOfBroker = new Map(nodes.flatMap((r) => r.brokers.map((b) => [b.id, r.region] as const)));

  line(`# Plan for \`${fleet.name}\`: ${regions.length} regions, ${int(regionOfBroker.size)} brokers, ${int(nodes.reduce((n, r) => n + r.quorum.length, 0))} ${q.members}`);
  line();
  line('Computed by `npm run plan` from the fleet definition (fleet.yaml over the built-in defaults).');
  line();
  firstSync(fleet, line);
  migrationSection(fleet, line);
  if (changes) {
    line('## This change (against the tree on disk)');
    line();
    line('What GitOps does not do for you between the committed `clusters/` and this fleet:');
    line();
    for (const c of changes) line(c);
    line();
  }

  line('## Nodes');
  line();
  line(`| Region | Cluster id | Brokers (id) | ${q.column} |`);
  line('|---|---|---|---|');
  for (const r of nodes) {
    const list = (ns: typeof r.brokers) => (ns.length ? ns.map((n) => `${n.pod} (${n.id})`).join(', ') : '-');
    line(`| ${r.region} | ${r.clusterId} | ${list(r.brokers)} | ${list(r.quorum)} |`);
  }
  line();
  line('<details><summary>Host names peers dial</summary>');
  line();
  line('| Id | Role | Host |');
  line('|---|---|---|');
  for (const r of nodes) {
    for (const b of r.brokers) line(`| ${b.id} | broker | \`${b.host}\` |`);
    for (const z of r.quorum) line(`| ${z.id} | ${q.role} | \`${z.host}\` |`);
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
  if (metadataLayout(fleet).brokers !== 'zookeeper') {
    line();
    line(
      'In KRaft mode (and from phase 2 of a migration) the active controller assigns replicas instead (StripedReplicaPlacer): it too puts the replicas of a partition ' +
        'in different racks while there are at least as many racks as replicas, and spreads leaders over the brokers; the partition-by-partition ' +
        'layout below is the ZooKeeper-mode one, the per-region guarantees and counts are the same.',
    );
  }
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
      `min.insync.replicas=${fleet.kafka.minInsyncReplicas}; leader moves and ISR shrinks need ${q.quorum}.`,
  );
  line();
  line(`| Region lost | Brokers left | ${q.short} left / quorum | In-sync replicas left (partitions) | Writes | Reads | Leaders that move | Leaders per broker after |`);
  line('|---|---|---|---|---|---|---|---|');
  for (const l of losses) {
    const isr = [...l.isrLeft].sort((a, b) => b[0] - a[0]).map(([n, parts]) => `${n} (${parts})`).join(', ');
    line(
      `| ${l.region} | ${l.brokersLeft}/${l.brokersTotal} | ${l.quorumLeft}/${l.quorumTotal}, need ${l.quorumNeeded} | ${isr} | ` +
        `${l.writable}/${l.partitions} | ${l.readable}/${l.partitions} | ${l.leadersToMove} | ${perBroker(l.leadersAfter)} |`,
    );
  }
  line();
  for (const l of losses) line(`- **${l.region}** lost: ${l.verdict}.`);
  line();

  line('## Break-glass admin');
  line();
  const glass = breakGlassShellCommands(fleet);
  const mgmt = fleet.regions.find((r) => r.name === fleet.topic.managementRegion)!;
  line(
    `No admin certificate exists by default. For a task that needs a super user (reassignments, ACL repairs), save this as \`${BREAK_GLASS_FILE}\` ` +
      `and request it in ${mgmt.name} (it lives 8 h, issued by the stack CA, principal \`User:${TLS.admin.commonName}\`):`,
  );
  line();
  line('```yaml');
  line(yaml.dump(adminCertificate(fleet), { lineWidth: -1, noRefs: true }).trimEnd());
  line('```');
  line();
  line('```sh');
  for (const c of glass.request) line(c);
  line('```');
  line();
  line(
    `Mount the Secret \`${TLS.admin.secret}\` in a pod of namespace \`${fleet.namespace}\` (the only namespace that can hold it) and use it on the internal listener ` +
      `(\`${bootstrapServers(fleet, mgmt, 'stack')}\`); port ${KAFKA.clientPort} refuses it. Afterwards:`,
  );
  line();
  line('```sh');
  for (const c of glass.retire) line(c);
  line('```');
  line();
  line('## Voluntary disruptions: one region at a time');
  line();
  line(
    `Each cluster's PodDisruptionBudget (maxUnavailable 1) sees only its own brokers and ${q.regionMembers}, so one drain in every ` +
      `region at once is allowed by all three and takes ${fleet.kafka.replicationFactor - fleet.kafka.minInsyncReplicas + 1} or more replicas of a partition away: ` +
      `writes stop below min.insync.replicas=${fleet.kafka.minInsyncReplicas}. Drain, upgrade or roll one region at a time, and start the next ` +
      `only when \`kafka-topics --describe --under-replicated-partitions\` prints nothing and every ${q.member} is back.`,
  );
  line();
  line('## Socket buffers and node tuning');
  line();
  line(
    `Bandwidth x latency = ${int(buffers.bandwidthBytesPerSecond)} B/s x ${buffers.latencyMs} ms = **${int(buffers.socketBufferBytes)} bytes** ` +
      '(replica.socket.receive.buffer.bytes, the follower fetcher, whose connections all cross regions; the brokers\' server sockets ' +
      'and the clients autotune up to the tcp_rmem / tcp_wmem max below).',
  );
  line(
    'The kernel caps what Kafka asks for at net.core.wmem_max / rmem_max (Linux defaults are about 200 KiB), so the buffer ' +
      'is in effect only on nodes tuned as below. These sysctls are node-wide; pods cannot set them.',
  );
  line();
  line(
    'Memory: a socket buffer is a cap, filled only by data in flight or not yet read. A connection holds at most its own ' +
      'bandwidth x RTT in flight, so all connections crossing one inter-region link together hold about ' +
      `${int(buffers.socketBufferBytes)} bytes, not that much each; local connections autotune to a few hundred KiB. ` +
      'The kernel\'s net.ipv4.tcp_mem bounds a node\'s TCP memory as a whole; leave it at its default (a share of the node\'s RAM) ' +
      'or size it above the brokers\' share of the links.',
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
    `| Storage | (${int(cost.kafkaStorageGib)} GiB Kafka + ${int(cost.quorumStorageGib)} GiB ${q.short}) x ${usd(fleet.cost.storageUsdPerGbMonth, 3)}/GB-month / 720 h | ${usd(cost.storageUsdPerHour, 4)} |`,
  );
  line(`| **Fixed** | | **${usd(cost.fixedUsdPerHour, 2)}** |`);
  line(
    `| Replication across regions | ${usd(fleet.cost.interRegionUsdPerGb, 3)}/GB x ${cost.throughputGbPerSecond} GB/s x ${cost.crossRegionCopies} follower copies in other regions x 3600 s | ${usd(cost.variableUsdPerHour, 2)} |`,
  );
  line(`| **Variable** | | **${usd(cost.variableUsdPerHour, 2)}** |`);
  line(`| **Total** | | **${usd(cost.totalUsdPerHour, 2)}** |`);
  line();
  line(fieldReportLine(fleet, cost));
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
