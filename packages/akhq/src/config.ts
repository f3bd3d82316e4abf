import * as yaml from 'js-yaml';
import { Fleet, KAFKA, Region, localServiceNames } from '@stretched-kafka/fleet';

/** Where the akhq-tls Secret is mounted in the AKHQ container. */
export const AKHQ_TLS_DIR = '/etc/akhq/tls';
export const AKHQ_CONFIG_DIR = '/etc/akhq/config';
export const AKHQ_PORT = 8080;
/** Micronaut management port of the AKHQ image (/health); not exposed by the Service. */
export const AKHQ_MANAGEMENT_PORT = 28081;

/**
 * The region's local bootstrap Service on the internal listener, `kafka-bootstrap.<ns>.svc:9091`,
 * a name the broker certificates carry: AKHQ is a stack identity (README, trust model).
 */
export function akhqBootstrap(fleet: Fleet): string {
  return `${localServiceNames(fleet, KAFKA.bootstrap)[2]}:${KAFKA.replicationPort}`;
}

/** AKHQ group every visitor gets (no login is configured) and the roles it is made of. */
export const AKHQ_GROUP = 'fleet-visitor';

type AkhqRole = { resources: string[]; actions: string[] }[];

/**
 * AKHQ (0.25+) roles of the visitor group, named apart from AKHQ's built-in roles so that nothing
 * merges with them. Browsing metadata (topics, configs, consumer groups and their lag, nodes, ACLs)
 * always; record contents only with akhq.allowDataRead; changes only without akhq.readOnly.
 */
export function akhqRoles(fleet: Fleet): Record<string, AkhqRole> {
  return {
    'fleet-browse': [
      { resources: ['TOPIC'], actions: ['READ', 'READ_CONFIG'] },
      { resources: ['CONSUMER_GROUP'], actions: ['READ'] },
      { resources: ['NODE'], actions: ['READ', 'READ_CONFIG'] },
      { resources: ['ACL'], actions: ['READ'] },
    ],
    ...(fleet.akhq.allowDataRead ? { 'fleet-read-data': [{ resources: ['TOPIC_DATA'], actions: ['READ'] }] } : {}),
    ...(fleet.akhq.readOnly
      ? {}
      : {
          'fleet-operate': [
            { resources: ['TOPIC'], actions: ['CREATE', 'UPDATE', 'DELETE', 'ALTER_CONFIG'] },
            { resources: ['TOPIC_DATA'], actions: ['CREATE', 'DELETE'] },
            { resources: ['CONSUMER_GROUP'], actions: ['DELETE', 'UPDATE_OFFSET', 'DELETE_OFFSET'] },
          ],
        }),
  };
}

/**
 * AKHQ's application.yml for one region. Kafka connection over TLS with hostname verification
 * and the akhq client certificate as PEM files (Java's Kafka client reads a PEM keystore holding
 * key + chain and a PEM truststore; no password anywhere). Every visitor gets AKHQ_GROUP. AKHQ
 * applies groups in its UI, and in its API only once its login is enabled, which this project does
 * not configure: the broker ACLs of the `akhq` principal (see clientUsers) are what really keep it
 * read-only and away from record contents. Its consumers fetch from the region's own replicas.
 */
export function akhqConfig(fleet: Fleet, region: Region): Record<string, unknown> {
  const roles = akhqRoles(fleet);
  return {
    micronaut: { server: { port: AKHQ_PORT } },
    akhq: {
      connections: {
        [fleet.name]: {
          properties: {
            'bootstrap.servers': akhqBootstrap(fleet),
            'security.protocol': 'SSL',
            'ssl.endpoint.identification.algorithm': 'https',
            'ssl.truststore.type': 'PEM',
            'ssl.truststore.location': `${AKHQ_TLS_DIR}/ca.crt`,
            'ssl.keystore.type': 'PEM',
            'ssl.keystore.location': `${AKHQ_TLS_DIR}/tls-combined.pem`,
          },
        },
      },
      'clients-defaults': { consumer: { properties: { 'client.rack': region.name } } },
      security: {
        'default-group': AKHQ_GROUP,
        roles,
        groups: { [AKHQ_GROUP]: Object.keys(roles).map((role) => ({ role, patterns: ['.*'], clusters: ['.*'] })) },
      },
    },
  };
}

export function akhqConfigYaml(fleet: Fleet, region: Region): string {
  return yaml.dump(akhqConfig(fleet, region), { lineWidth: -1, noRefs: true, sortKeys: true });
}

/** Host name of the region's AKHQ UI. */
export function akhqHost(fleet: Fleet, region: Region): string {
  return `akhq.${region.name}.${fleet.akhq.domain}`;
}
