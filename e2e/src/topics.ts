import { TLS } from '@stretched-kafka/fleet';
import { Harness } from './harness';
import { log } from './log';

// The topic and ACLs stage: what Strimzi's Topic and User Operators would create from the tree.

/** Creates the topic from the KafkaTopic resource and the ACLs from the KafkaUser resources, as the Strimzi operators would. */
export async function topicAndAcls(h: Harness): Promise<void> {
  const f = h.fleet;
  const mgmt = f.topic.managementRegion;
  const kt = h.tree.all('KafkaTopic').find((o) => ((o.object.spec as { topicName?: string }).topicName ?? o.object.metadata.name) === f.topic.name);
  const spec = (kt?.object.spec ?? {}) as { partitions?: number; replicas?: number; config?: Record<string, unknown> };
  const partitions = spec.partitions ?? f.topic.partitions;
  const replicas = spec.replicas ?? f.kafka.replicationFactor;
  const config = Object.fromEntries(Object.entries(spec.config ?? { 'min.insync.replicas': f.kafka.minInsyncReplicas }).map(([k, v]) => [k, String(v)]));
  await h.tools.createTopic(f.topic.name, partitions, replicas, config);
  log(`topic: ${f.topic.name} created (${partitions} partitions, replicas ${replicas}, ${Object.entries(config).map(([k, v]) => `${k}=${v}`).join(', ') || 'no overrides'}) from ${kt ? kt.file : 'the fleet (no KafkaTopic in the tree)'}`);

  // KafkaUsers are synced into the management region only (one User Operator reconciles them).
  const users = h.tree.all('KafkaUser', mgmt);
  const seen = new Set<string>();
  let count = 0;
  for (const u of users) {
    if (seen.has(u.object.metadata.name)) continue;
    seen.add(u.object.metadata.name);
    const spec = u.object.spec as { authentication?: { type?: string }; authorization?: { type?: string; acls?: { resource: { type: string; name?: string; patternType?: string }; operations?: string[]; operation?: string; host?: string }[] } };
    if (spec.authorization?.type !== 'simple') continue;
    // Strimzi's User Operator names a tls / tls-external user `User:CN=<KafkaUser name>` and a
    // user without authentication (a stack identity here) `User:<KafkaUser name>`.
    const principal = spec.authentication?.type ? `User:CN=${u.object.metadata.name}` : `User:${u.object.metadata.name}`;
    for (const acl of spec.authorization.acls ?? []) {
      await h.tools.addAcl(principal, acl.operations ?? (acl.operation ? [acl.operation] : []), acl.resource, acl.host ?? '*');
      count++;
    }
  }
  if (!seen.has(TLS.producer.commonName) || !seen.has(TLS.consumer.commonName)) {
    throw new Error(`the synthesized tree has no KafkaUser for ${TLS.producer.commonName} and ${TLS.consumer.commonName} (found: ${[...seen].join(', ') || 'none'})`);
  }
  log(`acls: ${count} ACL entries from ${seen.size} KafkaUser resources (${[...seen].join(', ')})`);
}
