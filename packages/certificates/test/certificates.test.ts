import { DEFAULT_FLEET, Fleet, TLS, regionOf } from '@stretched-kafka/fleet';
import { RELOADER_WATCH_LABEL } from '@stretched-kafka/platform';
import { adminCertificate, certificateRequests, certificatesComponent } from '../src';
import { Obj, clone, crdErrors, fourRegionFleet, synth } from '../../../test/helpers';

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
  // The client-listener certificate of the application domain never authenticates a broker as a client.
  expect(usages(TLS.kafkaClients.secret)).toEqual(['server auth', 'digital signature', 'key encipherment']);
  for (const s of [TLS.producer.secret, TLS.consumer.secret, TLS.akhq.secret, TLS.topicOperator.secret, TLS.userOperator.secret]) {
    expect(usages(s)).toContain('client auth');
    expect(usages(s)).not.toContain('server auth');
  }
});

const internalRef = { group: 'cert-manager.io', kind: 'Issuer', name: DEFAULT_FLEET.pki.internal.issuerName };
const stackSecrets = Object.values(TLS).filter((t) => t.trust === 'stack').map((t) => t.secret as string);

test('ClusterIssuer fleet: application certificates reference it, stack identities only the namespaced internal Issuer', () => {
  const objs = build(DEFAULT_FLEET, 'us-east4');
  const issuers = objs.filter((o) => o.kind !== 'Certificate' && o.kind !== 'ConfigMap');
  expect(issuers).toHaveLength(1);
  expect(issuers[0]).toMatchObject({ kind: 'Issuer', metadata: { name: DEFAULT_FLEET.pki.internal.issuerName, namespace: DEFAULT_FLEET.namespace }, spec: { ca: { secretName: DEFAULT_FLEET.pki.internal.caSecretName } } });
  for (const c of certs(objs)) {
    const stack = stackSecrets.includes(c.spec.secretName);
    expect(c.spec.issuerRef).toEqual(stack ? internalRef : { group: 'cert-manager.io', kind: 'ClusterIssuer', name: 'vault-issuer' });
  }
  const app = certs(objs).filter((c) => !stackSecrets.includes(c.spec.secretName)).map((c) => c.spec.secretName);
  expect(app.sort()).toEqual([TLS.consumer.secret, TLS.kafkaClients.secret, TLS.producer.secret].sort());
});

test('no stack identity is ever issued by the application-facing issuer, and no admin certificate sits in the tree', () => {
  for (const f of [DEFAULT_FLEET, caIssuerFleet(), fourRegionFleet()]) {
    for (const region of f.regions) {
      for (const c of certs(synth(certificatesComponent.build, f, region))) {
        expect(c.spec.secretName).not.toBe(TLS.admin.secret);
        if (stackSecrets.includes(c.spec.secretName)) expect(c.spec.issuerRef).toEqual({ ...internalRef, name: f.pki.internal.issuerName });
        expect(c.spec.secretTemplate.labels).toMatchObject(RELOADER_WATCH_LABEL);
      }
    }
  }
});

test('the break-glass admin certificate: internal Issuer, short-lived, a client certificate', () => {
  const a = adminCertificate(DEFAULT_FLEET);
  expect(a.metadata).toMatchObject({ name: TLS.admin.secret, namespace: DEFAULT_FLEET.namespace });
  expect(a.spec).toMatchObject({ commonName: TLS.admin.commonName, issuerRef: internalRef, duration: '8h', usages: ['client auth', 'digital signature', 'key encipherment'] });
  expect(crdErrors([a as unknown as Obj])).toEqual([]);
});

test('CA Issuer fleet: a namespaced Issuer over the out-of-band CA Secret, referenced by every certificate', () => {
  const f = caIssuerFleet();
  for (const region of f.regions) {
    const objs = synth(certificatesComponent.build, f, region);
    const issuers = objs.filter((o) => o.kind === 'Issuer');
    expect(issuers).toHaveLength(2);
    const app = issuers.find((i) => i.metadata.name === 'kafka-ca')!;
    expect(app.metadata).toMatchObject({ name: 'kafka-ca', namespace: f.namespace });
    expect(app.spec).toEqual({ ca: { secretName: 'kafka-ca-keypair' } });
    for (const c of certs(objs)) {
      expect(c.spec.issuerRef).toEqual(stackSecrets.includes(c.spec.secretName) ? internalRef : { group: 'cert-manager.io', kind: 'Issuer', name: 'kafka-ca' });
    }
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
    // One internal Issuer per region of each fleet, plus the CA-issuer fleet's own three.
    expect(objs.filter((o) => o.kind === 'Issuer')).toHaveLength(13);
    expect(crdErrors(certs(objs))).toEqual([]);
    expect(crdErrors(objs.filter((o) => o.kind === 'Issuer'))).toEqual([]);
  });

  test('the validator does reject a bad Certificate', () => {
    const bad = { ...certs(build(DEFAULT_FLEET, 'us-east4'))[0] };
    bad.spec = { ...bad.spec, privateKey: { encoding: 'PKCS12' } };
    expect(crdErrors([bad]).join()).toMatch(/encoding/);
  });
});
