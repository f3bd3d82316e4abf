import { createHash } from 'node:crypto';
import { Fleet, Region } from './schema';

// Names and ids every component and the real-Kafka harness agree on. Pure functions of the
// fleet: no construct computes a name of its own.

export const ZOOKEEPER = { name: 'zookeeper', headless: 'zookeeper-nodes', client: 'zookeeper-client', clientPort: 2281, quorumPort: 2888, electionPort: 3888 } as const;
export const KAFKA = { name: 'kafka', headless: 'kafka-brokers', bootstrap: 'kafka-bootstrap', replicationPort: 9091, clientPort: 9093 } as const;
/** KRaft controllers (metadata.mode kraft): pods kafka-controller-<n> behind the headless kafka-controllers. */
export const KRAFT = { name: 'kafka-controller', headless: 'kafka-controllers', controllerPort: 9090 } as const;
/** Listener name of the controller quorum, on controllers and (as a client) on brokers. */
export const CONTROLLER_LISTENER = 'CONTROLLER';

/** The JMX exporter agent's HTTP port on brokers and ZooKeeper nodes (Strimzi's 9404) and its container port name. */
export const METRICS = { port: 9404, portName: 'metrics' } as const;

/** The agent's container port when monitoring is on (the PodMonitors select it by name). */
export function metricsContainerPorts(fleet: Fleet): { name: string; containerPort: number; protocol: 'TCP' }[] {
  return fleet.monitoring.enabled ? [{ name: METRICS.portName, containerPort: METRICS.port, protocol: 'TCP' }] : [];
}

/**
 * Namespace of the Prometheus that scrapes the stack: the fleet's monitoring.prometheusNamespace,
 * else OpenShift's user-workload monitoring or kube-prometheus' `monitoring`.
 */
export function prometheusNamespace(fleet: Fleet): string {
  return fleet.monitoring.prometheusNamespace ?? (fleet.platform === 'openshift' ? 'openshift-user-workload-monitoring' : 'monitoring');
}

export function regionOf(fleet: Fleet, name: string): Region {
  const r = fleet.regions.find((x) => x.name === name);
  if (!r) throw new Error(`unknown region ${name}`);
  return r;
}

/** Broker id of a pod: the region's block plus the StatefulSet ordinal. */
export function brokerId(fleet: Fleet, region: Region, ordinal: number): number {
  return region.idBlock * fleet.idsPerRegion + ordinal;
}

/** ZooKeeper server id (myid) of a pod; 1-based because ZooKeeper rejects 0 in a quorum. */
export function zookeeperId(fleet: Fleet, region: Region, ordinal: number): number {
  return region.idBlock * fleet.idsPerRegion + ordinal + 1;
}

/** `<pod>.<clusterid>.<svc>.<ns>.svc.clusterset.local`: how Submariner's Lighthouse names an exported headless pod. */
/**
 * KRaft node id of a controller: counted down from the top of the region's block (the block's
 * last id is ordinal 0), while broker ids count up from its bottom. Both stay put when the other
 * count changes, and validateFleet keeps kafkaReplicas + controllerReplicas within idsPerRegion,
 * so the two never meet: node ids are one space in KRaft.
 */
export function controllerId(fleet: Fleet, region: Region, ordinal: number): number {
  return (region.idBlock + 1) * fleet.idsPerRegion - 1 - ordinal;
}

export function clustersetPodName(fleet: Fleet, region: Region, service: string, pod: string): string {
  return `${pod}.${region.clusterId}.${service}.${fleet.namespace}.svc.clusterset.local`;
}

export function clustersetServiceName(fleet: Fleet, service: string): string {
  return `${service}.${fleet.namespace}.svc.clusterset.local`;
}

/** Cluster-local names of a pod behind a headless service (short and fully qualified). */
export function localPodNames(fleet: Fleet, service: string, pod: string): string[] {
  return [`${pod}.${service}.${fleet.namespace}.svc`, `${pod}.${service}.${fleet.namespace}.svc.${fleet.network.clusterDomain}`];
}

export function localServiceNames(fleet: Fleet, service: string): string[] {
  return [service, `${service}.${fleet.namespace}`, `${service}.${fleet.namespace}.svc`, `${service}.${fleet.namespace}.svc.${fleet.network.clusterDomain}`];
}

