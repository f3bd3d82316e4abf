import { Construct } from 'constructs';
import { ZOOKEEPER } from '@stretched-kafka/fleet';
import type { RegionProps } from '@stretched-kafka/core';
import { StatefulServices } from '@stretched-kafka/platform';

const CLIENT = { name: 'tls-client', port: ZOOKEEPER.clientPort };

/**
 * Headless `zookeeper-nodes` (exported through Submariner; per-pod names are the server list)
 * and ClusterIP `zookeeper-client` for local TLS clients.
 */
export class ZookeeperServices extends Construct {
  constructor(scope: Construct, id: string, props: RegionProps) {
    super(scope, id);
    new StatefulServices(this, 'Resource', {
      ...props,
      component: ZOOKEEPER.name,
      headless: { name: ZOOKEEPER.headless, ports: [CLIENT, { name: 'quorum', port: ZOOKEEPER.quorumPort }, { name: 'election', port: ZOOKEEPER.electionPort }] },
      local: { name: ZOOKEEPER.client, ports: [CLIENT] },
    });
  }
}
