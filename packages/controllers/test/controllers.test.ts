import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KAFKA, KRAFT, KRAFT_CLUSTER_ID_ANNOTATION, TLS, TLS_MOUNT, controllerQuorumVoters, kafkaBrokers, kraftClusterId, kraftControllers, kraftTiming, selectorLabels, validateFleet } from '@stretched-kafka/fleet';
import { CONFIG_CHECKSUM_ANNOTATION } from '@stretched-kafka/platform';
import { CONTROLLER_CONFIG_KEYS, controllerConfigData, controllersComponent } from '@stretched-kafka/controllers';
import { kafkaComponent } from '@stretched-kafka/kafka';
import { FAKE_KAFKA_STORAGE, bash, clone, crdErrors, find, kraftClone, properties, sandbox, synth, syntaxErrors } from '../../../test/helpers';

const build = controllersComponent.build.bind(controllersComponent);
const FAKE_BIN = { ...FAKE_KAFKA_STORAGE, 'kafka-server-start.sh': 'echo "kafka-server-start.sh $*"' };

describe('kraftTiming', () => {
  it('keeps Kafka defaults where they hold at 70 ms and grows with the RTT', () => {
    expect(kraftTiming(70)).toEqual({
      quorumFetchTimeoutMs: 3000,
      quorumElectionTimeoutMs: 1000,
      quorumElectionBackoffMaxMs: 1000,
      quorumRequestTimeoutMs: 3000,
      brokerHeartbeatIntervalMs: 2000,
      brokerSessionTimeoutMs: 9000,
    });
    const far = kraftTiming(400);
    expect(far.quorumElectionTimeoutMs).toBe(4000);
    expect(far.brokerHeartbeatIntervalMs).toBe(8000);
  });

  it('rides out three TCP retransmissions and a GC pause, and keeps brokers through a controller failover', () => {
    for (const rtt of [1, 20, 70, 150, 300, 1000]) {
      const t = kraftTiming(rtt);
      const loss = (rtt + 200) * 7 + 1000;
      expect(t.quorumFetchTimeoutMs).toBeGreaterThanOrEqual(loss);
      expect(t.quorumElectionTimeoutMs).toBeGreaterThanOrEqual(10 * rtt);
      expect(t.brokerHeartbeatIntervalMs).toBeGreaterThanOrEqual(20 * rtt);
      expect(t.brokerSessionTimeoutMs).toBeGreaterThanOrEqual(loss + 2 * t.brokerHeartbeatIntervalMs);
      expect(t.brokerSessionTimeoutMs).toBeGreaterThanOrEqual(t.quorumFetchTimeoutMs + 2 * t.quorumElectionTimeoutMs + t.brokerHeartbeatIntervalMs);
      // Kafka's own defaults are floors.
      expect(t.quorumFetchTimeoutMs).toBeGreaterThanOrEqual(2000);
      expect(t.brokerSessionTimeoutMs).toBeGreaterThanOrEqual(9000);
    }
  });
});

