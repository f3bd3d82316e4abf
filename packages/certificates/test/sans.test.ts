import { DEFAULT_FLEET, KAFKA, TLS, ZOOKEEPER, bootstrapServers, kafkaBrokers, regionOf, zookeeperConnect, zookeeperNodes } from '@stretched-kafka/fleet';
import { USAGES, certificateRequests, kafkaDnsNames, zookeeperDnsNames } from '../src';
import { clone, fourRegionFleet } from '../../../test/helpers';

const east = regionOf(DEFAULT_FLEET, 'us-east4');

describe('kafkaDnsNames', () => {
  test('are exactly the names peers dial for the region brokers, local pod names and bootstrap', () => {
    expect(kafkaDnsNames(DEFAULT_FLEET, east)).toEqual([
      'kafka-0.cluster1.kafka-brokers.kafka.svc.clusterset.local',
      'kafka-0.kafka-brokers.kafka.svc',
      'kafka-0.kafka-brokers.kafka.svc.cluster.local',
      'kafka-1.cluster1.kafka-brokers.kafka.svc.clusterset.local',
      'kafka-1.kafka-brokers.kafka.svc',
      'kafka-1.kafka-brokers.kafka.svc.cluster.local',
      'kafka-2.cluster1.kafka-brokers.kafka.svc.clusterset.local',
      'kafka-2.kafka-brokers.kafka.svc',
      'kafka-2.kafka-brokers.kafka.svc.cluster.local',
      'kafka-bootstrap',
      'kafka-bootstrap.kafka',
      'kafka-bootstrap.kafka.svc',
      'kafka-bootstrap.kafka.svc.cluster.local',
      'kafka-bootstrap.kafka.svc.clusterset.local',
    ]);
  });

  test.each(DEFAULT_FLEET.regions.map((r) => [r.name, r] as const))('%s: every advertised broker host of the region, none of another region', (_, region) => {
    const sans = kafkaDnsNames(DEFAULT_FLEET, region);
    for (const b of kafkaBrokers(DEFAULT_FLEET, region)) expect(sans).toContain(b.host);
    const bootstrapHosts = bootstrapServers(DEFAULT_FLEET, region).split(',').map((hp) => hp.replace(/:\d+$/, ''));
    for (const h of bootstrapHosts) expect(sans.includes(h)).toBe(h.includes(`.${region.clusterId}.`));
    for (const other of DEFAULT_FLEET.regions.filter((r) => r !== region)) {
      expect(sans.filter((n) => n.includes(`.${other.clusterId}.`))).toEqual([]);
    }
    expect(new Set(sans).size).toBe(sans.length);
  });

  test('follow the namespace and cluster domain of the fleet', () => {
    const f = fourRegionFleet();
    const sans = kafkaDnsNames(f, regionOf(f, 'eu-west1'));
    expect(sans).toContain(`kafka-2.cluster4.${KAFKA.headless}.streaming.svc.clusterset.local`);
    expect(sans).toContain(`kafka-2.${KAFKA.headless}.streaming.svc.corp.internal`);
    expect(sans).toContain(`${KAFKA.bootstrap}.streaming.svc.clusterset.local`);
    expect(sans.filter((n) => n.endsWith('.cluster.local'))).toEqual([]);
  });

  test('grow with the region broker count', () => {
    const f = clone();
    f.regions[1].kafkaReplicas = 5;
    expect(kafkaDnsNames(f, f.regions[1]).filter((n) => n.endsWith('.clusterset.local') && n.includes('.cluster2.'))).toHaveLength(5);
  });
});

describe('zookeeperDnsNames', () => {
  test('cover every server of the region that zoo.cfg and zookeeper.connect name, and the local client service', () => {
    const sans = zookeeperDnsNames(DEFAULT_FLEET, east);
    const dialed = zookeeperConnect(DEFAULT_FLEET).split(',').map((hp) => hp.replace(/:\d+$/, ''));
    expect(sans.filter((n) => n.endsWith('.clusterset.local'))).toEqual(dialed.filter((h) => h.includes('.cluster1.')));
    for (const n of zookeeperNodes(DEFAULT_FLEET, east)) {
      expect(sans).toEqual(expect.arrayContaining([n.host, `${n.pod}.${ZOOKEEPER.headless}.kafka.svc`, `${n.pod}.${ZOOKEEPER.headless}.kafka.svc.cluster.local`]));
    }
    expect(sans).toEqual(expect.arrayContaining([ZOOKEEPER.client, `${ZOOKEEPER.client}.kafka.svc.cluster.local`]));
    expect(sans).toHaveLength(3 * 3 + 4);
    expect(sans.filter((n) => /\.cluster[23]\./.test(n))).toEqual([]);
  });

  test('are empty for a region without ZooKeeper', () => {
    const f = fourRegionFleet();
    expect(zookeeperDnsNames(f, regionOf(f, 'eu-west1'))).toEqual([]);
  });
});

describe('certificateRequests', () => {
  const names = (f = DEFAULT_FLEET, region = east) => certificateRequests(f, region).map((r) => r.secretName);

  test('client certificates in every region, operator certificates only in the management region', () => {
    for (const region of DEFAULT_FLEET.regions) {
      const got = names(DEFAULT_FLEET, region);
      expect(got).toEqual(expect.arrayContaining([TLS.producer.secret, TLS.consumer.secret, TLS.akhq.secret, TLS.kafka.secret, TLS.kafkaClients.secret, TLS.zookeeper.secret]));
      expect(got).not.toContain(TLS.admin.secret);
      const operators = got.filter((n) => n === TLS.topicOperator.secret || n === TLS.userOperator.secret);
      expect(operators).toEqual(region.name === DEFAULT_FLEET.topic.managementRegion ? [TLS.topicOperator.secret, TLS.userOperator.secret] : []);
    }
  });

  test('operator certificates move with topic.managementRegion', () => {
    const f = clone();
    f.topic.managementRegion = 'us-west4';
    expect(names(f, f.regions[0])).not.toContain(TLS.topicOperator.secret);
    expect(names(f, f.regions[2])).toEqual(expect.arrayContaining([TLS.topicOperator.secret, TLS.userOperator.secret]));
  });

  test('no ZooKeeper certificate where no ZooKeeper runs', () => {
    const f = fourRegionFleet();
    expect(names(f, regionOf(f, 'eu-west1'))).not.toContain(TLS.zookeeper.secret);
    expect(names(f, regionOf(f, 'eu-west1'))).toContain(TLS.kafka.secret);
  });

  test('brokers share one subject in every region; servers may also act as clients, clients never as servers', () => {
    const kafkaCns = DEFAULT_FLEET.regions.map((r) => certificateRequests(DEFAULT_FLEET, r).find((c) => c.secretName === TLS.kafka.secret)!.commonName);
    expect(new Set(kafkaCns)).toEqual(new Set([TLS.kafka.commonName]));
    expect(USAGES.server).toEqual(expect.arrayContaining(['server auth', 'client auth']));
    expect(USAGES.client).toContain('client auth');
    expect(USAGES.client).not.toContain('server auth');
    for (const c of certificateRequests(DEFAULT_FLEET, east)) expect(c.dnsNames.length > 0).toBe(c.role === 'server');
  });
});
