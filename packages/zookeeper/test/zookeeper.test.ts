import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { TLS, TLS_MOUNT, ZOOKEEPER, validateFleet, zookeeperNodes, zookeeperTiming } from '@stretched-kafka/fleet';
import { CONFIG_CHECKSUM_ANNOTATION } from '@stretched-kafka/platform';
import {
  ZOOKEEPER_CONFIG_KEYS,
  zookeeperComponent,
  zookeeperConfigData,
  zooCfg,
} from '@stretched-kafka/zookeeper';
import { bash, clone, find, properties, reducedFleet, sandbox, synth, syntaxErrors } from '../../../test/helpers';

const build = zookeeperComponent.build.bind(zookeeperComponent);
const FAKE_START = { 'zookeeper-server-start.sh': 'echo "zookeeper-server-start.sh $*"' };

describe('zookeeperTiming', () => {
  it('keeps ZooKeeper defaults at 70 ms and grows the limits with the RTT', () => {
    expect(zookeeperTiming(70)).toEqual({ tickTimeMs: 2000, initLimit: 10, syncLimit: 2, minSessionTimeoutMs: 4000, maxSessionTimeoutMs: 40000 });
    const far = zookeeperTiming(400);
    expect(far.tickTimeMs).toBe(8000);
    expect(far.tickTimeMs).toBeGreaterThanOrEqual(20 * 400);
  });

  it('leaves a follower time for three TCP retransmissions and a GC pause', () => {
    for (const rtt of [1, 20, 70, 150, 300, 1000]) {
      const t = zookeeperTiming(rtt);
      expect(t.syncLimit * t.tickTimeMs).toBeGreaterThanOrEqual((rtt + 200) * 7 + 1000);
      expect(t.syncLimit).toBeGreaterThanOrEqual(2);
      expect(t.initLimit).toBeGreaterThanOrEqual(5 * t.syncLimit);
    }
  });
});

