import { Fleet, TLS, TrustDomain, loadConsumerGroup } from '@stretched-kafka/fleet';

export type AclResourceType = 'topic' | 'group' | 'cluster';
export type AclOperation = 'Read' | 'Write' | 'Create' | 'Delete' | 'Alter' | 'Describe' | 'AlterConfigs' | 'DescribeConfigs';

export interface AclRule {
  readonly resource: { readonly type: AclResourceType; readonly name?: string; readonly patternType?: 'literal' | 'prefix' };
  readonly operations: readonly AclOperation[];
}

/**
 * One client identity: the KafkaUser name equals the certificate CN. An application identity is a
 * `tls-external` KafkaUser (Strimzi writes its ACLs for `User:CN=<name>`, the client listener's
 * principal); a stack identity (AKHQ) is a KafkaUser without authentication, whose ACLs Strimzi
 * writes for `User:<name>`, the internal listener's principal (kafkaPrincipal).
 */
export interface ClientUser {
  readonly name: string;
  readonly trust: TrustDomain;
  readonly acls: readonly AclRule[];
}

const CLUSTER = { type: 'cluster' } as const;

/**
 * Least-privilege ACLs of every client identity, as data. Operators and brokers are super users
 * and get none here.
 *
 * - producer: Write + Describe on the test topic. No IdempotentWrite on the cluster: since Kafka
 *   3.0 (KIP-679) Write on any topic authorizes InitProducerId for idempotent producers.
 * - consumer: Read + Describe on the topic, Read on the shared load group (Read implies Describe,
 *   which FindCoordinator needs).
 * - akhq: a cluster browser, so it sees every topic and group (wildcards), read-only by default:
 *   the Kafka ACLs are what really enforces read-only, AKHQ's own roles only shape its UI (its API
 *   applies them only with a login, which is not configured). Read on topics (fetching records) only
 *   with akhq.allowDataRead: metadata and consumer-group lag need no Read, as ListOffsets and
 *   OffsetFetch take Describe on the topic and on the group (KIP-163).
 */
export function clientUsers(fleet: Fleet): ClientUser[] {
  const topic = { type: 'topic', name: fleet.topic.name, patternType: 'literal' } as const;
  const allTopics = { type: 'topic', name: '*', patternType: 'literal' } as const;
  const allGroups = { type: 'group', name: '*', patternType: 'literal' } as const;
  const akhqRead: AclRule[] = [
    { resource: allTopics, operations: fleet.akhq.allowDataRead ? ['Describe', 'Read', 'DescribeConfigs'] : ['Describe', 'DescribeConfigs'] },
    { resource: allGroups, operations: ['Describe'] },
    { resource: CLUSTER, operations: ['Describe', 'DescribeConfigs'] },
  ];
  const akhqWrite: AclRule[] = [
    { resource: allTopics, operations: ['Write', 'Create', 'Delete', 'AlterConfigs'] },
    { resource: allGroups, operations: ['Read', 'Delete'] },
  ];
  return [
    { name: TLS.producer.commonName, trust: TLS.producer.trust, acls: [{ resource: topic, operations: ['Write', 'Describe'] }] },
    {
      name: TLS.consumer.commonName,
      trust: TLS.consumer.trust,
      acls: [
        { resource: topic, operations: ['Read', 'Describe'] },
        { resource: { type: 'group', name: loadConsumerGroup(fleet), patternType: 'literal' }, operations: ['Read'] },
      ],
    },
    { name: TLS.akhq.commonName, trust: TLS.akhq.trust, acls: fleet.akhq.readOnly ? akhqRead : [...akhqRead, ...akhqWrite] },
  ];
}

/**
 * Kubernetes name of the KafkaTopic for a Kafka topic name (which may hold `_` and capitals);
 * the real name travels in `spec.topicName`.
 */
export function kafkaTopicResourceName(topic: string): string {
  const name = topic.toLowerCase().replace(/[^a-z0-9.-]+/g, '-').replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
  if (name.length === 0) throw new Error(`topic.name: "${topic}" leaves no valid Kubernetes name; use letters or digits`);
  return name.slice(0, 253);
}
