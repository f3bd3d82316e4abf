import {
  Fleet,
  KAFKA,
  Node,
  Region,
  TLS,
  ZOOKEEPER,
  clustersetServiceName,
  kafkaBrokers,
  localPodNames,
  localServiceNames,
  zookeeperNodes,
} from '@stretched-kafka/fleet';
import { CertificateSpecUsages } from '../../../imports/cert-manager-certificate-cert-manager.io';

// Which certificates a region holds and which names they carry. A SAN is there because a peer
// dials it: clusterset pod names from zoo.cfg, zookeeper.connect and the advertised listeners;
// cluster-local names for in-cluster tools; service names for bootstrap. Nothing of another
// region goes into a region's certificate.

function dialedPodNames(fleet: Fleet, nodes: readonly Node[], service: string): string[] {
  return nodes.flatMap((n) => [n.host, ...localPodNames(fleet, service, n.pod)]);
}

function unique(names: readonly string[]): string[] {
  return [...new Set(names)];
}

/**
 * Names on the region's ZooKeeper server certificate; empty when the region runs no ZooKeeper.
 * The client Service is not exported through Submariner, so it has no clusterset name.
 */
export function zookeeperDnsNames(fleet: Fleet, region: Region): string[] {
  const nodes = zookeeperNodes(fleet, region);
  if (nodes.length === 0) return [];
  return unique([...dialedPodNames(fleet, nodes, ZOOKEEPER.headless), ...localServiceNames(fleet, ZOOKEEPER.client)]);
}

/** Names on the region's broker certificate: its brokers and the bootstrap Service (local and clusterset). */
export function kafkaDnsNames(fleet: Fleet, region: Region): string[] {
  return unique([
    ...dialedPodNames(fleet, kafkaBrokers(fleet, region), KAFKA.headless),
    ...localServiceNames(fleet, KAFKA.bootstrap),
    clustersetServiceName(fleet, KAFKA.bootstrap),
  ]);
}

export type CertificateRole = 'server' | 'client';

export interface CertificateRequest {
  readonly secretName: string;
  readonly commonName: string;
  readonly role: CertificateRole;
  /** Empty for client certificates: a client is known by its subject, never dialed. */
  readonly dnsNames: readonly string[];
}

/** cert-manager usage names. Servers also dial out (quorum, inter-broker, brokers to ZooKeeper). */
export const USAGES: Record<CertificateRole, readonly CertificateSpecUsages[]> = {
  server: [CertificateSpecUsages.SERVER_AUTH, CertificateSpecUsages.CLIENT_AUTH, CertificateSpecUsages.DIGITAL_SIGNATURE, CertificateSpecUsages.KEY_ENCIPHERMENT],
  client: [CertificateSpecUsages.CLIENT_AUTH, CertificateSpecUsages.DIGITAL_SIGNATURE, CertificateSpecUsages.KEY_ENCIPHERMENT],
};

const client = (tls: { secret: string; commonName: string }): CertificateRequest => ({ secretName: tls.secret, commonName: tls.commonName, role: 'client', dnsNames: [] });

/**
 * Every certificate of one region. Brokers use one subject in every region, so ZooKeeper ACLs
 * written by one broker admit all. The operators run only in the management region.
 */
export function certificateRequests(fleet: Fleet, region: Region): CertificateRequest[] {
  const zk = zookeeperDnsNames(fleet, region);
  const operatorsHere = fleet.topic.managementRegion === region.name;
  return [
    ...(zk.length > 0 ? [{ secretName: TLS.zookeeper.secret, commonName: TLS.zookeeper.commonName, role: 'server' as const, dnsNames: zk }] : []),
    { secretName: TLS.kafka.secret, commonName: TLS.kafka.commonName, role: 'server', dnsNames: kafkaDnsNames(fleet, region) },
    client(TLS.producer),
    client(TLS.consumer),
    client(TLS.akhq),
    client(TLS.admin),
    ...(operatorsHere ? [client(TLS.topicOperator), client(TLS.userOperator)] : []),
  ];
}
