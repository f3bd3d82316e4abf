import * as yaml from 'js-yaml';
import { DEFAULT_FLEET, Fleet, KAFKA, STACK_CLIENT_LABEL, TLS, localServiceNames, mergeOverride, regionOf, validateFleet } from '@stretched-kafka/fleet';
import { certificateRequests } from '@stretched-kafka/certificates';
import { CONFIG_CHECKSUM_ANNOTATION, RELOADER_SECRET_ANNOTATION } from '@stretched-kafka/platform';
import { AKHQ_GROUP, akhqBootstrap, akhqComponent, akhqHost } from '../src';
import { Obj, clone, expectHardened, synth } from '../../../test/helpers';

const build = (f: Fleet, region: string) => synth(akhqComponent.build, f, regionOf(f, region));
const ofKind = (objs: Obj[], kind: string) => objs.filter((o) => o.kind === kind);
const appConfig = (objs: Obj[]): any => yaml.load(ofKind(objs, 'ConfigMap')[0].data['application.yml']);
const withAkhq = (change: Partial<Fleet['akhq']>): Fleet => {
  const f = clone();
  f.akhq = { ...f.akhq, ...change };
  return f;
};

test('snapshot of us-east4', () => {
  expect(build(DEFAULT_FLEET, 'us-east4')).toMatchSnapshot();
});

test('Kafka connection: TLS with hostname verification, PEM client certificate, local bootstrap the broker certificate names', () => {
  for (const region of DEFAULT_FLEET.regions) {
    const props = appConfig(build(DEFAULT_FLEET, region.name)).akhq.connections[DEFAULT_FLEET.name].properties;
    expect(props).toMatchObject({
      'security.protocol': 'SSL',
      'ssl.endpoint.identification.algorithm': 'https',
      'ssl.keystore.type': 'PEM',
      'ssl.truststore.type': 'PEM',
    });
    expect(Object.keys(props).filter((k) => k.includes('password'))).toEqual([]);
    // AKHQ is a stack identity: the internal listener, which trusts only the stack CA.
    expect(props['bootstrap.servers']).toBe(`kafka-bootstrap.${DEFAULT_FLEET.namespace}.svc:${KAFKA.replicationPort}`);
    const [host] = akhqBootstrap(DEFAULT_FLEET).split(':');
    expect(localServiceNames(DEFAULT_FLEET, KAFKA.bootstrap)).toContain(host);
    const brokerCert = certificateRequests(DEFAULT_FLEET, region).find((c) => c.secretName === TLS.kafka.secret)!;
    expect(brokerCert.dnsNames).toContain(host);
  }
});

test('the mounted files are the ones the config names, from the akhq certificate', () => {
  const objs = build(DEFAULT_FLEET, 'us-central1');
  const props = appConfig(objs).akhq.connections[DEFAULT_FLEET.name].properties;
  const pod = ofKind(objs, 'Deployment')[0].spec.template.spec;
  const tls = pod.volumes.find((v: any) => v.secret);
  expect(tls.secret.secretName).toBe(TLS.akhq.secret);
  const mount = pod.containers[0].volumeMounts.find((m: any) => m.name === tls.name).mountPath;
  const files = tls.secret.items.map((i: any) => `${mount}/${i.path}`);
  expect(files).toEqual(expect.arrayContaining([props['ssl.keystore.location'], props['ssl.truststore.location']]));
  expect(tls.secret.items.find((i: any) => `${mount}/${i.path}` === props['ssl.keystore.location']).key).toBe('tls-combined.pem');
  expect(appConfig(objs).akhq['clients-defaults'].consumer.properties['client.rack']).toBe('us-central1');
});

describe('what a visitor may do', () => {
  const security = (f: Fleet) => appConfig(build(f, 'us-east4')).akhq.security;
  /** resource -> actions granted to the default group, flattened over its roles. */
  const grants = (f: Fleet): Record<string, string[]> => {
    const s = security(f);
    const out: Record<string, string[]> = {};
    for (const { role, patterns, clusters } of s.groups[s['default-group']]) {
      expect([patterns, clusters]).toEqual([['.*'], ['.*']]);
      for (const rule of s.roles[role]) for (const r of rule.resources) out[r] = [...(out[r] ?? []), ...rule.actions].sort();
    }
    return out;
  };

  test('by default: metadata and lag, no record contents, no changes', () => {
    const s = security(DEFAULT_FLEET);
    expect(s['default-group']).toBe(AKHQ_GROUP);
    // Not one of AKHQ's built-in groups (reader and admin both read records).
    expect(['admin', 'reader', 'no-roles']).not.toContain(AKHQ_GROUP);
    for (const role of Object.keys(s.roles)) expect(role).toMatch(/^fleet-/);
    expect(grants(DEFAULT_FLEET)).toEqual({ TOPIC: ['READ', 'READ_CONFIG'], CONSUMER_GROUP: ['READ'], NODE: ['READ', 'READ_CONFIG'], ACL: ['READ'] });
  });

  test('akhq.allowDataRead adds reading records, nothing else', () => {
    const g = grants(withAkhq({ allowDataRead: true }));
    expect(g.TOPIC_DATA).toEqual(['READ']);
    expect({ ...g, TOPIC_DATA: undefined }).toEqual({ ...grants(DEFAULT_FLEET), TOPIC_DATA: undefined });
  });

  test('readOnly false adds changes, still no record contents unless allowed', () => {
    const g = grants(withAkhq({ readOnly: false }));
    expect(g.TOPIC).toEqual(['ALTER_CONFIG', 'CREATE', 'DELETE', 'READ', 'READ_CONFIG', 'UPDATE']);
    expect(g.TOPIC_DATA).toEqual(['CREATE', 'DELETE']);
    expect(grants(withAkhq({ readOnly: false, allowDataRead: true })).TOPIC_DATA).toEqual(['CREATE', 'DELETE', 'READ']);
  });
});

