import { Construct } from 'constructs';
import { KAFKA } from '@stretched-kafka/fleet';
import type { RegionProps } from '@stretched-kafka/core';
import { StatefulServices } from '@stretched-kafka/platform';

const PORTS = [
  { name: 'replication', port: KAFKA.replicationPort },
  { name: 'clients', port: KAFKA.clientPort },
];

/**
 * Headless `kafka-brokers` (exported through Submariner; per-pod names are the advertised
 * listeners) and ClusterIP `kafka-bootstrap` for clients in this region. The bootstrap Service
 * carries the internal listener too: the stack's own clients (operators, AKHQ) bootstrap on it.
 */
export class KafkaServices extends Construct {
  constructor(scope: Construct, id: string, props: RegionProps) {
    super(scope, id);
    new StatefulServices(this, 'Resource', { ...props, component: KAFKA.name, headless: { name: KAFKA.headless, ports: PORTS }, local: { name: KAFKA.bootstrap, ports: PORTS } });
  }
}