describe('zookeeper component (default fleet)', () => {
  const fleet = clone();

  it('matches the snapshot for the first region', () => {
    expect(synth(build, fleet, fleet.regions[0])).toMatchSnapshot();
  });

  it('writes the same server list, with every member once, in every region', () => {
    const lists = fleet.regions.map((r) => {
      const cm = find(synth(build, fleet, r), 'ConfigMap', 'zookeeper-config');
      return [...properties(cm.data![ZOOKEEPER_CONFIG_KEYS.zooCfg])].filter(([k]) => k.startsWith('server.'));
    });
    for (const l of lists) expect(l).toEqual(lists[0]);
    expect(lists[0]).toHaveLength(9);
    const ids = lists[0].map(([k]) => Number(k.slice('server.'.length)));
    expect(new Set(ids).size).toBe(9);
    expect(ids.every((id) => id >= 1 && id <= 255)).toBe(true);
    for (const n of zookeeperNodes(fleet)) {
      expect(lists[0]).toContainEqual([`server.${n.id}`, `${n.host}:2888:3888`]);
      expect(n.host).toBe(`${n.pod}.${n.region.clusterId}.zookeeper-nodes.kafka.svc.clusterset.local`);
    }
  });

  it('is TLS-only with client auth in every region', () => {
    for (const r of fleet.regions) {
      const cfg = properties(find(synth(build, fleet, r), 'ConfigMap', 'zookeeper-config').data![ZOOKEEPER_CONFIG_KEYS.zooCfg]);
      expect(cfg.has('clientPort')).toBe(false);
      expect(Object.fromEntries([...cfg].filter(([k]) => /^(secure|ssl|serverCnxn|authProvider|quorumListen|4lw|admin|client\.cert)/.test(k)))).toEqual({
        secureClientPort: '2281',
        serverCnxnFactory: 'org.apache.zookeeper.server.NettyServerCnxnFactory',
        'authProvider.x509': 'org.apache.zookeeper.server.auth.X509AuthenticationProvider',
        'ssl.keyStore.location': '${TLS_DIR}/tls-combined.pem',
        'ssl.keyStore.type': 'PEM',
        'ssl.trustStore.location': '${TRUSTSTORE_DIR}/stack.pem',
        'ssl.trustStore.type': 'PEM',
        'ssl.clientAuth': 'need',
        'client.certReload': 'true',
        sslQuorum: 'true',
        'ssl.quorum.keyStore.location': '${TLS_DIR}/tls-combined.pem',
        'ssl.quorum.keyStore.type': 'PEM',
        'ssl.quorum.trustStore.location': '${TRUSTSTORE_DIR}/stack.pem',
        'ssl.quorum.trustStore.type': 'PEM',
        'ssl.quorum.clientAuth': 'need',
        sslQuorumReloadCertFiles: 'true',
        'ssl.quorum.hostnameVerification': 'false',
        quorumListenOnAllIPs: 'true',
        '4lw.commands.whitelist': 'ruok,srvr',
        'admin.enableServer': 'false',
      });
      expect(cfg.get('tickTime')).toBe('2000');
      expect(cfg.get('syncLimit')).toBe('2');
      expect(cfg.get('initLimit')).toBe('10');
    }
  });

  it('runs a hardened StatefulSet that waits for its peers', () => {
    const objects = synth(build, fleet, fleet.regions[2]);
    const sts = find(objects, 'StatefulSet', 'zookeeper');
    const pod = sts.spec.template.spec;
    const c = pod.containers[0];
    expect(sts.spec).toMatchObject({ replicas: 3, serviceName: ZOOKEEPER.headless, podManagementPolicy: 'Parallel' });
    expect(c.image).toBe(fleet.kafka.image);
    expect(c.command).toEqual(['/bin/bash', '/opt/kafka/custom-config/start.sh']);
    expect(c.env).toContainEqual({ name: 'KAFKA_HEAP_OPTS', value: '-Xms2048m -Xmx2048m' });
    expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(c.resources.requests).toEqual({ cpu: '1', memory: '4Gi' });
    expect(c.readinessProbe.exec.command).toEqual(['/bin/bash', '/opt/kafka/custom-config/health.sh', 'ready']);
    expect(c.livenessProbe.exec.command).toEqual(['/bin/bash', '/opt/kafka/custom-config/health.sh', 'live']);
    expect(pod.volumes).toContainEqual({ name: 'tls', secret: { secretName: TLS.zookeeper.secret, defaultMode: 0o440 } });
    expect(c.volumeMounts).toContainEqual({ name: 'tls', mountPath: TLS_MOUNT, readOnly: true });
    expect(c.volumeMounts.map((m: any) => m.mountPath)).toEqual(expect.arrayContaining(['/tmp', '/var/lib/zookeeper', '/opt/kafka/custom-config']));
    expect(sts.spec.volumeClaimTemplates[0].spec).toMatchObject({ storageClassName: 'standard-csi', resources: { requests: { storage: '20Gi' } } });
    expect(sts.spec.template.metadata.labels['topology.kubernetes.io/region']).toBe('us-west4');
    expect(find(objects, 'Service', ZOOKEEPER.headless).spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true });
    expect(find(objects, 'PodDisruptionBudget', 'zookeeper').spec.maxUnavailable).toBe(1);
  });

  it('admits quorum traffic from ZooKeeper pods, client traffic from brokers only and the metrics port from Prometheus\' namespace, remote ones by the other regions\' pod CIDRs', () => {
    const np = find(synth(build, fleet, fleet.regions[0]), 'NetworkPolicy', 'zookeeper').spec;
    const cidrs = [{ ipBlock: { cidr: '10.132.0.0/14' } }, { ipBlock: { cidr: '10.136.0.0/14' } }];
    expect(np.ingress).toEqual([
      { from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'zookeeper', 'app.kubernetes.io/instance': 'stretched-kafka' } } }, ...cidrs], ports: [{ protocol: 'TCP', port: 2888 }, { protocol: 'TCP', port: 3888 }] },
      { from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'kafka', 'app.kubernetes.io/instance': 'stretched-kafka' } } }, ...cidrs], ports: [{ protocol: 'TCP', port: 2281 }] },
      { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'openshift-user-workload-monitoring' } } }, ...cidrs], ports: [{ protocol: 'TCP', port: 9404 }] },
    ]);
  });

  it('rolls the pods when the configuration changes', () => {
    const checksumOf = (f: typeof fleet) => find(synth(build, f, f.regions[0]), 'StatefulSet', 'zookeeper').spec.template.metadata.annotations[CONFIG_CHECKSUM_ANNOTATION];
    const slower = clone();
    slower.network.latencyMs = 400;
    expect(checksumOf(fleet)).toMatch(/^[0-9a-f]{64}$/);
    expect(checksumOf(slower)).not.toBe(checksumOf(fleet));
    expect(checksumOf(clone())).toBe(checksumOf(fleet));
  });
});

