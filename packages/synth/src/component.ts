import { Chart } from 'cdk8s';
import { Fleet, Region } from '@stretched-kafka/fleet';

/**
 * One folder under clusters/<region>/. `build` adds the component's objects for one region to
 * its own chart. `wave` is the GitOps order (Argo CD sync wave / Flux dependsOn layer):
 * CRDs and operators, PKI, network, ZooKeeper, Kafka, topics/users, AKHQ, jobs.
 */
export interface Component {
  readonly name: string;
  readonly wave: number;
  build(chart: Chart, fleet: Fleet, region: Region): void;
}
