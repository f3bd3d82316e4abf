import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { KAFKA, Node, ZOOKEEPER, clustersetServiceName, kafkaBrokers, localPodNames, localServiceNames, zookeeperNodes } from '@stretched-kafka/fleet';
import { Harness, NodeRun } from './harness';
import { log } from './log';
import { Host } from './net';
import { wanRttMs } from './wan';

// The network stage: one namespace per ZooKeeper member, broker and regional client, grouped by
// region, each with the clusterset names (and its region's cluster-local names) in its hosts file.

/** Places every node and one client per region on the network plan. */
export function plan(h: Harness): void {
  const f = h.fleet;
  for (const region of f.regions) {
    const zk = zookeeperNodes(f, region);
    const kafka = kafkaBrokers(f, region);
    for (const [i, n] of zk.entries()) {
      const local = [...localPodNames(f, ZOOKEEPER.headless, n.pod), ...(i === 0 ? localServiceNames(f, ZOOKEEPER.client) : [])];
      h.zookeepers.push(nodeRun(h, n, h.net.addHost(region.name, n.pod, [n.host], local)));
    }
    for (const [i, n] of kafka.entries()) {
      const local = [...localPodNames(f, KAFKA.headless, n.pod), ...(i === 0 ? [...localServiceNames(f, KAFKA.bootstrap), clustersetServiceName(f, KAFKA.bootstrap)] : [])];
      h.brokers.push(nodeRun(h, n, h.net.addHost(region.name, n.pod, [n.host], local)));
    }
    h.clients.set(region.name, h.net.addHost(region.name, 'client', []));
  }
  log(`plan: ${f.regions.length} regions, ${h.zookeepers.length} ZooKeeper, ${h.brokers.length} brokers, topic ${f.topic.name} x ${f.topic.partitions} (mode ${h.s.mode})`);
}

function nodeRun(h: Harness, node: Node, host: Host): NodeRun {
  const dir = join(h.s.work, 'nodes', node.region.name, node.pod);
  return { node, host, dir, env: {}, sidecars: [] };
}

/** Creates the planned namespaces, bridges, links and hosts files (and the logs folder). */
export function createNetwork(h: Harness): void {
  mkdirSync(join(h.s.work, 'logs'), { recursive: true });
  const wan = wanRttMs(h) > 0;
  h.net.create(wan);
  log(`network: ${h.fleet.regions.length} region hubs on 198.18.0.0/16, one namespace per node, hosts files with the clusterset names${wan ? ', a delay line in every uplink' : ''}`);
}