export interface Node {
  readonly region: Region;
  readonly ordinal: number;
  readonly pod: string;
  readonly id: number;
  /** The name every peer, in any cluster, dials. */
  readonly host: string;
}

export function zookeeperNodes(fleet: Fleet, region?: Region): Node[] {
  return (region ? [region] : fleet.regions).flatMap((r) =>
    Array.from({ length: r.zookeeperReplicas }, (_, ordinal) => {
      const pod = `${ZOOKEEPER.name}-${ordinal}`;
      return { region: r, ordinal, pod, id: zookeeperId(fleet, r, ordinal), host: clustersetPodName(fleet, r, ZOOKEEPER.headless, pod) };
    }),
  );
}

export function kafkaBrokers(fleet: Fleet, region?: Region): Node[] {
  return (region ? [region] : fleet.regions).flatMap((r) =>
    Array.from({ length: r.kafkaReplicas }, (_, ordinal) => {
      const pod = `${KAFKA.name}-${ordinal}`;
      return { region: r, ordinal, pod, id: brokerId(fleet, r, ordinal), host: clustersetPodName(fleet, r, KAFKA.headless, pod) };
    }),
  );
}

export function kraftControllers(fleet: Fleet, region?: Region): Node[] {
  return (region ? [region] : fleet.regions).flatMap((r) =>
    Array.from({ length: r.controllerReplicas }, (_, ordinal) => {
      const pod = `${KRAFT.name}-${ordinal}`;
      return { region: r, ordinal, pod, id: controllerId(fleet, r, ordinal), host: clustersetPodName(fleet, r, KRAFT.headless, pod) };
    }),
  );
}

/** `controller.quorum.voters` (a static quorum, see README): every controller as id@clusterset-host:port. */
export function controllerQuorumVoters(fleet: Fleet): string {
  return kraftControllers(fleet).map((n) => `${n.id}@${n.host}:${KRAFT.controllerPort}`).join(',');
}

/**
 * The KRaft cluster id: metadata.clusterId when set, otherwise the first 16 bytes of
 * sha256("stretched-kafka:<name>:<namespace>") in URL-safe base64 (the form of Kafka's Uuid), so
 * the same fleet always formats the same cluster. Synth refuses a tree whose id differs from the
 * committed one (the controllers' ConfigMap carries it), and start.sh refuses a log dir formatted
 * for another id.
 */
export function kraftClusterId(fleet: Fleet): string {
  return fleet.metadata.clusterId ?? createHash('sha256').update(`stretched-kafka:${fleet.name}:${fleet.namespace}`).digest().subarray(0, 16).toString('base64url');
}

/**
 * Annotation on the KRaft controllers' ConfigMap naming the cluster id the tree formats. Synth
 * compares it with the committed tree and refuses a change (packages/synth/src/immutable.ts).
 */
export const KRAFT_CLUSTER_ID_ANNOTATION = 'stretched-kafka.io/kraft-cluster-id';

/** The component holding the cluster's metadata: ZooKeeper or the KRaft controllers (its app.kubernetes.io/name). */
export function metadataComponent(fleet: Fleet): string {
  return fleet.metadata.mode === 'kraft' ? KRAFT.name : ZOOKEEPER.name;
}

/** `zookeeper.connect` for the brokers: every server of the ensemble on its TLS client port. */
export function zookeeperConnect(fleet: Fleet): string {
  return zookeeperNodes(fleet).map((n) => `${n.host}:${ZOOKEEPER.clientPort}`).join(',');
}

/**
 * Bootstrap servers in a region: the region's own brokers first, then one per other region.
 * `clients` (application certificates) by default; `stack` for the stack's own identities
 * (operators, AKHQ, the reload sidecar, break-glass admin), which use the internal listener.
 */
export function bootstrapServers(fleet: Fleet, region: Region, trust: TrustDomain = 'application'): string {
  const local = kafkaBrokers(fleet, region);
  const remote = fleet.regions.filter((r) => r !== region).map((r) => kafkaBrokers(fleet, r)[0]).filter(Boolean);
  const port = trust === 'stack' ? KAFKA.replicationPort : KAFKA.clientPort;
  return [...local, ...remote].map((b) => `${b.host}:${port}`).join(',');
}