test('a config change rolls the pod', () => {
  const sha = (f: Fleet) => ofKind(build(f, 'us-east4'), 'Deployment')[0].spec.template.metadata.annotations[CONFIG_CHECKSUM_ANNOTATION];
  expect(sha(DEFAULT_FLEET)).toMatch(/^[0-9a-f]{64}$/);
  expect(sha(withAkhq({ readOnly: false }))).not.toBe(sha(DEFAULT_FLEET));
});

test('exposure follows the fleet: Route (edge TLS), Ingress (TLS), or nothing', () => {
  const route = build(withAkhq({ exposure: 'route' }), 'us-west4');
  expect(ofKind(route, 'Ingress')).toEqual([]);
  const [r] = ofKind(route, 'Route');
  expect(r.apiVersion).toBe('route.openshift.io/v1');
  expect(r.spec).toMatchObject({ host: 'akhq.us-west4.apps.example.com', to: { kind: 'Service', name: 'akhq' }, tls: { termination: 'edge', insecureEdgeTerminationPolicy: 'Redirect' } });

  const f = withAkhq({ exposure: 'ingress', domain: 'corp.example.org' });
  const ingress = build(f, 'us-west4');
  expect(ofKind(ingress, 'Route')).toEqual([]);
  const [i] = ofKind(ingress, 'Ingress');
  expect(i.spec.rules[0].host).toBe(akhqHost(f, regionOf(f, 'us-west4')));
  expect(i.spec.rules[0].host).toBe('akhq.us-west4.corp.example.org');
  expect(i.spec.tls[0].hosts).toEqual([i.spec.rules[0].host]);
  expect(i.spec.rules[0].http.paths[0].backend.service).toEqual({ name: 'akhq', port: { name: 'http' } });
  expect(i.metadata.annotations!['cert-manager.io/cluster-issuer']).toBe(DEFAULT_FLEET.pki.issuer.name);

  const none = build(withAkhq({ exposure: 'none' }), 'us-west4');
  expect(none.filter((o) => o.kind === 'Route' || o.kind === 'Ingress')).toEqual([]);
  expect(ofKind(none, 'Service')).toHaveLength(1);
});

test('Reloader rolls the Deployment when the certificate Secret it mounts is renewed', () => {
  const [d] = ofKind(build(DEFAULT_FLEET, 'us-east4'), 'Deployment');
  const mounted = d.spec.template.spec.volumes.filter((v: any) => v.secret).map((v: any) => v.secret.secretName);
  expect(mounted).toEqual([TLS.akhq.secret]);
  expect(d.metadata.annotations).toEqual({ [RELOADER_SECRET_ANNOTATION]: TLS.akhq.secret });
});

describe('the UI port admits the exposure\'s ingress controller only', () => {
  const uiRules = (f: Fleet) => ofKind(build(f, 'us-east4'), 'NetworkPolicy')[0].spec.ingress;
  const router = { 'policy-group.network.openshift.io/ingress': '' };
  test('route: the OpenShift router namespaces', () => {
    expect(uiRules(DEFAULT_FLEET)).toEqual([{ from: [{ namespaceSelector: { matchLabels: router } }], ports: [{ protocol: 'TCP', port: 8080 }] }]);
  });
  test('ingress: the namespaces akhq.ingressNamespaceSelector names, else the platform\'s ingress controller', () => {
    expect(uiRules(withAkhq({ exposure: 'ingress' }))[0].from).toEqual([{ namespaceSelector: { matchLabels: router } }]);
    const k8sFleet = validateFleet(mergeOverride(DEFAULT_FLEET, { platform: 'kubernetes', akhq: { exposure: 'ingress' } }));
    expect(uiRules(k8sFleet)[0].from).toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }]);
    const custom = withAkhq({ exposure: 'ingress', ingressNamespaceSelector: 'team=edge,kubernetes.io/metadata.name=traefik' });
    expect(uiRules(custom)[0].from[0].namespaceSelector.matchLabels).toEqual({ team: 'edge', 'kubernetes.io/metadata.name': 'traefik' });
  });
  test('none: nobody (probes come from the node, which policies always admit; port-forward from inside the pod)', () => {
    const [np] = ofKind(build(withAkhq({ exposure: 'none' }), 'us-east4'), 'NetworkPolicy');
    expect(np.spec.policyTypes).toEqual(['Ingress']);
    expect(np.spec.ingress).toEqual([]);
  });
});

test('hardened pod with the Kafka client label; the NetworkPolicy admits only the UI port', () => {
  const objs = build(DEFAULT_FLEET, 'us-east4');
  const [d] = ofKind(objs, 'Deployment');
  expectHardened(d);
  expect(d.spec.template.spec.containers[0].image).toBe(DEFAULT_FLEET.akhq.image);
  expect(d.spec.template.metadata.labels).toMatchObject(STACK_CLIENT_LABEL);
  const [np] = ofKind(objs, 'NetworkPolicy');
  expect(np.spec.podSelector.matchLabels).toEqual(d.spec.selector.matchLabels);
  expect(np.spec.ingress.flatMap((r: any) => r.ports.map((p: any) => p.port))).toEqual([8080]);
  const [svc] = ofKind(objs, 'Service');
  expect(svc.spec.selector).toEqual(d.spec.selector.matchLabels);
  expect(svc.spec.ports.map((p: any) => p.port)).toEqual([8080]);
});
