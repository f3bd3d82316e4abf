import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { KAFKA, KAFKA_CLIENT_LABEL, PRINCIPAL_MAPPING_RULES, STACK_CLIENT_LABEL, TLS, TLS_MOUNT, kafkaBrokers, zookeeperConnect } from '@stretched-kafka/fleet';
import { CONFIG_CHECKSUM_ANNOTATION } from '@stretched-kafka/platform';
import { clientTimeouts, interBrokerProtocolVersion, kafkaComponent, kafkaConfigData, kafkaTuning, superUsers } from '@stretched-kafka/kafka';
import { bash, clone, find, properties, reducedFleet, sandbox, synth, syntaxErrors } from '../../../test/helpers';

/** A stand-in PEM block (the scripts only concatenate and look for the BEGIN line). */
const PEM = (body: string) => `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`;

const build = kafkaComponent.build.bind(kafkaComponent);
const FAKE_START = { 'kafka-server-start.sh': 'echo "kafka-server-start.sh $*"' };

describe('kafkaTuning', () => {
  it('derives buffers and timeouts for the reference 3.5 GB/s x 70 ms', () => {
    expect(kafkaTuning(clone())).toEqual({
      socketBufferBytes: 245_000_000,
      replicaFetchWaitMaxMs: 500,
      replicaLagTimeMaxMs: 10_000,
      numReplicaFetchers: 4,
      replicaFetchMaxBytes: 4 * 1024 * 1024,
      replicaFetchResponseMaxBytes: 16 * 1024 * 1024,
      zookeeperSessionTimeoutMs: 18_000,
      zookeeperConnectionTimeoutMs: 18_000,
    });
  });

  it('keeps the ISR window many fetch rounds wide and the session inside ZooKeeper bounds as latency grows', () => {
    for (const latencyMs of [5, 70, 200, 600]) {
      const f = clone();
      f.network.latencyMs = latencyMs;
      const t = kafkaTuning(f);
      expect(t.replicaLagTimeMaxMs).toBeGreaterThanOrEqual(16 * (t.replicaFetchWaitMaxMs + latencyMs));
      const tickMs = Math.max(2000, Math.ceil((latencyMs * 20) / 500) * 500);
      expect(t.zookeeperSessionTimeoutMs).toBeGreaterThanOrEqual(2 * tickMs);
      expect(t.zookeeperSessionTimeoutMs).toBeLessThanOrEqual(20 * tickMs);
    }
  });

  it('gives clients an ack wait above the ISR shrink, a request timeout above that and a short connect', () => {
    // The reference fleet: ISR shrink after at most 15 s, two fetch rounds of 570 ms on top.
    expect(clientTimeouts(clone())).toEqual({ ackTimeoutMs: 17_000, requestTimeoutMs: 19_000, connectionTimeoutMs: 4000 });
    for (const latencyMs of [5, 70, 200, 600]) {
      const f = clone();
      f.network.latencyMs = latencyMs;
      const t = kafkaTuning(f);
      const c = clientTimeouts(f);
      // acks=all may legitimately wait until a cut follower leaves the ISR (1.5 x lag time).
      expect(c.ackTimeoutMs).toBeGreaterThan(1.5 * t.replicaLagTimeMaxMs);
      // The broker answers (REQUEST_TIMED_OUT at worst) before the client gives up on it.
      expect(c.requestTimeoutMs).toBeGreaterThanOrEqual(c.ackTimeoutMs + 2 * latencyMs + 1000);
      // A client gives up on a silent broker before Kafka's failover would leave it waiting long.
      expect(c.requestTimeoutMs).toBeLessThan(t.replicaLagTimeMaxMs * 2 + 5 * (t.replicaFetchWaitMaxMs + latencyMs));
      expect(c.connectionTimeoutMs).toBeGreaterThanOrEqual(1000 + 3 * latencyMs);
    }
  });

  it('takes major.minor of the Kafka version', () => {
    expect(interBrokerProtocolVersion('3.9.2')).toBe('3.9');
    expect(() => interBrokerProtocolVersion('3.9')).toThrow('kafka.version = "3.9"');
  });
});

