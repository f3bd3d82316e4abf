import { DEFAULT_FLEET } from '@stretched-kafka/fleet';
import { renderPlan } from '../src/report';
import { fleetWith, fourRegionFleet } from './fleets';

describe('renderPlan', () => {
  const text = renderPlan(DEFAULT_FLEET);

  it('states the checks and figures a reviewer looks for', () => {
    expect(text).toContain('- OK: every partition has exactly one replica in each of the 3 regions.');
    expect(text).toContain('- Leaders balanced: 0:8 1:8 2:8 10:8 11:8 12:8 20:8 21:8 22:8');
    expect(text).toContain('= **245,000,000 bytes**');
    expect(text).toContain('**$108.06**');
    expect(text.match(/^- \*\*[a-z0-9-]+\*\* lost: survives/gm)).toHaveLength(3);
    expect(text.match(/^\| \d+ \| \d+, \d+, \d+ \| /gm)).toHaveLength(72);
  });

  it('states the one-region-at-a-time rule for drains, since each cluster\'s PodDisruptionBudget sees only its own pods', () => {
    const section = text.slice(text.indexOf('## Voluntary disruptions'), text.indexOf('## Socket buffers'));
    expect(section).toContain('one region at a time');
    expect(section).toContain('takes 2 or more replicas of a partition away');
    expect(section).toContain('--under-replicated-partitions');
  });

  it('bounds the socket buffer memory and names which setting carries the bandwidth-delay product', () => {
    const section = text.slice(text.indexOf('## Socket buffers'), text.indexOf('## Cost'));
    expect(section).toContain('replica.socket.receive.buffer.bytes');
    expect(section).toContain('net.ipv4.tcp_mem');
    expect(section).toContain('245,000,000 bytes, not that much each');
  });

  it('prints the break-glass admin Certificate (stack Issuer, 8 h) and quoted commands to request and retire it', () => {
    const section = text.slice(text.indexOf('## Break-glass admin'), text.indexOf('## Voluntary disruptions'));
    expect(section).toContain('kind: Issuer\n    name: stretched-kafka-internal');
    expect(section).toContain('duration: 8h');
    expect(section).toContain('kubectl --context us-east4 -n kafka apply -f break-glass-admin.yaml');
    expect(section).toContain('kubectl --context us-east4 -n kafka delete certificate kafka-admin-tls');
    expect(section).toContain('kubectl --context us-east4 -n kafka delete secret kafka-admin-tls');
    expect(section).toContain(':9091');
  });

  it('compares the cost with the field report and says where the fixed cost differs', () => {
    expect(text).toContain(
      '- Field report: ~$3.8/h fixed, ~$104/h variable, ~$110/h total; this plan: $3.66/h, $104.40/h, $108.06/h. ' +
        "Fixed: the report's model bills every ZooKeeper disk as large as a broker's (18 disks x 300 GB = 5,400 GB); " +
        "this fleet has 9 x 300Gi (Kafka) + 9 x 20Gi (ZooKeeper) = 2,880 GiB, $0.14/h less storage; with the report's disks the fixed cost would be $3.80/h. " +
        "Variable: the same model, which the report rounds to $104/h. Total: $108.20/h with the report's disks, which the report rounds up to $110/h.\n",
    );
    const sameDisks = renderPlan(fleetWith({ zookeeper: { storage: { size: '300Gi' } } }));
    expect(sameDisks).toContain("Fixed: the disks are billed as the report's model bills them (ZooKeeper disks as large as the brokers': 9 x 300Gi (Kafka) + 9 x 300Gi (ZooKeeper) = 5,400 GiB).");
    const pricier = renderPlan(fleetWith({ cost: { instanceUsdPerHour: 0.5, throughputBytesPerSecond: 725_000_000 } }));
    expect(pricier).toContain("The rest of the fixed difference comes from instance counts or prices that differ from the report's.");
    expect(pricier).toContain("Variable: throughput, inter-region price or cross-region copies differ from the report's.");
  });

  it('lists what must exist before the first sync, with one join command per region', () => {
    const section = text.slice(text.indexOf('## Before the first sync'), text.indexOf('## Nodes'));
    expect(section).toContain('`regions[0].kubeApiServer`');
    expect(section).toContain('Application-facing ClusterIssuer `vault-issuer` in every cluster');
    expect(section).toContain('Stack CA: Secret `stretched-kafka-internal-ca`');
    expect(section).not.toContain('submariner-ipsec-psk');
    const joins = section.match(/^kubectl --context us-east4 -n submariner-k8s-broker get secret cluster-(cluster\d)-token .* \| kubectl --context ([a-z0-9-]+) apply -f -$/gm);
    expect(joins).toHaveLength(3);
    for (const r of DEFAULT_FLEET.regions) expect(section).toContain(`get secret cluster-${r.clusterId}-token -o 'go-template=`);
    expect(section).toContain('`stretched-kafka-us-east4`, `stretched-kafka-us-central1`, `stretched-kafka-us-west4`');
    expect(section).toContain('`platform: openshift`: pods leave user, group and fsGroup to the restricted-v2 SCC');
    expect(section.match(/^flux --context (us-east4|us-central1|us-west4) bootstrap git --url\\=\S+ --branch\\=main --path\\=clusters\/flux\/\1$/gm)).toHaveLength(3);
    const pinned = renderPlan(fleetWith({ platform: 'kubernetes', akhq: { exposure: 'ingress' }, gitops: { revision: 'v1.2.3' } }));
    expect(pinned).toContain('`platform: kubernetes`: pods pin uid 1001');
    expect(pinned).toContain('`gitops.revision` (v1.2.3) is not a branch');
    expect(pinned).not.toContain('flux --context');

    const ca = renderPlan(fleetWith({ pki: { issuer: { kind: 'Issuer', name: 'kafka-ca', caSecretName: 'kafka-ca' } }, submariner: { cableDriver: 'libreswan' } }));
    expect(ca).toContain('Application-facing CA: Secret `kafka-ca` (`tls.crt`, `tls.key`, the same in every cluster, not the stack CA) in namespace `kafka` of every cluster');
    expect(ca).toContain('Secret `submariner-ipsec-psk` (key `psk`');
    expect(ca).toContain('progressive syncs');
    expect(renderPlan(fleetWith({ gitops: { automatedSync: false } }))).not.toContain('progressive syncs');
  });

  it('says so when a partition cannot be in every region', () => {
    const four = renderPlan(fourRegionFleet());
    expect(four).toContain('- OK: every partition has its 3 replicas in 3 different regions (4 regions');
    expect(four).toContain('for 75.0% of partitions');
  });

  it('matches the snapshot', () => {
    expect(text).toMatchSnapshot();
  });
});
