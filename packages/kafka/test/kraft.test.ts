import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KAFKA, TLS, controllerQuorumVoters, kafkaBrokers, kraftClusterId, kraftTiming, selectorLabels, validateFleet } from '@stretched-kafka/fleet';
import { kafkaComponent, kafkaConfigData } from '@stretched-kafka/kafka';
import { FAKE_KAFKA_STORAGE, bash, clone, find, kraftClone, properties, sandbox, synth, syntaxErrors } from '../../../test/helpers';

// Brokers in KRaft mode (metadata.mode kraft): the same listeners, consistency, rack and
// follower-fetching settings as ZooKeeper mode, the quorum instead of ZooKeeper.

const build = kafkaComponent.build.bind(kafkaComponent);
const FAKE_BIN = { ...FAKE_KAFKA_STORAGE, 'kafka-server-start.sh': 'echo "kafka-server-start.sh $*"' };
const fleet = validateFleet(kraftClone());

describe('kafka component in KRaft mode', () => {
  it('matches the snapshot for the first region', () => {
    expect(synth(build, fleet, fleet.regions[0])).toMatchSnapshot();
  });

  it('keeps the ConfigMap keys of ZooKeeper mode, with log4j2 for Kafka 4 (and the JMX exporter rule set)', () => {
    expect(Object.keys(kafkaConfigData(fleet, fleet.regions[0])).sort()).toEqual(['log4j2.properties', 'metrics.yaml', 'reload-tls.sh', 'server.properties', 'start.sh']);
    expect(Object.keys(kafkaConfigData(clone(), clone().regions[0])).sort()).toEqual(['log4j.properties', 'metrics.yaml', 'reload-tls.sh', 'server.properties', 'start.sh']);
  });

  it('is a broker of the static quorum over mTLS, with the ZooKeeper-mode settings it shares unchanged', () => {
    const zk = clone();
    for (const r of fleet.regions) {
      const p = properties(kafkaConfigData(fleet, r)['server.properties']);
      const z = properties(kafkaConfigData(zk, zk.regions.find((x) => x.name === r.name)!)['server.properties']);
      expect(p.get('process.roles')).toBe('broker');
      expect(p.get('node.id')).toBe('${BROKER_ID}');
      expect(p.has('broker.id')).toBe(false);
      expect([...p.keys()].filter((k) => k.startsWith('zookeeper.'))).toEqual([]);
      expect(p.has('inter.broker.protocol.version')).toBe(false);
      expect(p.get('controller.quorum.voters')).toBe(controllerQuorumVoters(fleet));
      expect(p.get('controller.listener.names')).toBe('CONTROLLER');
      expect(p.get('listener.security.protocol.map')).toBe('REPLICATION:SSL,CLIENTS:SSL,CONTROLLER:SSL');
      expect(p.get('listener.name.controller.ssl.keystore.location')).toBe('${TLS_DIR}/tls-combined.pem');
      expect(p.get('listener.name.controller.ssl.truststore.location')).toBe('${TRUSTSTORE_DIR}/stack.pem');
      expect(p.get('ssl.endpoint.identification.algorithm')).toBe('https');
      expect(p.get('authorizer.class.name')).toBe('org.apache.kafka.metadata.authorizer.StandardAuthorizer');
      expect(p.get('super.users')).toBe(`${z.get('super.users')!.replace('User:kafka-broker;', 'User:kafka-broker;User:kafka-controller;')}`);
      const t = kraftTiming(fleet.network.latencyMs);
      expect(p.get('broker.heartbeat.interval.ms')).toBe(String(t.brokerHeartbeatIntervalMs));
      expect(p.get('broker.session.timeout.ms')).toBe(String(t.brokerSessionTimeoutMs));
      // Everything else is ZooKeeper mode's: listeners, trust domains, consistency, rack, fetching.
      for (const [k, v] of z) {
        if (k.startsWith('zookeeper.') || ['broker.id', 'inter.broker.protocol.version', 'authorizer.class.name', 'super.users', 'listener.security.protocol.map'].includes(k)) continue;
        expect(`${k}=${p.get(k)}`).toBe(`${k}=${v}`);
      }
    }
  });

  it('keeps brokers off the controllers\' nodes', () => {
    const sts = find(synth(build, fleet, fleet.regions[0]), 'StatefulSet', KAFKA.name);
    const terms = sts.spec.template.spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution;
    expect(terms.map((t: any) => t.podAffinityTerm.labelSelector.matchLabels)).toContainEqual(selectorLabels(fleet, 'kafka-controller'));
    expect(sts.spec.template.spec.volumes.find((v: any) => v.name === 'tls').secret.secretName).toBe(TLS.kafka.secret);
  });
});

describe('start.sh in KRaft mode', () => {
  it('is valid bash', () => {
    for (const r of fleet.regions) expect(syntaxErrors(kafkaConfigData(fleet, r)['start.sh'])).toBe('');
  });

  it('formats the broker storage once with the cluster id and starts the broker', () => {
    for (const b of kafkaBrokers(fleet)) {
      const { dir, env } = sandbox(kafkaConfigData(fleet, b.region), FAKE_BIN);
      const run = () => bash(join(dir, 'cfg/start.sh'), { ...env, HOSTNAME: b.pod });
      const first = run();
      expect(first.stderr).toBe('');
      expect(first.stdout.trim().split('\n')).toEqual([
        `kafka-storage.sh format --cluster-id ${kraftClusterId(fleet)} --config ${dir}/run/server.properties heap=-Xmx256m`,
        `kafka-server-start.sh ${dir}/run/server.properties`,
      ]);
      expect(properties(readFileSync(join(dir, 'run/server.properties'), 'utf8')).get('node.id')).toBe(String(b.id));
      expect(run().stdout.trim()).toBe(`kafka-server-start.sh ${dir}/run/server.properties`);
    }
  });

  it('refuses a log dir formatted for another cluster (a ZooKeeper-mode broker\'s, or another cluster id)', () => {
    const { dir, env } = sandbox(kafkaConfigData(fleet, fleet.regions[0]), FAKE_BIN);
    const run = () => bash(join(dir, 'cfg/start.sh'), { ...env, HOSTNAME: 'kafka-0' });
    expect(run().status).toBe(0);
    writeFileSync(join(dir, 'data/meta.properties'), 'version=0\nbroker.id=0\ncluster.id=zk-assigned-id\n');
    expect(run()).toMatchObject({ status: 1, stdout: '', stderr: expect.stringContaining("belongs to cluster zk-assigned-id, this fleet's cluster is") });
  });
});
