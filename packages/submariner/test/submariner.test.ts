import { DEFAULT_FLEET, Fleet, FleetError, KAFKA, SUBMARINER, ZOOKEEPER, regionOf } from '@stretched-kafka/fleet';
import {
  BROKER_CLUSTER_ROLE,
  brokerApiServerHost,
  brokerClientServiceAccount,
  brokerClientTokenSecret,
  exportedServices,
  joinSecretCommand,
  joinSecretTemplate,
  submarinerComponent,
} from '../src';
import { Obj, clone, crdErrors, fourRegionFleet, synth } from '../../../test/helpers';

const build = (f: Fleet, regionName: string) => synth(submarinerComponent.build, f, regionOf(f, regionName));
const ofKind = (objs: Obj[], kind: string) => objs.filter((o) => o.kind === kind);
const join = (objs: Obj[]) => ofKind(objs, 'Submariner')[0];

test('snapshot of the reference region us-east4 (the broker region)', () => {
  expect(build(DEFAULT_FLEET, 'us-east4')).toMatchSnapshot();
});

describe('Broker', () => {
  test('only in submariner.brokerRegion, in its own namespace, globalnet off', () => {
    for (const region of DEFAULT_FLEET.regions) {
      const objs = synth(submarinerComponent.build, DEFAULT_FLEET, region);
      const brokers = ofKind(objs, 'Broker');
      const brokerNs = ofKind(objs, 'Namespace').filter((n) => n.metadata.name === DEFAULT_FLEET.submariner.brokerNamespace);
      const here = region.name === DEFAULT_FLEET.submariner.brokerRegion;
      expect(brokers).toHaveLength(here ? 1 : 0);
      expect(brokerNs).toHaveLength(here ? 1 : 0);
    }
    const broker = ofKind(build(DEFAULT_FLEET, 'us-east4'), 'Broker')[0];
    expect(broker.metadata.namespace).toBe('submariner-k8s-broker');
    expect(broker.spec).toEqual({ components: ['service-discovery', 'connectivity'], globalnetEnabled: false });
  });

  test('moves with the fleet', () => {
    const f = clone();
    f.submariner.brokerRegion = 'us-west4';
    f.submariner.brokerNamespace = 'mcs-broker';
    expect(ofKind(build(f, 'us-east4'), 'Broker')).toEqual([]);
    expect(ofKind(build(f, 'us-west4'), 'Broker')[0].metadata.namespace).toBe('mcs-broker');
    expect(join(build(f, 'us-east4')).spec.brokerK8sRemoteNamespace).toBe('mcs-broker');
  });
});

