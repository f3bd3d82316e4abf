import { App, Chart } from 'cdk8s';
import { DEFAULT_FLEET, Fleet, Region, validateFleet } from '@stretched-kafka/fleet';
import { kafkaComponent } from '@stretched-kafka/kafka';
import { zookeeperComponent } from '@stretched-kafka/zookeeper';
import { akhqComponent } from '@stretched-kafka/akhq';
import { topicsComponent } from '@stretched-kafka/topics';
import { cidrsOverlap } from '@stretched-kafka/fleet';
import { RELOADER_SECRET_ANNOTATION, RUN_AS_USER, namespaceComponent, podSecurityContext, reloadOnSecretChange, remotePodCidrs } from '@stretched-kafka/platform';

const clone = (): Fleet => JSON.parse(JSON.stringify(DEFAULT_FLEET));

/** The reference fleet plus a fourth region without ZooKeeper. */
function fourRegions(): Fleet {
  const f = clone();
  f.kafka.defaultPartitions = 12;
  f.regions.push({ ...f.regions[0], name: 'eu-west1', clusterId: 'cluster4', idBlock: 3, podCidr: '10.140.0.0/14', serviceCidr: '172.28.0.0/16', zookeeperReplicas: 0 });
  return validateFleet(f);
}

interface Obj {
  kind: string;
  metadata: { name: string };
  spec?: any;
}

const COMPONENTS = [namespaceComponent, zookeeperComponent, kafkaComponent, topicsComponent, akhqComponent];

function regionObjects(fleet: Fleet, region: Region): Obj[] {
  const app = new App();
  return COMPONENTS.flatMap((c) => {
    const chart = new Chart(app, c.name, { disableResourceNameHashes: true });
    c.build(chart, fleet, region);
    return chart.toJson() as Obj[];
  });
}

describe('podSecurityContext', () => {
  test('openshift (the default): no uid, gid or fsGroup, which restricted-v2 assigns from the namespace range', () => {
    const ctx = podSecurityContext(DEFAULT_FLEET);
    expect(DEFAULT_FLEET.platform).toBe('openshift');
    expect(ctx).toEqual({ runAsNonRoot: true, fsGroupChangePolicy: 'OnRootMismatch', seccompProfile: { type: 'RuntimeDefault' } });
  });
  test('kubernetes: the image uid with group 0 and fsGroup 0', () => {
    const f = clone();
    f.platform = 'kubernetes';
    expect(podSecurityContext(f)).toEqual({
      runAsNonRoot: true,
      runAsUser: RUN_AS_USER,
      runAsGroup: 0,
      fsGroup: 0,
      fsGroupChangePolicy: 'OnRootMismatch',
      seccompProfile: { type: 'RuntimeDefault' },
    });
  });
  test.each(['openshift', 'kubernetes'] as const)('every pod the components write follows the platform (%s)', (platform) => {
    const f = clone();
    f.platform = platform;
    if (platform === 'kubernetes') f.akhq.exposure = 'ingress';
    const pods = DEFAULT_FLEET.regions.flatMap((r) => regionObjects(f, r)).filter((o) => ['StatefulSet', 'Deployment'].includes(o.kind));
    expect(pods.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(
      expect.arrayContaining(['Deployment/akhq', 'Deployment/topic-operator', 'Deployment/user-operator', 'StatefulSet/kafka', 'StatefulSet/zookeeper']),
    );
    for (const o of pods) expect(o.spec.template.spec.securityContext).toEqual(podSecurityContext(f));
  });
});

describe('remotePodCidrs', () => {
  test('the other regions only, in fleet order', () => {
    const f = DEFAULT_FLEET;
    expect(remotePodCidrs(f, f.regions[1])).toEqual(['10.128.0.0/14', '10.136.0.0/14']);
    expect(remotePodCidrs(f, f.regions[0])).not.toContain(f.regions[0].podCidr);
  });
});

describe('reloadOnSecretChange', () => {
  test('names every mounted Secret once, sorted, and nothing else', () => {
    expect(
      reloadOnSecretChange([
        { name: 'b', secret: { secretName: 'zeta-tls' } },
        { name: 'c', configMap: { name: 'cfg' } },
        { name: 'a', secret: { secretName: 'alpha-tls', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { name: 'd', secret: { secretName: 'zeta-tls' } },
        { name: 'e', emptyDir: {} },
      ]),
    ).toEqual({ [RELOADER_SECRET_ANNOTATION]: 'alpha-tls,zeta-tls' });
    expect(reloadOnSecretChange([{ name: 'tmp', emptyDir: {} }])).toEqual({});
    expect(RELOADER_SECRET_ANNOTATION).toBe('secret.reloader.stakater.com/reload');
  });
});

describe('NetworkPolicy invariants, every region of the reference and a four-region fleet', () => {
  const cases = [DEFAULT_FLEET, fourRegions()].flatMap((f) => f.regions.map((r) => [`${f.regions.length} regions, ${r.name}`, f, r] as const));

  test.each(cases)('%s: no policy admits its own pod CIDR or a whole namespace set', (_name, fleet, region) => {
    const policies = regionObjects(fleet, region).filter((o) => o.kind === 'NetworkPolicy');
    expect(policies.length).toBeGreaterThanOrEqual(region.zookeeperReplicas > 0 ? 4 : 3);
    const others = fleet.regions.filter((r) => r !== region).map((r) => r.podCidr);
    for (const np of policies) {
      for (const rule of np.spec.ingress ?? []) {
        for (const peer of rule.from ?? []) {
          if (peer.ipBlock) {
            expect(cidrsOverlap(peer.ipBlock.cidr, region.podCidr)).toBe(false);
            expect(others).toContain(peer.ipBlock.cidr);
          }
          // An empty namespaceSelector would admit every namespace of the cluster.
          if (peer.namespaceSelector) expect(Object.keys(peer.namespaceSelector.matchLabels ?? {}).length + (peer.namespaceSelector.matchExpressions ?? []).length).toBeGreaterThan(0);
          expect(Object.keys(peer).length).toBeGreaterThan(0);
        }
        expect(rule.from?.length ?? 0).toBeGreaterThan(0);
        expect(rule.ports?.length ?? 0).toBeGreaterThan(0);
      }
    }
  });
});
