import { Fleet } from './schema';
import { IMAGES, VERSIONS } from './versions';

// The reference deployment of the field report: three GCP regions, 3 ZooKeeper + 3 brokers in
// each, 3.5 GB/s and 70 ms between regions, 72-partition test topic, 6 producers + 6 consumers
// per region. Addresses and URLs below are placeholders a user overrides in fleet.yaml.
export const DEFAULT_FLEET: Fleet = {
  name: 'stretched-kafka',
  // The reference deployment runs on OpenShift (AKHQ is exposed by a Route).
  platform: 'openshift',
  namespace: 'kafka',
  idsPerRegion: 10,
  network: {
    bandwidthBytesPerSecond: 3_500_000_000,
    latencyMs: 70,
    clusterDomain: 'cluster.local',
    allowPublicPodCidrs: false,
  },
  metadata: { mode: 'zookeeper' },
  regions: [
    {
      name: 'us-east4',
      clusterId: 'cluster1',
      idBlock: 0,
      podCidr: '10.128.0.0/14',
      serviceCidr: '172.30.0.0/16',
      zookeeperReplicas: 3,
      controllerReplicas: 0,
      kafkaReplicas: 3,
      producers: 6,
      consumers: 6,
      kubeApiServer: 'https://api.cluster1.example.com:6443',
    },
    {
      name: 'us-central1',
      clusterId: 'cluster2',
      idBlock: 1,
      podCidr: '10.132.0.0/14',
      serviceCidr: '172.31.0.0/16',
      zookeeperReplicas: 3,
      controllerReplicas: 0,
      kafkaReplicas: 3,
      producers: 6,
      consumers: 6,
      kubeApiServer: 'https://api.cluster2.example.com:6443',
    },
    {
      name: 'us-west4',
      clusterId: 'cluster3',
      idBlock: 2,
      podCidr: '10.136.0.0/14',
      serviceCidr: '172.29.0.0/16',
      zookeeperReplicas: 3,
      controllerReplicas: 0,
      kafkaReplicas: 3,
      producers: 6,
      consumers: 6,
      kubeApiServer: 'https://api.cluster3.example.com:6443',
    },
  ],
  zookeeper: {
    storage: { size: '20Gi', storageClass: 'standard-csi' },
    resources: { cpu: '1', memory: '4Gi' },
    heapMb: 2048,
  },
  // Sized like ZooKeeper: a controller holds the metadata log and its snapshots, not partitions.
  controllers: {
    storage: { size: '20Gi', storageClass: 'standard-csi' },
    resources: { cpu: '1', memory: '4Gi' },
    heapMb: 2048,
  },
  kafka: {
    image: IMAGES.kafka,
    version: VERSIONS.kafka,
    replicationFactor: 3,
    minInsyncReplicas: 2,
    defaultPartitions: 9,
    storage: { size: '300Gi', storageClass: 'standard-csi' },
    resources: { cpu: '4', memory: '16Gi' },
    heapMb: 6144,
  },
  pki: {
    issuer: { kind: 'ClusterIssuer', name: 'vault-issuer' },
    internal: { issuerName: 'stretched-kafka-internal', caSecretName: 'stretched-kafka-internal-ca' },
    additionalTrust: { internal: [], issuer: [] },
    duration: '2160h',
    renewBefore: '360h',
  },
  submariner: {
    brokerRegion: 'us-east4',
    cableDriver: 'vxlan',
    globalnet: false,
    version: VERSIONS.submariner,
    joinSecretName: 'submariner-broker-join',
    brokerNamespace: 'submariner-k8s-broker',
    brokerApiServer: 'https://api.cluster1.example.com:6443',
  },
  topic: {
    name: 'perf-test',
    partitions: 72,
    managementRegion: 'us-east4',
  },
  load: {
    image: IMAGES.load,
    records: 1_000_000,
    recordBytes: 1024,
    batchBytes: 131_072,
    lingerMs: 50,
    run: 1,
  },
  akhq: {
    image: IMAGES.akhq,
    exposure: 'route',
    domain: 'apps.example.com',
    readOnly: true,
    allowDataRead: false,
  },
  monitoring: {
    enabled: true,
    scrapeIntervalSeconds: 30,
    runbookUrl: 'https://git.example.com/platform/stretched-kafka/-/blob/main/docs/runbooks.md',
  },
  gitops: {
    repoUrl: 'https://git.example.com/platform/stretched-kafka.git',
    revision: 'main',
    path: 'clusters',
    automatedSync: true,
    prune: true,
    selfHeal: true,
  },
  cost: {
    instanceUsdPerHour: 0.388472,
    storageUsdPerGbMonth: 0.04,
    interRegionUsdPerGb: 0.01,
    throughputBytesPerSecond: 1_450_000_000,
  },
};

/**
 * What KRaft mode (metadata.mode kraft) changes in the built-in fleet: Kafka 4.x on the image of
 * Strimzi's current line, and in each region 3 controllers in place of the 3 ZooKeeper nodes, so
 * that 9 voters keep a majority (5) with any one region lost and one more voter down. A fleet file
 * that sets metadata.mode kraft is merged over this instead of DEFAULT_FLEET.
 */
export const KRAFT_DEFAULT_FLEET: Fleet = {
  ...DEFAULT_FLEET,
  metadata: { mode: 'kraft' },
  regions: DEFAULT_FLEET.regions.map((r) => ({ ...r, zookeeperReplicas: 0, controllerReplicas: 3 })),
  kafka: { ...DEFAULT_FLEET.kafka, image: IMAGES.kafkaKraft, version: VERSIONS.kraft.kafka },
};

/**
 * What migration mode (metadata.mode migration) changes in the built-in fleet: the reference's
 * Kafka 3.9 stays (the migration runs on the last ZooKeeper line), and each region gains the 3
 * controllers KRaft mode runs, next to its 3 ZooKeeper nodes in phases 1 to 3, alone in phase 4.
 */
export function migrationDefaultFleet(phase: unknown): Fleet {
  return {
    ...DEFAULT_FLEET,
    metadata: { mode: 'migration' },
    regions: DEFAULT_FLEET.regions.map((r) => ({ ...r, zookeeperReplicas: phase === 4 ? 0 : r.zookeeperReplicas, controllerReplicas: 3 })),
  };
}

/** The built-in fleet of a metadata mode (and migration phase). */
export function defaultFleet(mode: Fleet['metadata']['mode'], phase?: unknown): Fleet {
  return mode === 'kraft' ? KRAFT_DEFAULT_FLEET : mode === 'migration' ? migrationDefaultFleet(phase) : DEFAULT_FLEET;
}