describe('broker access, as subctl deploy-broker and join create it', () => {
  const objs = build(DEFAULT_FLEET, 'us-east4');
  const inBroker = (kind: string) => ofKind(objs, kind).filter((o) => o.metadata.namespace === 'submariner-k8s-broker') as any[];

  test('the broker-cluster Role with the rules of the operator\'s broker-client role', () => {
    const [role] = inBroker('Role');
    expect(role.metadata.name).toBe('submariner-k8s-broker-cluster');
    const verbs = ['create', 'get', 'list', 'watch', 'patch', 'update', 'delete'];
    expect(role.rules).toEqual([
      { apiGroups: ['submariner.io'], resources: ['clusters', 'endpoints'], verbs },
      { apiGroups: ['multicluster.x-k8s.io'], resources: ['*'], verbs },
      { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices', 'endpointslices/restricted'], verbs },
    ]);
  });

  test('one ServiceAccount, RoleBinding and token Secret per fleet region, named from the cluster id as subctl does', () => {
    expect(inBroker('ServiceAccount').map((o) => o.metadata.name)).toEqual(['cluster-cluster1', 'cluster-cluster2', 'cluster-cluster3']);
    for (const region of DEFAULT_FLEET.regions) {
      const sa = brokerClientServiceAccount(region);
      const [binding] = inBroker('RoleBinding').filter((b) => b.metadata.name === `${sa}-submariner-k8s-broker-cluster`);
      expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: BROKER_CLUSTER_ROLE });
      expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: sa, namespace: 'submariner-k8s-broker' }]);
      const [token] = inBroker('Secret').filter((t) => t.metadata.name === brokerClientTokenSecret(region));
      expect(token.type).toBe('kubernetes.io/service-account-token');
      expect(token.metadata.annotations).toEqual({ 'kubernetes.io/service-account.name': sa });
    }
    expect(inBroker('Secret')).toHaveLength(3);
    expect(inBroker('RoleBinding')).toHaveLength(3);
  });

  test('only in the broker region, in the broker namespace, for every region of a larger fleet', () => {
    const f = clone();
    f.submariner.brokerRegion = 'us-west4';
    f.submariner.brokerNamespace = 'mcs-broker';
    for (const kind of ['Role', 'RoleBinding', 'ServiceAccount', 'Secret']) expect(ofKind(build(f, 'us-east4'), kind)).toEqual([]);
    const west = build(f, 'us-west4');
    for (const kind of ['Role', 'RoleBinding', 'ServiceAccount', 'Secret']) for (const o of ofKind(west, kind)) expect(o.metadata.namespace).toBe('mcs-broker');
    const four = fourRegionFleet();
    expect(ofKind(build(four, 'us-east4'), 'ServiceAccount').map((o) => o.metadata.name)).toEqual(['cluster-cluster1', 'cluster-cluster2', 'cluster-cluster3', 'cluster-cluster4']);
  });

  test('the join Secret command copies a region\'s token and CA from the broker into its operator namespace', () => {
    const central = regionOf(DEFAULT_FLEET, 'us-central1');
    expect(joinSecretCommand(DEFAULT_FLEET, central)).toBe(
      'kubectl --context us-east4 -n submariner-k8s-broker get secret cluster-cluster2-token ' +
        `-o go-template='{"apiVersion":"v1","kind":"Secret","metadata":{"name":"submariner-broker-join","namespace":"submariner-operator"},"type":"Opaque",` +
        `"data":{"token":"{{index .data "token"}}","ca.crt":"{{index .data "ca.crt"}}"}}' | kubectl --context us-central1 apply -f -`,
    );
    expect(joinSecretCommand(DEFAULT_FLEET, central, { broker: 'hub', cluster: 'c2' })).toMatch(/^kubectl --context hub -n .* \| kubectl --context c2 apply -f -$/);
    // The join CR names the Secret the command writes.
    expect(joinSecretCommand(DEFAULT_FLEET, central)).toContain(`"name":"${join(build(DEFAULT_FLEET, 'us-central1')).spec.brokerK8sSecret}"`);
  });

  test('the template renders a join Secret holding exactly token and ca.crt, bytes unchanged', () => {
    // kubectl's go-template prints `index .data "k"` as the stored base64 string (checked once
    // with kubectl 1.x and --dry-run=client); rendering those two actions here keeps the test free
    // of a kubectl binary.
    const ca = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    const data: Record<string, string> = { token: Buffer.from('eyJhbGciOi.x.y').toString('base64'), 'ca.crt': Buffer.from(ca).toString('base64'), namespace: Buffer.from('submariner-k8s-broker').toString('base64') };
    const template = joinSecretTemplate(DEFAULT_FLEET);
    const actions = template.match(/\{\{[^}]*\}\}/g) ?? [];
    expect(actions).toEqual(['{{index .data "token"}}', '{{index .data "ca.crt"}}']);
    const out = JSON.parse(template.replace(/\{\{index \.data "([^"]+)"\}\}/g, (_, k: string) => data[k]));
    expect(out.metadata).toEqual({ name: 'submariner-broker-join', namespace: 'submariner-operator' });
    expect(Object.keys(out.data).sort()).toEqual(['ca.crt', 'token']);
    expect(Buffer.from(out.data['ca.crt'], 'base64').toString()).toBe(ca);
    expect(Buffer.from(out.data.token, 'base64').toString()).toBe('eyJhbGciOi.x.y');
  });
});