describe('kafka component (default fleet)', () => {
  const fleet = clone();

  it('matches the snapshot for the first region', () => {
    expect(synth(build, fleet, fleet.regions[0])).toMatchSnapshot();
  });

  it('sets the consistency, rack, TLS and buffer keys in every region', () => {
    for (const r of fleet.regions) {
      const p = properties(find(synth(build, fleet, r), 'ConfigMap', 'kafka-config').data!['server.properties']);
      const expected: Record<string, string> = {
        'broker.id': '${BROKER_ID}',
        'broker.rack': r.name,
        'log.dirs': '${DATA_DIR}',
        'inter.broker.protocol.version': fleet.kafka.version.split('.').slice(0, 2).join('.'),
        listeners: 'REPLICATION://:9091,CLIENTS://:9093',
        'advertised.listeners': 'REPLICATION://${ADVERTISED_HOST}:9091,CLIENTS://${ADVERTISED_HOST}:9093',
        'listener.security.protocol.map': 'REPLICATION:SSL,CLIENTS:SSL',
        'inter.broker.listener.name': 'REPLICATION',
        'ssl.client.auth': 'required',
        'ssl.endpoint.identification.algorithm': 'https',
        'listener.name.replication.ssl.keystore.type': 'PEM',
        'listener.name.replication.ssl.keystore.location': '${TLS_DIR}/tls-combined.pem',
        'listener.name.replication.ssl.truststore.type': 'PEM',
        'listener.name.replication.ssl.truststore.location': '${TRUSTSTORE_DIR}/stack.pem',
        'listener.name.replication.ssl.client.auth': 'required',
        'listener.name.replication.ssl.principal.mapping.rules': PRINCIPAL_MAPPING_RULES.stack,
        'listener.name.clients.ssl.keystore.type': 'PEM',
        'listener.name.clients.ssl.keystore.location': '${CLIENT_TLS_DIR}/tls-combined.pem',
        'listener.name.clients.ssl.truststore.type': 'PEM',
        'listener.name.clients.ssl.truststore.location': '${TRUSTSTORE_DIR}/application.pem',
        'listener.name.clients.ssl.client.auth': 'required',
        'listener.name.clients.ssl.principal.mapping.rules': PRINCIPAL_MAPPING_RULES.application,
        'authorizer.class.name': 'kafka.security.authorizer.AclAuthorizer',
        'allow.everyone.if.no.acl.found': 'false',
        'super.users': 'User:kafka-broker;User:kafka-admin;User:topic-operator;User:user-operator',
        'zookeeper.connect': zookeeperConnect(fleet),
        'zookeeper.ssl.client.enable': 'true',
        'zookeeper.clientCnxnSocket': 'org.apache.zookeeper.ClientCnxnSocketNetty',
        'zookeeper.ssl.keystore.type': 'PEM',
        'zookeeper.ssl.keystore.location': '${TLS_DIR}/tls-combined.pem',
        'zookeeper.ssl.truststore.type': 'PEM',
        'zookeeper.ssl.truststore.location': '${TRUSTSTORE_DIR}/stack.pem',
        'zookeeper.ssl.endpoint.identification.algorithm': 'HTTPS',
        'zookeeper.set.acl': 'true',
        'zookeeper.session.timeout.ms': '18000',
        'zookeeper.connection.timeout.ms': '18000',
        'default.replication.factor': '3',
        'min.insync.replicas': '2',
        'unclean.leader.election.enable': 'false',
        'offsets.topic.replication.factor': '3',
        'transaction.state.log.replication.factor': '3',
        'transaction.state.log.min.isr': '2',
        'auto.create.topics.enable': 'false',
        'num.partitions': String(fleet.kafka.defaultPartitions),
        'replica.selector.class': 'org.apache.kafka.common.replica.RackAwareReplicaSelector',
        'replica.lag.time.max.ms': '10000',
        'replica.fetch.wait.max.ms': '500',
        'num.replica.fetchers': '4',
        'replica.fetch.max.bytes': '4194304',
        'replica.fetch.response.max.bytes': '16777216',
        // Server sockets autotune per connection; only the cross-region fetcher asks for the BDP.
        'socket.send.buffer.bytes': '-1',
        'socket.receive.buffer.bytes': '-1',
        'replica.socket.receive.buffer.bytes': '245000000',
      };
      expect(Object.fromEntries(p)).toEqual(expected);
    }
  });

  it('names the sysctls the socket buffer needs instead of pretending it is in effect', () => {
    const text = kafkaConfigData(fleet, fleet.regions[0])['server.properties'];
    for (const sysctl of ['net.core.rmem_max', 'net.core.wmem_max', 'net.ipv4.tcp_rmem']) expect(text).toContain(sysctl);
    expect(text).toContain('NOT in effect');
  });

  it('lists the broker, admin and operator principals as super users, all of the stack domain', () => {
    expect(superUsers()).toEqual([TLS.kafka, TLS.admin, TLS.topicOperator, TLS.userOperator].map((t) => `User:${t.commonName}`));
    for (const t of [TLS.kafka, TLS.admin, TLS.topicOperator, TLS.userOperator]) expect(t.trust).toBe('stack');
  });

  it('runs a hardened StatefulSet with the reload sidecar', () => {
    const objects = synth(build, fleet, fleet.regions[1]);
    const sts = find(objects, 'StatefulSet', 'kafka');
    const pod = sts.spec.template.spec;
    const [broker, reload] = pod.containers;
    expect(sts.spec).toMatchObject({ replicas: 3, serviceName: KAFKA.headless, podManagementPolicy: 'Parallel' });
    expect(pod.terminationGracePeriodSeconds).toBe(120);
    expect(broker.command).toEqual(['/bin/bash', '/opt/kafka/custom-config/start.sh']);
    expect(reload.command).toEqual(['/bin/bash', '/opt/kafka/custom-config/reload-tls.sh']);
    expect(broker.env).toContainEqual({ name: 'KAFKA_HEAP_OPTS', value: '-Xms6144m -Xmx6144m' });
    expect(broker.readinessProbe.tcpSocket.port).toBe(9093);
    for (const c of pod.containers) {
      expect(c.image).toBe(fleet.kafka.image);
      expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } });
      expect(c.resources.requests).toBeDefined();
      expect(c.volumeMounts).toContainEqual({ name: 'tls', mountPath: TLS_MOUNT, readOnly: true });
      expect(c.env).toContainEqual({ name: 'HOSTNAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } });
    }
    expect(pod.volumes).toContainEqual({ name: 'tls', secret: { secretName: TLS.kafka.secret, defaultMode: 0o440 } });
    expect(pod.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution.map((t: any) => t.podAffinityTerm.labelSelector.matchLabels['app.kubernetes.io/name'])).toEqual(['kafka', 'zookeeper']);
    expect(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('300Gi');
    expect(sts.spec.template.metadata.annotations[CONFIG_CHECKSUM_ANNOTATION]).toMatch(/^[0-9a-f]{64}$/);
    expect(find(objects, 'Service', KAFKA.headless).spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true });
    expect(find(objects, 'Service', KAFKA.bootstrap).spec.ports).toEqual([
      { name: 'replication', port: 9091, targetPort: 9091, protocol: 'TCP' },
      { name: 'clients', port: 9093, targetPort: 9093, protocol: 'TCP' },
    ]);
    expect(pod.volumes).toContainEqual({ name: 'tls-clients', secret: { secretName: TLS.kafkaClients.secret, defaultMode: 0o440 } });
    expect(find(objects, 'PodDisruptionBudget', 'kafka').spec.maxUnavailable).toBe(1);
  });

  it('admits the internal listener from brokers and stack clients, the client listener from labelled pods, the metrics port from Prometheus\' namespace, remote ones by the other regions\' pod CIDRs', () => {
    const np = find(synth(build, fleet, fleet.regions[0]), 'NetworkPolicy', 'kafka').spec;
    const brokers = { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'kafka', 'app.kubernetes.io/instance': 'stretched-kafka' } } };
    const cidrs = [{ ipBlock: { cidr: '10.132.0.0/14' } }, { ipBlock: { cidr: '10.136.0.0/14' } }];
    expect(np.ingress).toEqual([
      { from: [brokers, { podSelector: { matchLabels: STACK_CLIENT_LABEL } }, ...cidrs], ports: [{ protocol: 'TCP', port: 9091 }] },
      { from: [{ podSelector: { matchLabels: KAFKA_CLIENT_LABEL } }, ...cidrs], ports: [{ protocol: 'TCP', port: 9093 }] },
      { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'openshift-user-workload-monitoring' } } }, ...cidrs], ports: [{ protocol: 'TCP', port: 9404 }] },
    ]);
  });
});

