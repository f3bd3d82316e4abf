import { Fleet, Region, TLS_MOUNT, bootstrapServers, loadConsumerGroup } from '@stretched-kafka/fleet';
import { clientTimeouts } from '@stretched-kafka/kafka';

/** Env var holding the pod's completion index (from the Indexed Job's annotation), expanded in args as $(LOAD_INDEX). */
export const INDEX_ENV = 'LOAD_INDEX';

/**
 * The only compression the Jobs ask for. Acks and idempotence are not flags: the load program
 * always produces with acks=all (-1) and idempotence on, and offers no flag to change either.
 */
export const COMPRESSION = 'lz4';

/**
 * How long a load pod waits for the topic and its ACLs. GitOps orders objects within one
 * cluster only: the Topic and User Operators run in the management region, so the Jobs of the
 * other regions can start before the topic and the users' ACLs exist. Without a wait a producer
 * exits 3 at once, and with backoffLimit 0 its Job has failed for good.
 */
export const WAIT_FOR_TOPIC_S = 600;

/**
 * After SIGTERM (a Job deleted or pruned when load.run is bumped): the longest a producer waits
 * for its batches in flight, or a consumer for leaving its group, before the summary.
 */
export const SHUTDOWN_TIMEOUT_S = 20;

/**
 * The pods' terminationGracePeriodSeconds: the shutdown wait, the program's own 5 s cap on
 * disconnecting (DISCONNECT_TIMEOUT_MS in the load program), and 10 s for the summary and a
 * loaded node. Kubernetes kills the container with SIGKILL after it, summary or not.
 */
export const TERMINATION_GRACE_S = SHUTDOWN_TIMEOUT_S + 5 + 10;

/** A consumer ends once nothing arrived for this long (after the producers are done). */
export const CONSUMER_IDLE_TIMEOUT_S = 120;
/** Upper bound of a consumer's run, so that a Job cannot hang forever when producers never start. */
export const CONSUMER_MAX_DURATION_S = 3 * 3600;

/** Stable client id of one load pod: unique across the fleet (role, region, run, index). */
export function clientId(role: 'producer' | 'consumer', fleet: Fleet, region: Region, index: number | string): string {
  return `${role}-${region.name}-r${fleet.load.run}-${index}`;
}

/**
 * The client timeouts the fleet's brokers call for (clientTimeouts: above the ISR shrink wait of
 * acks=all, below Kafka's own failover), for every run of the load program: the Jobs and the harness.
 */
export function timeoutArgs(fleet: Fleet, role: 'producer' | 'consumer'): string[] {
  const t = clientTimeouts(fleet);
  return [
    ...(role === 'producer' ? ['--ack-timeout-ms', String(t.ackTimeoutMs)] : []),
    '--request-timeout-ms', String(t.requestTimeoutMs),
    '--connection-timeout-ms', String(t.connectionTimeoutMs),
  ];
}

/** Arguments of one producer pod (`stretched-kafka-load produce ...`); each pod sends fleet.load.records records. */
export function producerArgs(fleet: Fleet, region: Region): string[] {
  const l = fleet.load;
  return [
    'produce',
    '--bootstrap', bootstrapServers(fleet, region),
    '--topic', fleet.topic.name,
    '--client-id', clientId('producer', fleet, region, `$(${INDEX_ENV})`),
    '--tls-dir', TLS_MOUNT,
    '--records', String(l.records),
    '--record-bytes', String(l.recordBytes),
    '--batch-bytes', String(l.batchBytes),
    '--linger-ms', String(l.lingerMs),
    '--compression', COMPRESSION,
    '--producers', '1',
    '--verify',
    '--progress-interval-s', '10',
    '--wait-for-topic-s', String(WAIT_FOR_TOPIC_S),
    '--shutdown-timeout-s', String(SHUTDOWN_TIMEOUT_S),
    ...timeoutArgs(fleet, 'producer'),
  ];
}

/**
 * Arguments of one consumer pod. All consumers of the fleet share one group, so the partitions
 * are split among them and no consumer knows how many records it will get: they run until idle.
 * Their --verify therefore checks only the offset ranges each one read (no gap inside them, no
 * reordering, and at least one record read); proving that every acknowledged record arrived
 * needs the producers' summary files (--expect-file), which a Job pod does not have.
 * `--rack` is the pod's own region, so each fetches from the replicas in its region.
 */
export function consumerArgs(fleet: Fleet, region: Region): string[] {
  return [
    'consume',
    '--bootstrap', bootstrapServers(fleet, region),
    '--topic', fleet.topic.name,
    '--client-id', clientId('consumer', fleet, region, `$(${INDEX_ENV})`),
    '--tls-dir', TLS_MOUNT,
    '--group', loadConsumerGroup(fleet),
    '--rack', region.name,
    '--duration-s', String(CONSUMER_MAX_DURATION_S),
    '--idle-timeout-s', String(CONSUMER_IDLE_TIMEOUT_S),
    '--verify',
    '--wait-for-topic-s', String(WAIT_FOR_TOPIC_S),
    '--shutdown-timeout-s', String(SHUTDOWN_TIMEOUT_S),
    ...timeoutArgs(fleet, 'consumer'),
  ];
}