describe('Submariner join', () => {
  test.each(DEFAULT_FLEET.regions.map((r) => [r.name, r] as const))('%s: cluster fields follow the region', (_, region) => {
    const objs = synth(submarinerComponent.build, DEFAULT_FLEET, region);
    const j = join(objs);
    expect(j.metadata).toMatchObject({ name: 'submariner', namespace: SUBMARINER.operatorNamespace });
    expect(j.spec).toMatchObject({
      clusterID: region.clusterId,
      clusterCIDR: region.podCidr,
      serviceCIDR: region.serviceCidr,
      globalCIDR: '',
      natEnabled: false,
      serviceDiscoveryEnabled: true,
      cableDriver: 'vxlan',
      broker: 'k8s',
      brokerK8sApiServer: 'api.cluster1.example.com:6443',
      brokerK8sRemoteNamespace: 'submariner-k8s-broker',
      brokerK8sSecret: 'submariner-broker-join',
      namespace: SUBMARINER.operatorNamespace,
      repository: 'quay.io/submariner',
      version: DEFAULT_FLEET.submariner.version,
    });
    expect(ofKind(objs, 'Namespace').map((n) => n.metadata.name)).toContain(SUBMARINER.operatorNamespace);
  });

  test('credentials only by Secret name; the PSK Secret only for encrypting cable drivers', () => {
    expect(join(build(DEFAULT_FLEET, 'us-central1')).spec).not.toHaveProperty('ceIPSecPSKSecret');
    for (const driver of ['libreswan', 'wireguard'] as const) {
      const f = clone();
      f.submariner.cableDriver = driver;
      const spec = join(build(f, 'us-central1')).spec;
      expect(spec.cableDriver).toBe(driver);
      expect(spec.ceIPSecPSKSecret).toBe(SUBMARINER.ipsecPskSecret);
    }
    for (const f of [DEFAULT_FLEET, fourRegionFleet()]) {
      for (const region of f.regions) {
        const objs = synth(submarinerComponent.build, f, region);
        for (const key of ['brokerK8sApiServerToken', 'brokerK8sCA', 'ceIPSecPSK']) expect(join(objs).spec).not.toHaveProperty(key);
        // The only Secrets are the broker's token Secrets, which Kubernetes fills: no data in git.
        for (const s of ofKind(objs, 'Secret') as any[]) {
          expect(s.type).toBe('kubernetes.io/service-account-token');
          expect(s).not.toHaveProperty('data');
          expect(s).not.toHaveProperty('stringData');
        }
        expect(ofKind(objs, 'Secret').length > 0).toBe(region.name === f.submariner.brokerRegion);
        expect(JSON.stringify(objs)).not.toMatch(/BEGIN|password/i);
      }
    }
  });

  test('broker API server: scheme stripped, anything but https refused', () => {
    const f = clone();
    f.submariner.brokerApiServer = 'https://broker.example.org/';
    expect(brokerApiServerHost(f)).toBe('broker.example.org');
    f.submariner.brokerApiServer = 'http://broker.example.org:6443';
    expect(() => brokerApiServerHost(f)).toThrow(FleetError);
    expect(() => build(f, 'us-east4')).toThrow(/^fleet: submariner\.brokerApiServer = "http:\/\/broker\.example\.org:6443": must be an https/);
  });
});

describe('ServiceExports', () => {
  test('every headless Service whose pod names peers dial, plus bootstrap, in the stack namespace', () => {
    const exports = ofKind(build(DEFAULT_FLEET, 'us-west4'), 'ServiceExport');
    expect(exports.map((e) => e.metadata.name).sort()).toEqual([KAFKA.bootstrap, KAFKA.headless, ZOOKEEPER.headless].sort());
    for (const e of exports) {
      expect(e.apiVersion).toBe('multicluster.x-k8s.io/v1alpha1');
      expect(e.metadata.namespace).toBe(DEFAULT_FLEET.namespace);
      expect(e).not.toHaveProperty('spec');
    }
  });

  test('no ZooKeeper export in a region without ZooKeeper; namespace follows the fleet', () => {
    const f = fourRegionFleet();
    const region = regionOf(f, 'eu-west1');
    expect(exportedServices(region)).toEqual([KAFKA.headless, KAFKA.bootstrap]);
    const exports = ofKind(build(f, 'eu-west1'), 'ServiceExport');
    expect(exports.map((e) => e.metadata.name)).toEqual([KAFKA.headless, KAFKA.bootstrap]);
    expect(new Set(exports.map((e) => e.metadata.namespace))).toEqual(new Set(['streaming']));
  });
});

describe('upstream CRD schemas', () => {
  const all = [DEFAULT_FLEET, fourRegionFleet()].flatMap((f) => f.regions.flatMap((r) => synth(submarinerComponent.build, f, r)));

  test('Submariner, Broker, ServiceExport and the broker access objects validate, required fields present', () => {
    for (const kind of ['Submariner', 'Broker', 'ServiceExport', 'Role', 'RoleBinding', 'ServiceAccount', 'Secret']) {
      expect(ofKind(all, kind).length).toBeGreaterThan(0);
      expect(crdErrors(ofKind(all, kind))).toEqual([]);
    }
  });

  test('the validator does reject a join without a required field', () => {
    const j = { ...join(all) };
    j.spec = { ...j.spec };
    delete j.spec.natEnabled;
    expect(crdErrors([j]).join()).toMatch(/natEnabled/);
  });
});