describe('start.sh', () => {
  const fleet = clone();

  it('is valid bash, as is reload-tls.sh', () => {
    for (const r of fleet.regions) {
      const data = kafkaConfigData(fleet, r);
      expect(syntaxErrors(data['start.sh'])).toBe('');
      expect(syntaxErrors(data['reload-tls.sh'])).toBe('');
    }
  });

  it('renders broker.id and clusterset advertised listeners per pod, unique across the fleet', () => {
    const ids = new Set<string>();
    for (const b of kafkaBrokers(fleet)) {
      const { dir, env } = sandbox(kafkaConfigData(fleet, b.region), FAKE_START);
      const r = bash(join(dir, 'cfg/start.sh'), { ...env, HOSTNAME: b.pod });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout.trim()).toBe(`kafka-server-start.sh ${dir}/run/server.properties`);
      const p = properties(readFileSync(join(dir, 'run/server.properties'), 'utf8'));
      const host = `${b.pod}.${b.region.clusterId}.kafka-brokers.kafka.svc.clusterset.local`;
      expect(p.get('broker.id')).toBe(String(b.id));
      expect(p.get('broker.rack')).toBe(b.region.name);
      expect(p.get('advertised.listeners')).toBe(`REPLICATION://${host}:9091,CLIENTS://${host}:9093`);
      expect(p.get('log.dirs')).toBe(`${dir}/data`);
      expect(p.get('listener.name.replication.ssl.keystore.location')).toBe(`${dir}/tls/tls-combined.pem`);
      expect(p.get('listener.name.clients.ssl.keystore.location')).toBe(`${dir}/tls-clients/tls-combined.pem`);
      expect(existsSync(join(dir, 'data'))).toBe(true);
      ids.add(p.get('broker.id')!);
    }
    expect([...ids]).toEqual(['0', '1', '2', '10', '11', '12', '20', '21', '22']);
  });

  it('starts the single broker of each region in the harness fleet', () => {
    const fleet1 = reducedFleet();
    for (const region of fleet1.regions) {
      const { dir, env } = sandbox(kafkaConfigData(fleet1, region), FAKE_START);
      expect(bash(join(dir, 'cfg/start.sh'), { ...env, HOSTNAME: 'kafka-0' }).status).toBe(0);
      const p = properties(readFileSync(join(dir, 'run/server.properties'), 'utf8'));
      expect(p.get('broker.id')).toBe(String(region.idBlock * fleet1.idsPerRegion));
      expect(p.get('zookeeper.connect')!.split(',')).toHaveLength(3);
      expect(bash(join(dir, 'cfg/start.sh'), { ...env, HOSTNAME: 'kafka-1' })).toMatchObject({ status: 1, stderr: expect.stringContaining('ordinal 1 has no broker id') });
      expect(find(synth(build, fleet1, region), 'StatefulSet', 'kafka').spec.replicas).toBe(1);
    }
  });

  it('reload-tls.sh re-sets both listeners of its own broker when the certificate changes', async () => {
    const region = fleet.regions[2];
    const { dir, env } = sandbox(kafkaConfigData(fleet, region), { 'kafka-configs.sh': `printf '%s\\n' "$@" > "${'$'}{RUN_DIR}/kafka-configs.args"` });
    const child = spawn('bash', [join(dir, 'cfg/reload-tls.sh')], { env: { ...env, HOSTNAME: 'kafka-1', CERT_WATCH_SECONDS: '1' }, stdio: 'ignore' });
    try {
      const argsFile = join(dir, 'run/kafka-configs.args');
      await new Promise((r) => setTimeout(r, 1500));
      expect(existsSync(argsFile)).toBe(false);
      writeFileSync(join(dir, 'tls/ca.crt'), PEM('ca v2'));
      for (let i = 0; i < 50 && !existsSync(argsFile); i++) await new Promise((r) => setTimeout(r, 100));
      const args = readFileSync(argsFile, 'utf8').trim().split('\n');
      const tls = `${dir}/tls`;
      const clientTls = `${dir}/tls-clients`;
      const stores = `${dir}/tmp/truststores`;
      expect(args).toEqual([
        '--bootstrap-server', 'kafka-1.cluster3.kafka-brokers.kafka.svc.clusterset.local:9091',
        '--command-config', `${dir}/run/admin.properties`,
        '--entity-type', 'brokers', '--entity-name', '21',
        '--alter', '--add-config',
        [`listener.name.replication.ssl.keystore.location=${tls}/tls-combined.pem`, `listener.name.replication.ssl.truststore.location=${stores}/stack.pem`,
          `listener.name.clients.ssl.keystore.location=${clientTls}/tls-combined.pem`, `listener.name.clients.ssl.truststore.location=${stores}/application.pem`].join(','),
      ]);
      expect(properties(readFileSync(join(dir, 'run/admin.properties'), 'utf8'))).toEqual(
        new Map([['security.protocol', 'SSL'], ['ssl.keystore.type', 'PEM'], ['ssl.keystore.location', `${tls}/tls-combined.pem`], ['ssl.truststore.type', 'PEM'], ['ssl.truststore.location', `${stores}/stack.pem`], ['ssl.endpoint.identification.algorithm', 'https']]),
      );
      // The truststores it rebuilt: the issuing CA alone while the trust bundle is empty.
      expect(readFileSync(`${stores}/stack.pem`, 'utf8')).toBe(PEM('ca v2'));
      // A CA rotation's first step: the bundle gains CAs; the broker is told again and its
      // truststores now hold the issuing CA and the bundle's CAs, in that order.
      rmSync(argsFile);
      writeFileSync(join(dir, 'trust/stack-ca.crt'), `${PEM('old')}${PEM('new')}`);
      writeFileSync(join(dir, 'trust/application-ca.crt'), PEM('app-new'));
      for (let i = 0; i < 50 && !existsSync(argsFile); i++) await new Promise((r) => setTimeout(r, 100));
      expect(existsSync(argsFile)).toBe(true);
      expect(readFileSync(`${stores}/stack.pem`, 'utf8')).toBe(`${PEM('ca v2')}${PEM('old')}${PEM('new')}`);
      expect(readFileSync(`${stores}/application.pem`, 'utf8')).toBe(`${readFileSync(join(dir, 'tls-clients/ca.crt'), 'utf8')}${PEM('app-new')}`);
    } finally {
      child.kill('SIGKILL');
    }
  }, 15_000);
});
