import { join } from 'node:path';
import { Fleet, Node, TLS, TrustDomain, bootstrapServers, loadFleet } from '@stretched-kafka/fleet';
import { Certificates } from './certificates';
import { KafkaTools, ToolsIdentity } from './kafka';
import { log } from './log';
import { Host, Network } from './net';
import { Service } from './proc';
import { Report } from './report';
import { PREFIX, settings } from './settings';
import { Tree } from './tree';
import { quorumTools } from './kraft';
import { TrustContext } from './trust';
import type { PrometheusRun } from './prometheus';

// What the stages share: the settings, the fleet and its synthesized tree, the network, the
// certificates, the nodes and clients the plan placed, Kafka's tools and the report.

/** A ZooKeeper member, KRaft controller or broker: its network namespace, its folder and, once started, its process. */
export interface NodeRun {
  readonly node: Node;
  readonly host: Host;
  readonly dir: string;
  readonly env: NodeJS.ProcessEnv;
  service?: Service;
  /** The pod's other containers (the brokers' reload-tls sidecar, reload.ts). */
  readonly sidecars: Service[];
}

export class Harness {
  readonly s = settings();
  readonly fleet: Fleet = loadFleet(this.s.fleetFile);
  /** The synthesized tree the nodes run (a migration replaces it phase by phase, migration.ts). */
  tree = new Tree(this.s.clusters);
  readonly net = new Network(PREFIX, this.fleet.regions.map((r) => r.name));
  readonly kafkaHome = join(this.s.work, 'kafka-home');
  readonly pki = new Certificates(this.s.work, this.s.clusters);
  readonly zookeepers: NodeRun[] = [];
  /** KRaft controllers (metadata.mode kraft; ZooKeeper mode has none). */
  readonly controllers: NodeRun[] = [];
  readonly brokers: NodeRun[] = [];
  /** One client namespace per region, where the tools and the load program run. */
  readonly clients = new Map<string, Host>();
  /** The namespace of the Prometheus the alerts stage runs, in the management region (prometheus.ts). */
  prometheusHost?: Host;
  /** That Prometheus, once it scrapes every pod (undefined: the stage is skipped, or failed). */
  prometheus?: PrometheusRun;
  /** Kafka's tools as the break-glass admin on the internal listener (set once the brokers answer). */
  tools!: KafkaTools;
  readonly report = new Report();

  /** Kafka's tools in `from`'s client namespace (default: the management region's) as `identity`, on the listener of `trust`. */
  toolsAs(identity: ToolsIdentity, trust: TrustDomain, from = this.fleet.topic.managementRegion): KafkaTools {
    const region = this.fleet.regions.find((x) => x.name === from)!;
    return new KafkaTools(this.net, this.clients.get(from)!, this.kafkaHome, bootstrapServers(this.fleet, region, trust), identity, this.s.work);
  }

  /** The break-glass admin's identity (its Secret is issued in the management region). */
  adminIdentity(): ToolsIdentity {
    return { name: TLS.admin.commonName, tlsDir: this.pki.secretDir(this.fleet.topic.managementRegion, TLS.admin.secret) };
  }

  regionOfBroker(id: number): string | undefined {
    return this.brokers.find((b) => b.node.id === id)?.node.region.name;
  }

  /** What the trust-model checks (trust.ts) need: attacker certificates refused, stack identities working. */
  trustContext(): TrustContext {
    const f = this.fleet;
    const logsOf = (nodes: readonly NodeRun[]) => nodes.map((n) => n.service?.logFile).filter((x): x is string => !!x);
    return {
      fleet: f,
      work: this.s.work,
      clientIp: this.clients.get(f.topic.managementRegion)!.ip,
      applicationCa: this.pki.ca(f.pki.issuer),
      stackCa: this.pki.ca({ kind: 'Issuer', name: f.pki.internal.issuerName }),
      secretDir: (region, secret) => this.pki.secretDir(region, secret),
      toolsAs: (identity, trust) => this.toolsAs(identity, trust),
      quorumToolsAs: (identity) => quorumTools(this, this.fleet.topic.managementRegion, identity),
      brokerLogs: () => logsOf(this.brokers),
      zookeeperLogs: () => logsOf(this.zookeepers),
      controllerLogs: () => logsOf(this.controllers),
      check: (what, ok, detail) => this.report.check(what, ok, detail),
      log,
    };
  }
}
