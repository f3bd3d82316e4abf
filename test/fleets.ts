import { formatProblem, validateObjects } from '@stretched-kafka/validate';
import { App, Chart } from 'cdk8s';
import { DEFAULT_FLEET, Fleet, Region, validateFleet } from '@stretched-kafka/fleet';

export const clone = (): Fleet => JSON.parse(JSON.stringify(DEFAULT_FLEET));

/** The reference fleet plus a fourth region without ZooKeeper, and another namespace and domain. */
export function fourRegionFleet(): Fleet {
  const f = clone();
  f.namespace = 'streaming';
  f.network.clusterDomain = 'corp.internal';
  f.kafka.defaultPartitions = 12;
  f.regions.push({ ...f.regions[0], name: 'eu-west1', clusterId: 'cluster4', idBlock: 3, podCidr: '10.140.0.0/14', serviceCidr: '172.28.0.0/16', zookeeperReplicas: 0 });
  return validateFleet(f);
}

export interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: any;
}

export function synth(build: (chart: Chart, fleet: Fleet, region: Region) => void, fleet: Fleet, region: Region): Obj[] {
  const chart = new Chart(new App(), 'test', { disableResourceNameHashes: true });
  build(chart, fleet, region);
  return chart.toJson() as Obj[];
}

/** Strict validation (unknown fields rejected) against the committed schemas in schemas/, which come from the upstream CRDs. */
export function crdErrors(objects: readonly unknown[]): string[] {
  return validateObjects(objects).map(formatProblem);
}
