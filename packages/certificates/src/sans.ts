import {
  Fleet,
  KAFKA,
  KRAFT,
  Node,
  Region,
  TLS,
  TlsIdentity,
  TrustDomain,
  ZOOKEEPER,
  clustersetServiceName,
  kafkaBrokers,
  kraftControllers,
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

/**
 * Names on the region's KRaft controller certificate: the clusterset names of controller.quorum.voters,
 * which controllers and brokers dial with hostname verification, and the pods' cluster-local
 * names; empty when the region runs no controller. No Service name: nothing dials one.
 */
export function controllerDnsNames(fleet: Fleet, region: Region): string[] {
  return unique(dialedPodNames(fleet, kraftControllers(fleet, region), KRAFT.headless));
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
  /** Which CA signs it: the stack's internal Issuer or the application-facing issuer. */
  readonly trust: TrustDomain;
  /** Empty for client certificates: a client is known by its subject, never dialed. */
  readonly dnsNames: readonly string[];
}

/** cert-manager usage names. Stack servers also dial out (quorum, inter-broker, brokers to ZooKeeper). */
export const USAGES: Record<CertificateRole | 'listener', readonly CertificateSpecUsages[]> = {
  server: [CertificateSpecUsages.SERVER_AUTH, CertificateSpecUsages.CLIENT_AUTH, CertificateSpecUsages.DIGITAL_SIGNATURE, CertificateSpecUsages.KEY_ENCIPHERMENT],
  client: [CertificateSpecUsages.CLIENT_AUTH, CertificateSpecUsages.DIGITAL_SIGNATURE, CertificateSpecUsages.KEY_ENCIPHERMENT],
  // The client-listener certificate only answers: it never authenticates the brokers anywhere.
  listener: [CertificateSpecUsages.SERVER_AUTH, CertificateSpecUsages.DIGITAL_SIGNATURE, CertificateSpecUsages.KEY_ENCIPHERMENT],
};

/** Usages of one request: a server certificate of the application domain is listener-only. */
export function usagesOf(req: CertificateRequest): readonly CertificateSpecUsages[] {
  return req.role === 'server' && req.trust === 'application' ? USAGES.listener : USAGES[req.role];
}

const client = (tls: TlsIdentity): CertificateRequest => ({ secretName: tls.secret, commonName: tls.commonName, role: 'client', trust: tls.trust, dnsNames: [] });
const server = (tls: TlsIdentity, dnsNames: string[]): CertificateRequest => ({ secretName: tls.secret, commonName: tls.commonName, role: 'server', trust: tls.trust, dnsNames });

/**
 * Every certificate of one region. Brokers use one subject in every region, so ZooKeeper ACLs
 * written by one broker admit all. The operators run only in the management region. The
 * break-glass admin certificate is not here: it is requested by hand when needed (adminCertificateRequest).
 */
export function certificateRequests(fleet: Fleet, region: Region): CertificateRequest[] {
  const zk = zookeeperDnsNames(fleet, region);
  const controllers = controllerDnsNames(fleet, region);
  const brokers = kafkaDnsNames(fleet, region);
  const operatorsHere = fleet.topic.managementRegion === region.name;
  return [
    ...(zk.length > 0 ? [server(TLS.zookeeper, zk)] : []),
    ...(controllers.length > 0 ? [server(TLS.controller, controllers)] : []),
    server(TLS.kafka, brokers),
    server(TLS.kafkaClients, brokers),
    client(TLS.producer),
    client(TLS.consumer),
    client(TLS.akhq),
    ...(operatorsHere ? [client(TLS.topicOperator), client(TLS.userOperator)] : []),
  ];
}

/** The break-glass admin identity (a super user of the stack domain); see adminCertificate. */
export function adminCertificateRequest(): CertificateRequest {
  return client(TLS.admin);
}