/** Largest value of Kafka's `socket.*.buffer.bytes` settings: they are Java ints. */
export const MAX_SOCKET_BUFFER_BYTES = 2_147_483_647;

/**
 * TCP socket buffer for the inter-region links: the bandwidth-delay product of the worst link
 * (3.5 GB/s x 70 ms = 245,000,000 bytes for the reference). Kafka caps nothing, the kernel does:
 * the nodes' net.core.rmem_max / wmem_max must be at least this large.
 */
export function socketBufferBytes(fleet: Fleet): number {
  return Math.ceil((fleet.network.bandwidthBytesPerSecond * fleet.network.latencyMs) / 1000);
}

/** Standard labels; selectors use only name/instance/component (never a version). */
export function selectorLabels(fleet: Fleet, component: string): Record<string, string> {
  return { 'app.kubernetes.io/name': component, 'app.kubernetes.io/instance': fleet.name };
}

export function labels(fleet: Fleet, component: string, region: Region): Record<string, string> {
  return { ...selectorLabels(fleet, component), 'app.kubernetes.io/part-of': fleet.name, 'app.kubernetes.io/managed-by': 'stretched-kafka', 'topology.kubernetes.io/region': region.name };
}

/**
 * Which CA signs an identity. `stack`: the namespaced internal Issuer (pki.internal) that only the
 * stack namespace can use; the brokers' internal listener and ZooKeeper trust nothing else.
 * `application`: the application-facing issuer (pki.issuer), trusted only by the brokers' client
 * listener, whose principals can never equal a stack principal (see principalMappingRules).
 */
export type TrustDomain = 'stack' | 'application';

/**
 * Secrets cert-manager writes (ca.crt, tls.crt, tls.key, tls-combined.pem with a PKCS#8 key),
 * the certificate common names that become Kafka principals and ZooKeeper x509 identities, and
 * the CA that signs each. Brokers share one CN in every region so that ZooKeeper ACLs set by one
 * broker admit the others. `kafkaClients` is the brokers' second server certificate, presented on
 * the client listener only, so that application clients verify the brokers with the CA they
 * already trust and never need the stack CA.
 */
export const TLS = {
  zookeeper: { secret: 'zookeeper-tls', commonName: 'zookeeper', trust: 'stack' },
  kafka: { secret: 'kafka-tls', commonName: 'kafka-broker', trust: 'stack' },
  /** KRaft controllers: server certificate of the quorum listener and their client identity towards each other. */
  controller: { secret: 'kafka-controller-tls', commonName: 'kafka-controller', trust: 'stack' },
  kafkaClients: { secret: 'kafka-clients-tls', commonName: 'kafka-bootstrap', trust: 'application' },
  producer: { secret: 'producer-tls', commonName: 'producer', trust: 'application' },
  consumer: { secret: 'consumer-tls', commonName: 'consumer', trust: 'application' },
  akhq: { secret: 'akhq-tls', commonName: 'akhq', trust: 'stack' },
  topicOperator: { secret: 'topic-operator-tls', commonName: 'topic-operator', trust: 'stack' },
  userOperator: { secret: 'user-operator-tls', commonName: 'user-operator', trust: 'stack' },
  /** Never in the tree: a short-lived break-glass certificate an operator requests by hand (`npm run plan`). */
  admin: { secret: 'kafka-admin-tls', commonName: 'kafka-admin', trust: 'stack' },
} as const satisfies Record<string, { secret: string; commonName: string; trust: TrustDomain }>;

export type TlsIdentity = (typeof TLS)[keyof typeof TLS];

/** Mount paths inside containers for a TLS secret. */
export const TLS_MOUNT = '/opt/kafka/tls';
/** Where a broker mounts its client-listener certificate (TLS.kafkaClients). */
export const CLIENT_TLS_MOUNT = '/opt/kafka/tls-clients';

/** Pods carrying this label may connect to the brokers' client listener (NetworkPolicy peer). */
export const KAFKA_CLIENT_LABEL = { 'stretched-kafka.io/kafka-client': 'true' } as const;

/** The stack's own clients (operators, AKHQ): the brokers' NetworkPolicy admits them to the internal listener. */
export const STACK_CLIENT_LABEL = { 'stretched-kafka.io/stack-client': 'true' } as const;

