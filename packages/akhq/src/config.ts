import * as yaml from 'js-yaml';
import { Fleet, KAFKA, Region, localServiceNames } from '@stretched-kafka/fleet';

/** Where the akhq-tls Secret is mounted in the AKHQ container. */
export const AKHQ_TLS_DIR = '/etc/akhq/tls';
export const AKHQ_CONFIG_DIR = '/etc/akhq/config';
export const AKHQ_PORT = 8080;
/** Micronaut management port of the AKHQ image (/health); not exposed by the Service. */
export const AKHQ_MANAGEMENT_PORT = 28081;

/** The region's local bootstrap Service, `kafka-bootstrap.<ns>.svc:9093`, a name the broker certificates carry. */
export function akhqBootstrap(fleet: Fleet): string {
  return `${localServiceNames(fleet, KAFKA.bootstrap)[2]}:${KAFKA.clientPort}`;
}

/**
 * AKHQ's application.yml for one region. Kafka connection over TLS with hostname verification
 * and the akhq client certificate as PEM files (Java's Kafka client reads a PEM keystore holding
 * key + chain and a PEM truststore; no password anywhere). AKHQ's `reader` group as the default for
 * everyone when the fleet is read-only: AKHQ only enforces that in its UI unless its login is
 * configured, the broker ACLs of the `akhq` principal are what make it read-only for real.
 * Its consumers fetch from the region's own replicas (client.rack).
 */
export function akhqConfig(fleet: Fleet, region: Region): Record<string, unknown> {
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
      security: { 'default-group': fleet.akhq.readOnly ? 'reader' : 'admin' },
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
