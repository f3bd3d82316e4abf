import { DEFAULT_FLEET, Fleet, TLS, regionOf } from '@stretched-kafka/fleet';
import { certificateRequests, certificatesComponent } from '../src';
import { Obj, clone, crdErrors, fourRegionFleet, synth } from '../../../test/fleets';

const east = regionOf(DEFAULT_FLEET, 'us-east4');
const build = (f: Fleet, regionName: string) => synth(certificatesComponent.build, f, regionOf(f, regionName));
const certs = (objs: Obj[]) => objs.filter((o) => o.kind === 'Certificate');

function caIssuerFleet(): Fleet {
  const f = clone();
  f.pki.issuer = { kind: 'Issuer', name: 'kafka-ca', caSecretName: 'kafka-ca-keypair' };
  return f;
}

test('snapshot of the reference region us-east4', () => {
  expect(synth(certificatesComponent.build, DEFAULT_FLEET, east)).toMatchSnapshot();
});

test('one Certificate per request, SANs as computed by sans.ts', () => {
  for (const region of DEFAULT_FLEET.regions) {
    const got = certs(synth(certificatesComponent.build, DEFAULT_FLEET, region));
    const want = certificateRequests(DEFAULT_FLEET, region);
    expect(got.map((c) => c.metadata.name)).toEqual(want.map((r) => r.secretName));
    for (const r of want) {
      const c = got.find((o) => o.spec.secretName === r.secretName)!;
      expect(c.spec.commonName).toBe(r.commonName);
      expect(c.spec.dnsNames).toEqual(r.dnsNames.length > 0 ? r.dnsNames : undefined);
    }
  }
});

test('no SAN of another region in any certificate', () => {
  for (const region of DEFAULT_FLEET.regions) {
    const others = DEFAULT_FLEET.regions.filter((r) => r !== region).map((r) => `.${r.clusterId}.`);
    const sans = certs(synth(certificatesComponent.build, DEFAULT_FLEET, region)).flatMap((c) => c.spec.dnsNames ?? []);
    expect(sans.length).toBeGreaterThan(0);
    expect(sans.filter((n: string) => others.some((o) => n.includes(o)))).toEqual([]);
  }
});

test('every certificate: PKCS#8 RSA key rotated on renewal, CombinedPEM output, fleet lifetime and organisation', () => {
  const f = clone();
  f.pki.duration = '720h';
  f.pki.renewBefore = '240h';
  const all = certs(build(f, 'us-central1'));
  expect(all.length).toBe(6);
  for (const c of all) {
    expect(c.metadata.namespace).toBe(f.namespace);
    expect(c.spec.privateKey).toEqual({ algorithm: 'RSA', size: 2048, encoding: 'PKCS8', rotationPolicy: 'Always' });
    expect(c.spec.additionalOutputFormats).toEqual([{ type: 'CombinedPEM' }]);
    expect(c.spec.duration).toBe('720h');
    expect(c.spec.renewBefore).toBe('240h');
    expect(c.spec.subject).toEqual({ organizations: [f.name] });
    expect(c.spec.secretTemplate.labels['app.kubernetes.io/part-of']).toBe(f.name);
  }
});

test('server and client usages', () => {
  const all = certs(build(DEFAULT_FLEET, 'us-east4'));
  const usages = (secret: string) => all.find((c) => c.spec.secretName === secret)!.spec.usages;
  for (const s of [TLS.kafka.secret, TLS.zookeeper.secret]) expect(usages(s)).toEqual(['server auth', 'client auth', 'digital signature', 'key encipherment']);
  for (const s of [TLS.producer.secret, TLS.consumer.secret, TLS.akhq.secret, TLS.admin.secret, TLS.topicOperator.secret, TLS.userOperator.secret]) {
    expect(usages(s)).toContain('client auth');
    expect(usages(s)).not.toContain('server auth');
  }
});

test('ClusterIssuer fleet: references it, emits no issuer', () => {
  const objs = build(DEFAULT_FLEET, 'us-east4');
  expect(objs.filter((o) => o.kind !== 'Certificate')).toEqual([]);
  for (const c of certs(objs)) expect(c.spec.issuerRef).toEqual({ group: 'cert-manager.io', kind: 'ClusterIssuer', name: 'vault-issuer' });
});

test('CA Issuer fleet: a namespaced Issuer over the out-of-band CA Secret, referenced by every certificate', () => {
  const f = caIssuerFleet();
  for (const region of f.regions) {
    const objs = synth(certificatesComponent.build, f, region);
    const issuers = objs.filter((o) => o.kind === 'Issuer');
    expect(issuers).toHaveLength(1);
    expect(issuers[0].metadata).toMatchObject({ name: 'kafka-ca', namespace: f.namespace });
    expect(issuers[0].spec).toEqual({ ca: { secretName: 'kafka-ca-keypair' } });
    for (const c of certs(objs)) expect(c.spec.issuerRef).toEqual({ group: 'cert-manager.io', kind: 'Issuer', name: 'kafka-ca' });
  }
});

test('a region without ZooKeeper gets no ZooKeeper certificate', () => {
  const f = fourRegionFleet();
  const names = certs(build(f, 'eu-west1')).map((c) => c.metadata.name);
  expect(names).not.toContain(TLS.zookeeper.secret);
  expect(names).toContain(TLS.kafka.secret);
});

test('no key material or tokens in the output', () => {
  for (const f of [DEFAULT_FLEET, caIssuerFleet()]) {
    for (const region of f.regions) {
      const text = JSON.stringify(synth(certificatesComponent.build, f, region));
      expect(text).not.toMatch(/BEGIN|PRIVATE KEY|token|password/i);
    }
  }
});

describe('upstream CRD schemas', () => {
  test('Certificates and Issuers validate', () => {
    const objs = [DEFAULT_FLEET, caIssuerFleet(), fourRegionFleet()].flatMap((f) => f.regions.flatMap((r) => synth(certificatesComponent.build, f, r)));
    expect(objs.filter((o) => o.kind === 'Issuer')).toHaveLength(3);
    expect(crdErrors(certs(objs))).toEqual([]);
    expect(crdErrors(objs.filter((o) => o.kind === 'Issuer'))).toEqual([]);
  });

  test('the validator does reject a bad Certificate', () => {
    const bad = { ...certs(build(DEFAULT_FLEET, 'us-east4'))[0] };
    bad.spec = { ...bad.spec, privateKey: { encoding: 'PKCS12' } };
    expect(crdErrors([bad]).join()).toMatch(/encoding/);
  });
});
