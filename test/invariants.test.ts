import * as yaml from 'js-yaml';
import { DEFAULT_FLEET, Fleet, KAFKA, TLS, kafkaBrokers, mergeOverride, socketBufferBytes, validateFleet, zookeeperNodes } from '@stretched-kafka/fleet';
import { render, RenderedFile, Manifest } from '../packages/synth/src/render';
import { COMPONENTS } from '../packages/synth/src/components';

// Fleet-wide invariants over the whole rendered tree, for the default fleet and for a reduced
// and a four-region fleet: if a consistency, rack, TLS or hardening setting drifts for any
// broker, node or pod, one of these fails.

const reduced = validateFleet(
  mergeOverride(DEFAULT_FLEET, {
    regions: DEFAULT_FLEET.regions.map((r) => ({ ...r, zookeeperReplicas: 1, kafkaReplicas: 1, producers: 1, consumers: 1 })),
    kafka: { defaultPartitions: 3 },
    topic: { partitions: 6 },
  }),
);
const fourRegions = validateFleet(
  mergeOverride(DEFAULT_FLEET, {
    regions: [
      ...DEFAULT_FLEET.regions.map((r) => ({ ...r, zookeeperReplicas: r.name === 'us-west4' ? 1 : 2 })),
      { ...DEFAULT_FLEET.regions[0], name: 'us-south1', clusterId: 'cluster4', idBlock: 3, podCidr: '10.140.0.0/14', serviceCidr: '172.28.0.0/16', zookeeperReplicas: 2, kubeApiServer: 'https://api.cluster4.example.com:6443' },
    ],
    kafka: { defaultPartitions: 12 },
    topic: { partitions: 72 },
  }),
);
const fleets: [string, Fleet][] = [
  ['default', DEFAULT_FLEET],
  ['reduced', reduced],
  ['four regions', fourRegions],
];

function properties(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (!t || t.startsWith('#')) continue;
    const i = t.indexOf('=');
    if (i > 0) m.set(t.slice(0, i).trim(), t.slice(i + 1).trim());
  }
  return m;
}

function regionObjects(files: RenderedFile[], region: string): Manifest[] {
  return files.filter((f) => f.region === region).flatMap((f) => f.objects);
}

function find(objects: Manifest[], kind: string, name: string): Manifest {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`no ${kind}/${name}`);
  return o;
}

type Pod = { spec: { securityContext?: Record<string, any>; containers: any[]; initContainers?: any[] } };
function podTemplates(objects: readonly Manifest[]): [string, Pod][] {
  return objects.flatMap((o): [string, Pod][] => {
    const spec = o.spec as any;
    if (['StatefulSet', 'Deployment', 'Job', 'DaemonSet'].includes(o.kind)) return [[`${o.kind}/${o.metadata.name}`, spec.template]];
    if (o.kind === 'CronJob') return [[`${o.kind}/${o.metadata.name}`, spec.jobTemplate.spec.template]];
    return [];
  });
}

