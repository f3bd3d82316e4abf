import { DEFAULT_FLEET, Fleet, FleetError, KAFKA, SUBMARINER, ZOOKEEPER, regionOf } from '@stretched-kafka/fleet';
import { brokerApiServerHost, exportedServices, submarinerComponent } from '../src';
import { Obj, clone, crdErrors, fourRegionFleet, synth } from '../../../test/fleets';

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
        expect(ofKind(objs, 'Secret')).toEqual([]);
        expect(JSON.stringify(objs)).not.toMatch(/BEGIN|token|password/i);
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

  test('Submariner, Broker and ServiceExport validate, required fields present', () => {
    expect(crdErrors(ofKind(all, 'Submariner'))).toEqual([]);
    expect(crdErrors(ofKind(all, 'Broker'))).toEqual([]);
    expect(crdErrors(ofKind(all, 'ServiceExport'))).toEqual([]);
  });

  test('the validator does reject a join without a required field', () => {
    const j = { ...join(all) };
    j.spec = { ...j.spec };
    delete j.spec.natEnabled;
    expect(crdErrors([j]).join()).toMatch(/natEnabled/);
  });
});