describe('controllers component (KRaft reference fleet)', () => {
  const fleet = validateFleet(kraftClone());

  it('matches the snapshot for the first region', () => {
    expect(synth(build, fleet, fleet.regions[0])).toMatchSnapshot();
  });

  it('builds nothing in ZooKeeper mode', () => {
    const zk = clone();
    for (const r of zk.regions) expect(synth(build, zk, r)).toEqual([]);
  });

  it('passes the Kubernetes schemas', () => {
    for (const r of fleet.regions) expect(crdErrors(synth(build, fleet, r))).toEqual([]);
  });

  it('runs each region\'s voters, reachable before they are ready, one eviction at a time', () => {
    for (const r of fleet.regions) {
      const objects = synth(build, fleet, r);
      const sts = find(objects, 'StatefulSet', KRAFT.name);
      expect(sts.spec.replicas).toBe(r.controllerReplicas);
      expect(sts.spec.serviceName).toBe(KRAFT.headless);
      expect(sts.spec.podManagementPolicy).toBe('Parallel');
      expect(sts.spec.template.metadata.annotations[CONFIG_CHECKSUM_ANNOTATION]).toMatch(/^[0-9a-f]{64}$/);
      const pod = sts.spec.template.spec;
      expect(pod.containers[0].image).toBe(fleet.kafka.image);
      expect(pod.volumes.find((v: any) => v.name === 'tls').secret.secretName).toBe(TLS.controller.secret);
      expect(pod.containers[0].volumeMounts.find((m: any) => m.name === 'tls').mountPath).toBe(TLS_MOUNT);
      const svc = find(objects, 'Service', KRAFT.headless);
      expect(svc.spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true, ports: [{ port: KRAFT.controllerPort }] });
      expect(objects.filter((o) => o.kind === 'Service')).toHaveLength(1);
      expect(find(objects, 'PodDisruptionBudget', KRAFT.name).spec.maxUnavailable).toBe(1);
    }
  });

  it('admits the controller port from controllers and brokers only, the metrics port as on the brokers', () => {
    const np = find(synth(build, fleet, fleet.regions[0]), 'NetworkPolicy', KRAFT.name);
    expect(np.spec.podSelector.matchLabels).toEqual(selectorLabels(fleet, KRAFT.name));
    expect(np.spec.ingress).toHaveLength(2);
    const [rule, metrics] = np.spec.ingress;
    expect(rule.ports).toEqual([{ protocol: 'TCP', port: KRAFT.controllerPort }]);
    const local = rule.from.filter((f: any) => f.podSelector).map((f: any) => f.podSelector.matchLabels);
    expect(local).toEqual([selectorLabels(fleet, KRAFT.name), selectorLabels(fleet, KAFKA.name)]);
    expect(rule.from.filter((f: any) => f.ipBlock).map((f: any) => f.ipBlock.cidr)).toEqual(fleet.regions.slice(1).map((r) => r.podCidr));
    const brokers = find(synth(kafkaComponent.build, fleet, fleet.regions[0]), 'NetworkPolicy', KAFKA.name).spec.ingress.at(-1);
    expect(metrics).toEqual(brokers);
    expect(metrics.ports).toEqual([{ protocol: 'TCP', port: 9404 }]);
  });

  it('carries the cluster id on the ConfigMap for synth\'s guard', () => {
    const cm = find(synth(build, fleet, fleet.regions[0]), 'ConfigMap', 'kafka-controller-config');
    expect(cm.metadata.annotations?.[KRAFT_CLUSTER_ID_ANNOTATION]).toBe(kraftClusterId(fleet));
    expect(Object.keys(cm.data).sort()).toEqual([...Object.values(CONTROLLER_CONFIG_KEYS), 'log4j2.properties', 'metrics.yaml'].sort());
  });

  it('configures one static quorum over mTLS with the KRaft authorizer, the same in every region', () => {
    const voters = new Set<string>();
    for (const r of fleet.regions) {
      const p = properties(controllerConfigData(fleet, r)[CONTROLLER_CONFIG_KEYS.controllerProperties]);
      voters.add(p.get('controller.quorum.voters')!);
      expect(p.get('process.roles')).toBe('controller');
      expect(p.get('listeners')).toBe(`CONTROLLER://:${KRAFT.controllerPort}`);
      expect(p.get('listener.security.protocol.map')).toBe('CONTROLLER:SSL');
      expect(p.get('listener.name.controller.ssl.client.auth')).toBe('required');
      expect(p.get('ssl.endpoint.identification.algorithm')).toBe('https');
      expect(p.get('authorizer.class.name')).toBe('org.apache.kafka.metadata.authorizer.StandardAuthorizer');
      expect(p.get('allow.everyone.if.no.acl.found')).toBe('false');
      expect(p.get('super.users')!.split(';')).toEqual(expect.arrayContaining(['User:kafka-controller', 'User:kafka-broker']));
      const t = kraftTiming(fleet.network.latencyMs);
      expect(p.get('controller.quorum.fetch.timeout.ms')).toBe(String(t.quorumFetchTimeoutMs));
      expect(p.get('broker.session.timeout.ms')).toBe(String(t.brokerSessionTimeoutMs));
    }
    expect([...voters]).toEqual([controllerQuorumVoters(fleet)]);
  });

  it('gives controllers node ids unique and apart from every broker id', () => {
    const controllers = kraftControllers(fleet).map((c) => c.id);
    const brokers = kafkaBrokers(fleet).map((b) => b.id);
    expect(new Set(controllers).size).toBe(controllers.length);
    expect(controllers.filter((id) => brokers.includes(id))).toEqual([]);
    expect(controllers).toEqual([9, 8, 7, 19, 18, 17, 29, 28, 27]);
  });
});

