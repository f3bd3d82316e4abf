import { DEFAULT_FLEET, Fleet, mergeOverride, validateFleet } from '@stretched-kafka/fleet';

/** The default fleet with an override merged over it, through the same validator users hit. */
export function fleetWith(override: unknown): Fleet {
  return validateFleet(mergeOverride(DEFAULT_FLEET, override), 'test');
}

/** Four regions of three brokers; ZooKeeper 2+2+2+1. */
export function fourRegionFleet(): Fleet {
  const extra = { name: 'us-south1', clusterId: 'cluster4', idBlock: 3, podCidr: '10.140.0.0/14', serviceCidr: '172.28.0.0/16', zookeeperReplicas: 1, kafkaReplicas: 3, producers: 6, consumers: 6, kubeApiServer: 'https://api.cluster4.example.com:6443' };
  const regions = [...DEFAULT_FLEET.regions.map((r) => ({ ...r, zookeeperReplicas: 2 })), extra];
  return fleetWith({ regions, kafka: { defaultPartitions: 12 } });
}