describe('zookeeper component (reduced and uneven fleets)', () => {
  it('renders one member per region for the harness fleet', () => {
    const fleet = reducedFleet();
    for (const r of fleet.regions) {
      const objects = synth(build, fleet, r);
      expect(find(objects, 'StatefulSet', 'zookeeper').spec.replicas).toBe(1);
      const servers = [...properties(find(objects, 'ConfigMap', 'zookeeper-config').data!['zoo.cfg'])].filter(([k]) => k.startsWith('server.'));
      expect(servers.map(([k]) => k)).toEqual(['server.1', 'server.11', 'server.21']);
    }
  });

  it('writes nothing for a region without ZooKeeper, while the others still list every member', () => {
    const f = clone();
    f.kafka.defaultPartitions = 12;
    f.topic.partitions = 72;
    f.regions.push({ ...f.regions[0], name: 'eu-west1', clusterId: 'cluster4', idBlock: 3, podCidr: '10.140.0.0/14', serviceCidr: '172.28.0.0/16', zookeeperReplicas: 0 });
    const fleet = validateFleet(f);
    expect(synth(build, fleet, fleet.regions[3])).toEqual([]);
    expect(zooCfg(fleet).match(/^server\./gm)).toHaveLength(9);
  });
});

describe('start.sh', () => {
  const fleet = clone();

  it('is valid bash, as is health.sh', () => {
    for (const r of fleet.regions) {
      const data = zookeeperConfigData(fleet, r);
      expect(syntaxErrors(data['start.sh'])).toBe('');
      expect(syntaxErrors(data['health.sh'])).toBe('');
      expect(data['start.sh'].startsWith('#!/usr/bin/env bash\n')).toBe(true);
      expect(data['start.sh']).toContain('set -euo pipefail');
    }
  });

  it('writes myid, renders zoo.cfg and execs ZooKeeper, with ids unique across the fleet', () => {
    const seen = new Map<number, string>();
    for (const node of zookeeperNodes(fleet)) {
      const { dir, env } = sandbox(zookeeperConfigData(fleet, node.region), FAKE_START);
      const r = bash(join(dir, 'cfg/start.sh'), { ...env, HOSTNAME: node.pod, CERT_WATCH_SECONDS: '0' });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout.trim()).toBe(`zookeeper-server-start.sh ${dir}/run/zoo.cfg`);
      const myid = Number(readFileSync(join(dir, 'data/myid'), 'utf8'));
      expect(myid).toBe(node.id);
      expect(seen.has(myid)).toBe(false);
      seen.set(myid, `${node.region.name}/${node.pod}`);
      const cfg = properties(readFileSync(join(dir, 'run/zoo.cfg'), 'utf8'));
      expect(cfg.get('dataDir')).toBe(`${dir}/data`);
      expect(cfg.get('ssl.keyStore.location')).toBe(`${dir}/tls/tls-combined.pem`);
      expect(cfg.get('ssl.quorum.trustStore.location')).toBe(`${dir}/tmp/truststores/stack.pem`);
      expect(readFileSync(`${dir}/tmp/truststores/stack.pem`, 'utf8')).toBe(readFileSync(`${dir}/tls/ca.crt`, 'utf8'));
      expect(cfg.get(`server.${myid}`)).toBe(`${node.host}:2888:3888`);
    }
    expect([...seen.keys()]).toEqual([1, 2, 3, 11, 12, 13, 21, 22, 23]);
  });

  it('refuses a pod name outside the region, a renumbered volume and unsafe paths', () => {
    const region = fleet.regions[1];
    const { dir, env } = sandbox(zookeeperConfigData(fleet, region), FAKE_START);
    const run = (extra: Record<string, string>) => bash(join(dir, 'cfg/start.sh'), { ...env, CERT_WATCH_SECONDS: '0', ...extra });
    expect(run({ HOSTNAME: 'zookeeper-3' })).toMatchObject({ status: 1, stderr: expect.stringContaining('ordinal 3 has no ZooKeeper id') });
    expect(run({ HOSTNAME: 'kafka-0' })).toMatchObject({ status: 1, stderr: expect.stringContaining('expected zookeeper-<ordinal>') });
    expect(run({ HOSTNAME: 'zookeeper-0' }).status).toBe(0);
    expect(run({ HOSTNAME: 'zookeeper-1' })).toMatchObject({ status: 1, stderr: expect.stringContaining('myid holds 11, this pod is ZooKeeper 12') });
    expect(run({ HOSTNAME: 'zookeeper-0', TLS_DIR: `${dir}/tls|x` })).toMatchObject({ status: 1, stderr: expect.stringContaining('TLS_DIR=') });
  });

  it('restarts ZooKeeper when the trust bundle changes (a CA rotation step), with both CAs in the truststore after the restart', async () => {
    const { dir, env } = sandbox(zookeeperConfigData(fleet, fleet.regions[0]), { 'zookeeper-server-start.sh': 'exec sleep 30' });
    const child = spawn('bash', [join(dir, 'cfg/start.sh')], { env: { ...env, HOSTNAME: 'zookeeper-0', CERT_WATCH_SECONDS: '1', CERT_RESTART_STAGGER_SECONDS: '0' }, stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    await new Promise((r) => setTimeout(r, 1500));
    expect(child.exitCode).toBeNull();
    const extra = '-----BEGIN CERTIFICATE-----\nnew ca\n-----END CERTIFICATE-----\n';
    writeFileSync(join(dir, 'trust/stack-ca.crt'), extra);
    const timer = setTimeout(() => child.kill('SIGKILL'), 8000);
    expect(await exited).toBe('SIGTERM');
    clearTimeout(timer);
    // The kubelet starts the container again: the new truststore holds the issuing CA and the bundle.
    writeFileSync(join(dir, 'home/bin/zookeeper-server-start.sh'), `#!/usr/bin/env bash\n${FAKE_START['zookeeper-server-start.sh']}\n`);
    const again = bash(join(dir, 'cfg/start.sh'), { ...env, HOSTNAME: 'zookeeper-0', CERT_WATCH_SECONDS: '0' });
    expect(again.status).toBe(0);
    expect(readFileSync(`${dir}/tmp/truststores/stack.pem`, 'utf8')).toBe(`${readFileSync(`${dir}/tls/ca.crt`, 'utf8')}${extra}`);
  }, 15_000);

  it('restarts ZooKeeper when the mounted certificate changes', async () => {
    const { dir, env } = sandbox(zookeeperConfigData(fleet, fleet.regions[0]), { 'zookeeper-server-start.sh': 'exec sleep 30' });
    const child = spawn('bash', [join(dir, 'cfg/start.sh')], { env: { ...env, HOSTNAME: 'zookeeper-0', CERT_WATCH_SECONDS: '1', CERT_RESTART_STAGGER_SECONDS: '0' }, stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    await new Promise((r) => setTimeout(r, 1500));
    expect(child.exitCode).toBeNull();
    writeFileSync(join(dir, 'tls/tls-combined.pem'), 'key+chain v2\n');
    const timer = setTimeout(() => child.kill('SIGKILL'), 8000);
    expect(await exited).toBe('SIGTERM');
    clearTimeout(timer);
  }, 15_000);
});
