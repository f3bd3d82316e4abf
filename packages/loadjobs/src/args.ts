import { Fleet, Region, TLS_MOUNT, bootstrapServers, loadConsumerGroup } from '@stretched-kafka/fleet';

/** Env var holding the pod's completion index (from the Indexed Job's annotation), expanded in args as $(LOAD_INDEX). */
export const INDEX_ENV = 'LOAD_INDEX';

/**
 * The only compression the Jobs ask for. Acks and idempotence are not flags: the load program
 * always produces with acks=all (-1) and idempotence on, and offers no flag to change either.
 */
export const COMPRESSION = 'lz4';

/** A consumer ends once nothing arrived for this long (after the producers are done). */
export const CONSUMER_IDLE_TIMEOUT_S = 120;
/** Upper bound of a consumer's run, so that a Job cannot hang forever when producers never start. */
export const CONSUMER_MAX_DURATION_S = 3 * 3600;

/** Stable client id of one load pod: unique across the fleet (role, region, run, index). */
export function clientId(role: 'producer' | 'consumer', fleet: Fleet, region: Region, index: number | string): string {
  return `${role}-${region.name}-r${fleet.load.run}-${index}`;
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
  ];
}

/**
 * Arguments of one consumer pod. All consumers of the fleet share one group, so the partitions
 * are split among them and no consumer knows how many records it will get: they run until idle.
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
  ];
}
