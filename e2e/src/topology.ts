import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { KAFKA, KRAFT, Node, ZOOKEEPER, clustersetServiceName, kafkaBrokers, kraftControllers, localPodNames, localServiceNames, zookeeperNodes } from '@stretched-kafka/fleet';
import { Harness, NodeRun } from './harness';
import { log } from './log';
import { Host } from './net';
import { wanRttMs } from './wan';

// The network stage: one namespace per ZooKeeper member or KRaft controller, broker and regional client, grouped by
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
    for (const n of kraftControllers(f, region)) {
      h.controllers.push(nodeRun(h, n, h.net.addHost(region.name, n.pod, [n.host], localPodNames(f, KRAFT.headless, n.pod))));
    }
    for (const [i, n] of kafka.entries()) {
      const local = [...localPodNames(f, KAFKA.headless, n.pod), ...(i === 0 ? [...localServiceNames(f, KAFKA.bootstrap), clustersetServiceName(f, KAFKA.bootstrap)] : [])];
      h.brokers.push(nodeRun(h, n, h.net.addHost(region.name, n.pod, [n.host], local)));
    }
    h.clients.set(region.name, h.net.addHost(region.name, 'client', []));
  }
  // A Prometheus in the management region reaches the other regions' pods over the clusterset, as
  // the central Prometheus the fleet alerts need would (prometheus.ts).
  if (f.monitoring.enabled) h.prometheusHost = h.net.addHost(f.topic.managementRegion, 'prometheus', []);
  h.report.figures.metadata = f.metadata.mode;
  const metadata = f.metadata.mode === 'kraft' ? `${h.controllers.length} KRaft controllers` : `${h.zookeepers.length} ZooKeeper`;
  log(`plan: ${f.regions.length} regions, ${metadata}, ${h.brokers.length} brokers, topic ${f.topic.name} x ${f.topic.partitions} (mode ${h.s.mode}, metadata ${f.metadata.mode})`);
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