describe('start.sh', () => {
  const fleet = validateFleet(kraftClone());

  it('is valid bash', () => {
    for (const r of fleet.regions) {
      const script = controllerConfigData(fleet, r)[CONTROLLER_CONFIG_KEYS.start];
      expect(syntaxErrors(script)).toBe('');
      expect(script).toContain('set -euo pipefail');
    }
  });

  it('formats the storage once with the cluster id, renders controller.properties and execs the controller', () => {
    for (const node of kraftControllers(fleet)) {
      const { dir, env } = sandbox(controllerConfigData(fleet, node.region), FAKE_BIN);
      const run = () => bash(join(dir, 'cfg/start.sh'), { ...env, HOSTNAME: node.pod });
      const first = run();
      expect(first.stderr).toBe('');
      expect(first.status).toBe(0);
      expect(first.stdout.trim().split('\n')).toEqual([
        `kafka-storage.sh format --cluster-id ${kraftClusterId(fleet)} --config ${dir}/run/controller.properties heap=-Xmx256m`,
        `kafka-server-start.sh ${dir}/run/controller.properties`,
      ]);
      const p = properties(readFileSync(join(dir, 'run/controller.properties'), 'utf8'));
      expect(p.get('node.id')).toBe(String(node.id));
      expect(p.get('advertised.listeners')).toBe(`CONTROLLER://${node.host}:${KRAFT.controllerPort}`);
      expect(p.get('listener.name.controller.ssl.keystore.location')).toBe(`${dir}/tls/tls-combined.pem`);
      // A restart finds its own storage and does not format again.
      const second = run();
      expect(second.status).toBe(0);
      expect(second.stdout.trim()).toBe(`kafka-server-start.sh ${dir}/run/controller.properties`);
    }
  });

  it('refuses a log dir of another cluster or another node, and a pod outside the region', () => {
    const region = fleet.regions[1];
    const { dir, env } = sandbox(controllerConfigData(fleet, region), FAKE_BIN);
    const run = (pod: string) => bash(join(dir, 'cfg/start.sh'), { ...env, HOSTNAME: pod });
    expect(run('kafka-controller-3')).toMatchObject({ status: 1, stderr: expect.stringContaining('ordinal 3 has no controller id') });
    expect(run('kafka-0')).toMatchObject({ status: 1, stderr: expect.stringContaining('expected kafka-controller-<ordinal>') });
    expect(run('kafka-controller-0').status).toBe(0);
    expect(run('kafka-controller-1')).toMatchObject({ status: 1, stderr: expect.stringContaining('belongs to node 19, this pod is node 18; refusing to start') });
    const meta = join(dir, 'data/meta.properties');
    writeFileSync(meta, readFileSync(meta, 'utf8').replace(/^cluster\.id=.*$/m, 'cluster.id=AAAAAAAAAAAAAAAAAAAAAQ'));
    expect(run('kafka-controller-0')).toMatchObject({ status: 1, stdout: '', stderr: expect.stringContaining(`belongs to cluster AAAAAAAAAAAAAAAAAAAAAQ, this fleet's cluster is ${kraftClusterId(fleet)}; refusing to start`) });
  });
});