/** Folder under clusters/ for objects that are not one region's (Argo CD control plane, Flux bootstrap). */
export const GITOPS_FOLDERS = { argocd: 'argocd', flux: 'flux' } as const;

/**
 * Submariner's own names, as `subctl` would create them: the operator's namespace holds the
 * Submariner join CR and the out-of-band join and IPsec PSK Secrets; images come from one repository.
 */
export const SUBMARINER = {
  operatorNamespace: 'submariner-operator',
  joinName: 'submariner',
  brokerName: 'submariner-broker',
  ipsecPskSecret: 'submariner-ipsec-psk',
  repository: 'quay.io/submariner',
} as const;

/**
 * Kafka principal of an identity, as the brokers' principal mapping rules derive it.
 *
 * Application certificates (client listener) map to `CN=<cn>`: Strimzi's User Operator writes
 * the ACLs of a `tls-external` KafkaUser for `User:CN=<name>`. Stack certificates (internal
 * listener, stack CA only) map to the bare `<cn>`. A client-listener principal therefore always
 * starts with `CN=` and a stack principal never does: no certificate of the application CA, whatever
 * subject it carries, becomes a super user or any other stack principal.
 */
export function kafkaPrincipal(identity: { commonName: string; trust: TrustDomain }): string {
  return identity.trust === 'stack' ? `User:${identity.commonName}` : `User:CN=${identity.commonName}`;
}

/**
 * `ssl.principal.mapping.rules` per listener; no DEFAULT rule, so a subject that matches no rule
 * fails authentication instead of becoming its full DN. The subject must start with a CN
 * (RFC 2253 order, most specific first, as cert-manager writes commonName + organizations) made
 * of the characters a KafkaUser name or common name here can hold; the rest (O=, OU=...) is dropped.
 */
export const PRINCIPAL_MAPPING_RULES: Record<TrustDomain, string> = {
  stack: 'RULE:^CN=([a-z0-9][a-z0-9.-]*)(,.*)?$/$1/',
  application: 'RULE:^CN=([A-Za-z0-9][A-Za-z0-9._-]*)(,.*)?$/CN=$1/',
};

export const USERS_NAMESPACE_SUFFIX = '-users';

/**
 * Namespace (management region only) holding the KafkaUser resources. The User Operator must list
 * and watch every Secret of the namespace it reconciles; keeping it out of the fleet namespace keeps
 * the brokers' and clients' private keys out of its reach.
 */
export function usersNamespace(fleet: Fleet): string {
  const ns = `${fleet.namespace}${USERS_NAMESPACE_SUFFIX}`;
  // validateFleet rejects such a namespace with a one-line error; this guards unvalidated fleets.
  if (ns.length > 63) throw new Error(`namespace: "${fleet.namespace}" is too long; "${ns}" must fit in 63 characters`);
  return ns;
}

/** Label the standalone Topic and User Operators select their resources by. */
export function strimziClusterLabel(fleet: Fleet): Record<string, string> {
  return { 'strimzi.io/cluster': fleet.name };
}

/** Consumer group shared by the load consumers of every region (their ACL names it). */
export function loadConsumerGroup(fleet: Fleet): string {
  return `${fleet.name}-load`;
}

/**
 * The trust bundle: a ConfigMap per region (certificates layer) with the CA certificates of
 * `pki.additionalTrust`, one key per trust domain, mounted by the brokers and ZooKeeper at
 * TRUST_MOUNT. Their start scripts (and the brokers' reload-tls sidecar) concatenate the issuing
 * CA (the Secret's ca.crt) and this key into the truststore file each listener reads, in
 * TRUSTSTORE_DIR (the pod's /tmp emptyDir, shared by the broker and its sidecar).
 */
export const TRUST_BUNDLE = {
  configMap: 'kafka-trust-bundle',
  keys: { stack: 'stack-ca.crt', application: 'application-ca.crt' },
  truststores: { stack: 'stack.pem', application: 'application.pem' },
} as const satisfies { configMap: string; keys: Record<TrustDomain, string>; truststores: Record<TrustDomain, string> };
export const TRUST_MOUNT = '/opt/kafka/trust';
export const TRUSTSTORE_DIR = '/tmp/truststores';