describe.each(fleets)('%s fleet', (_name, fleet) => {
  const rendered = render(fleet);
  const all = rendered.files.flatMap((f) => f.objects);

  test('every region folder is a kustomize root over its layer folders (but those synced separately), each listing exactly its files', () => {
    const listed = (path: string) => {
      const k = rendered.files.find((f) => f.path === path);
      if (!k) throw new Error(`${path} is missing`);
      return (yaml.load(k.content) as { resources: string[] }).resources;
    };
    const separate = new Set(COMPONENTS.filter((c) => c.separateSync).map((c) => c.name));
    expect(separate).toEqual(new Set(['loadjobs']));
    // Each layer synced separately is the path of one element of an ApplicationSet of its own.
    const paths = rendered.files
      .filter((f) => f.path.startsWith('argocd/'))
      .flatMap((f) => f.objects)
      .filter((o) => o.kind === 'ApplicationSet' && o.metadata.name !== fleet.name)
      .flatMap((o) => (o.spec as any).generators[0].list.elements.map((e: { path: string }) => e.path));
    for (const r of fleet.regions) {
      const files = rendered.files.filter((f) => f.region === r.name && f.objects.length > 0).map((f) => f.path.slice(r.name.length + 1));
      const layers = [...new Set(files.map((f) => f.split('/')[0]))];
      // In GitOps order, as the components are listed; the stack Application syncs this root.
      expect(listed(`${r.name}/kustomization.yaml`)).toEqual(layers.filter((l) => !separate.has(l)));
      for (const layer of layers.filter((l) => separate.has(l))) expect(paths).toContain(`${fleet.gitops.path}/${r.name}/${layer}`);
      for (const layer of layers) {
        const inLayer = files.filter((f) => f.startsWith(`${layer}/`)).map((f) => f.slice(layer.length + 1));
        expect(listed(`${r.name}/${layer}/kustomization.yaml`)).toEqual(inLayer);
        expect(inLayer.every((f) => !f.includes('/'))).toBe(true);
      }
    }
  });

  test('every broker: rack = region, rack-aware follower fetching, consistency settings, TLS on every listener', () => {
    for (const r of fleet.regions) {
      const cm = find(regionObjects(rendered.files, r.name), 'ConfigMap', 'kafka-config') as any;
      const p = properties(cm.data['server.properties']);
      expect(p.get('broker.rack')).toBe(r.name);
      expect(p.get('replica.selector.class')).toBe('org.apache.kafka.common.replica.RackAwareReplicaSelector');
      expect(p.get('default.replication.factor')).toBe(String(fleet.kafka.replicationFactor));
      expect(p.get('min.insync.replicas')).toBe(String(fleet.kafka.minInsyncReplicas));
      expect(p.get('unclean.leader.election.enable')).toBe('false');
      expect(p.get('offsets.topic.replication.factor')).toBe(String(fleet.kafka.replicationFactor));
      expect(p.get('transaction.state.log.replication.factor')).toBe(String(fleet.kafka.replicationFactor));
      expect(p.get('transaction.state.log.min.isr')).toBe(String(fleet.kafka.minInsyncReplicas));
      expect(p.get('auto.create.topics.enable')).toBe('false');
      expect(Number(p.get('num.partitions')) % kafkaBrokers(fleet).length).toBe(0);
      // The bandwidth-delay product only where every connection crosses regions (the follower
      // fetcher); server sockets of every listener autotune per connection.
      expect(p.get('replica.socket.receive.buffer.bytes')).toBe(String(socketBufferBytes(fleet)));
      for (const key of ['socket.send.buffer.bytes', 'socket.receive.buffer.bytes']) expect(p.get(key)).toBe('-1');
      // Every listener is SSL with client certificates; nothing plaintext anywhere.
      const protocols = p.get('listener.security.protocol.map')!.split(',').map((e) => e.split(':')[1]);
      expect(protocols.length).toBeGreaterThan(0);
      expect(new Set(protocols)).toEqual(new Set(['SSL']));
      expect(p.get('ssl.client.auth')).toBe('required');
      expect(p.get('zookeeper.ssl.client.enable')).toBe('true');
      expect(p.get('zookeeper.connect')!.split('/')[0].split(',')).toHaveLength(zookeeperNodes(fleet).length);
      expect(p.get('ssl.endpoint.identification.algorithm') ?? 'https').toBe('https');
      expect([...p.keys()].some((k) => /PLAINTEXT/.test(p.get(k)!))).toBe(false);
    }
  });

  test('ZooKeeper: the same server list in every region, unique ids, TLS only with client auth', () => {
    const lists = fleet.regions
      .filter((r) => r.zookeeperReplicas > 0)
      .map((r) => {
        const cm = find(regionObjects(rendered.files, r.name), 'ConfigMap', 'zookeeper-config') as any;
        return properties(cm.data['zoo.cfg']);
      });
    const servers = (p: Map<string, string>) => [...p.entries()].filter(([k]) => k.startsWith('server.')).sort();
    for (const p of lists) {
      expect(servers(p)).toEqual(servers(lists[0]));
      expect(p.get('sslQuorum')).toBe('true');
      expect(p.get('secureClientPort')).toBeDefined();
      expect(p.has('clientPort')).toBe(false);
      expect(p.get('ssl.clientAuth')).toBe('need');
    }
    const ids = servers(lists[0]).map(([k]) => Number(k.slice('server.'.length)));
    const byNumber = (x: number[]) => [...x].sort((m, n) => m - n);
    expect(byNumber(ids)).toEqual(byNumber(zookeeperNodes(fleet).map((n) => n.id)));
    expect(new Set(ids).size).toBe(zookeeperNodes(fleet).length);
  });

  test('the broker certificate covers exactly what peers dial: every advertised host of its region', () => {
    for (const r of fleet.regions) {
      const objects = regionObjects(rendered.files, r.name);
      const cert = objects.find((o) => o.kind === 'Certificate' && (o.spec as any).secretName === TLS.kafka.secret) as any;
      const sans: string[] = cert.spec.dnsNames;
      for (const b of kafkaBrokers(fleet, r)) expect(sans).toContain(b.host);
      for (const b of kafkaBrokers(fleet).filter((x) => x.region !== r)) expect(sans).not.toContain(b.host);
      expect(cert.spec.privateKey.encoding).toBe('PKCS8');
      expect(cert.spec.additionalOutputFormats).toEqual([{ type: 'CombinedPEM' }]);
    }
  });

  test('every pod is hardened: non-root, no privilege escalation, capabilities dropped, seccomp RuntimeDefault, requests set, image pinned', () => {
    const pods = podTemplates(all);
    expect(pods.length).toBeGreaterThan(0);
    for (const [id, pod] of pods) {
      const podSc = pod.spec.securityContext ?? {};
      for (const c of [...(pod.spec.initContainers ?? []), ...pod.spec.containers]) {
        const where = `${id} container ${c.name}`;
        const sc = c.securityContext ?? {};
        expect([where, sc.runAsNonRoot ?? podSc.runAsNonRoot]).toEqual([where, true]);
        expect([where, sc.allowPrivilegeEscalation]).toEqual([where, false]);
        expect([where, sc.capabilities?.drop]).toEqual([where, ['ALL']]);
        expect([where, (sc.seccompProfile ?? podSc.seccompProfile)?.type]).toEqual([where, 'RuntimeDefault']);
        expect([where, Boolean(c.resources?.requests?.cpu && c.resources?.requests?.memory)]).toEqual([where, true]);
        expect([where, /(:[\w.-]+|@sha256:[a-f0-9]{64})$/.test(c.image) && !/:latest$/.test(c.image)]).toEqual([where, true]);
      }
    }
  });

  test('every region object carries its sync wave, and nothing secret is in the output', () => {
    for (const f of rendered.files.filter((x) => x.region)) {
      for (const o of f.objects) expect([f.path, o.metadata.annotations?.['argocd.argoproj.io/sync-wave']]).toEqual([f.path, expect.stringMatching(/^-?\d+$/)]);
    }
    // The only Secrets are the broker's service-account token requests: Kubernetes fills them
    // in the cluster; git holds neither data nor stringData.
    const secrets = all.filter((o) => o.kind === 'Secret') as any[];
    for (const s of secrets) {
      expect([s.metadata.name, s.type, s.metadata.namespace, s.data, s.stringData]).toEqual([s.metadata.name, 'kubernetes.io/service-account-token', fleet.submariner.brokerNamespace, undefined, undefined]);
      expect(s.metadata.annotations['kubernetes.io/service-account.name']).toMatch(/^cluster-/);
    }
    expect(secrets).toHaveLength(fleet.regions.length);
    for (const f of rendered.files) expect([f.path, /BEGIN [A-Z ]*PRIVATE KEY|password\s*[:=]\s*\S+/i.test(f.content)]).toEqual([f.path, false]);
  });

  test('brokers and ZooKeeper have PodDisruptionBudgets, anti-affinity and persistent volumes', () => {
    for (const r of fleet.regions) {
      const objects = regionObjects(rendered.files, r.name);
      const names = r.zookeeperReplicas > 0 ? ['zookeeper', KAFKA.name] : [KAFKA.name];
      for (const name of names) {
        const sts = find(objects, 'StatefulSet', name) as any;
        expect(sts.spec.template.spec.affinity.podAntiAffinity).toBeDefined();
        expect(sts.spec.volumeClaimTemplates.length).toBeGreaterThan(0);
        const pdb = objects.find((o) => o.kind === 'PodDisruptionBudget' && JSON.stringify((o.spec as any).selector.matchLabels) === JSON.stringify(sts.spec.selector.matchLabels));
        expect([name, Boolean(pdb)]).toEqual([name, true]);
        const np = objects.filter((o) => o.kind === 'NetworkPolicy' && JSON.stringify((o.spec as any).podSelector.matchLabels) === JSON.stringify(sts.spec.selector.matchLabels));
        expect([name, np.length > 0]).toEqual([name, true]);
      }
    }
  });
});

test('the command the load Jobs run is the one the load program image puts on PATH', () => {
  const dockerfile = require('node:fs').readFileSync('packages/loadgen/Dockerfile', 'utf8') as string;
  const jobs = render(DEFAULT_FLEET).files.flatMap((f) => f.objects).filter((o) => o.kind === 'Job');
  expect(jobs.length).toBeGreaterThan(0);
  for (const job of jobs) {
    const [command] = (job.spec as any).template.spec.containers[0].command;
    expect(dockerfile).toContain(`/usr/local/bin/${command}`);
    expect(dockerfile).toContain(`ENTRYPOINT ["${command}"]`);
  }
});
