import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { FleetError, Fleet, KRAFT_DEFAULT_FLEET, TLS, TRUST_BUNDLE, validateFleet } from '@stretched-kafka/fleet';
import { certificatesComponent, trustBundleData } from '@stretched-kafka/certificates';
import { kafkaComponent, kafkaConfigData } from '@stretched-kafka/kafka';
import { zookeeperComponent, zookeeperConfigData } from '@stretched-kafka/zookeeper';
import { bash, clone, find, properties, sandbox, synth } from './helpers';

// The trust bundle (pki.additionalTrust) that makes a CA rotation with an overlap possible: the
// fleet field, the ConfigMap, the mounts, and what the generated start scripts build from it.
// The invariant: every truststore a broker or ZooKeeper listener reads holds the issuing CA of
// its trust domain (the Secret's ca.crt), plus exactly the bundle's CAs of that domain.

let work: string;
const pem: Record<'old' | 'next' | 'app' | 'leaf' | 'key', string> = { old: '', next: '', app: '', leaf: '', key: '' };

function openssl(args: string[]): void {
  const r = spawnSync('openssl', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'trust-bundle-'));
  for (const name of ['old', 'next', 'app'] as const) {
    openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(work, `${name}.key`), '-out', join(work, `${name}.crt`), '-days', '2', '-subj', `/CN=test ${name} CA`, '-addext', 'basicConstraints=critical,CA:TRUE']);
    pem[name] = readFileSync(join(work, `${name}.crt`), 'utf8');
  }
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(work, 'leaf.key'), '-out', join(work, 'leaf.crt'), '-days', '2', '-subj', '/CN=kafka-broker', '-addext', 'basicConstraints=critical,CA:FALSE']);
  pem.leaf = readFileSync(join(work, 'leaf.crt'), 'utf8');
  pem.key = readFileSync(join(work, 'leaf.key'), 'utf8');
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

function withTrust(internal: string[], issuer: string[] = []): Fleet {
  const f = clone();
  f.pki.additionalTrust = { internal, issuer };
  return validateFleet(f);
}

function errorOf(f: Fleet): string {
  try {
    validateFleet(f);
  } catch (e) {
    if (e instanceof FleetError) return e.message;
    throw e;
  }
  return 'accepted';
}

/** The subjects of the certificates in a PEM file, in order. */
function subjects(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)].map((m) => {
    try {
      return new X509Certificate(m[0]).subject;
    } catch {
      return m[0].split('\n')[1]; // a sandbox stand-in block: its body line
    }
  });
}
const subject = (p: string) => new X509Certificate(p).subject;

describe('pki.additionalTrust', () => {
  test('the default fleet trusts no extra CA: the bundle ConfigMap exists with empty keys in every region', () => {
    for (const region of clone().regions) {
      const cm = find(synth(certificatesComponent.build, clone(), region), 'ConfigMap', TRUST_BUNDLE.configMap);
      expect(cm.data).toEqual({ [TRUST_BUNDLE.keys.stack]: '', [TRUST_BUNDLE.keys.application]: '' });
    }
  });

  test('the bundle carries each listed CA once, in fleet order, per trust domain', () => {
    const f = withTrust([pem.old, pem.next], [pem.app]);
    expect(trustBundleData(f)).toEqual({ [TRUST_BUNDLE.keys.stack]: `${pem.old}${pem.next}`, [TRUST_BUNDLE.keys.application]: pem.app });
    for (const region of f.regions) expect(find(synth(certificatesComponent.build, f, region), 'ConfigMap', TRUST_BUNDLE.configMap).data).toEqual(trustBundleData(f));
  });

  test('bad entries give one line naming the field', () => {
    const bad = (internal: string[]) => errorOf({ ...clone(), pki: { ...clone().pki, additionalTrust: { internal, issuer: [] } } });
    expect(bad([pem.leaf])).toMatch(/^fleet: pki\.additionalTrust\.internal\[0\] = .*: must be a CA certificate \(basicConstraints CA:TRUE\); CN=kafka-broker is a leaf$/);
    expect(bad([pem.key])).toMatch(/pki\.additionalTrust\.internal\[0\] = .*must be one PEM certificate .*no key/);
    expect(bad([`${pem.old}${pem.next}`])).toMatch(/pki\.additionalTrust\.internal\[0\] = .*no second certificate/);
    expect(bad(['-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'])).toMatch(/must be one PEM certificate that parses as X\.509/);
    expect(bad([pem.old, pem.next, pem.old])).toBe('fleet: pki.additionalTrust.internal[2] = "(PEM certificate)": must not repeat pki.additionalTrust.internal[0]: list each CA once');
    const kraft = JSON.parse(JSON.stringify(KRAFT_DEFAULT_FLEET)) as Fleet;
    kraft.pki.additionalTrust = { internal: [pem.next], issuer: [] };
    expect(errorOf(kraft)).toMatch(/pki\.additionalTrust\.internal = .*must be empty with metadata.mode kraft/);
    expect(bad([pem.old, pem.next])).toBe('accepted');
  });

  test('adding or removing CAs changes the ConfigMap only: no pod template changes, so nothing rolls', () => {
    const plain = clone();
    const rotating = withTrust([pem.old, pem.next], [pem.app]);
    for (const region of plain.regions) {
      for (const [component, name] of [[kafkaComponent, 'kafka'], [zookeeperComponent, 'zookeeper']] as const) {
        const a = find(synth(component.build, plain, region), 'StatefulSet', name);
        const b = find(synth(component.build, rotating, region), 'StatefulSet', name);
        expect(b.spec.template).toEqual(a.spec.template);
      }
    }
  });

  test('every broker and ZooKeeper container that reads a truststore mounts the bundle', () => {
    const f = clone();
    for (const region of f.regions) {
      for (const [component, name] of [[kafkaComponent, 'kafka'], [zookeeperComponent, 'zookeeper']] as const) {
        const set = find(synth(component.build, f, region), 'StatefulSet', name);
        const volume = set.spec.template.spec.volumes.find((v: { configMap?: { name: string } }) => v.configMap?.name === TRUST_BUNDLE.configMap);
        expect(volume).toBeDefined();
        for (const c of set.spec.template.spec.containers) expect(c.volumeMounts.map((m: { name: string }) => m.name)).toContain(volume.name);
      }
    }
  });
});

describe('every truststore holds the issuing CA of its trust domain, and with extra CAs configured both', () => {
  const FAKE = { 'kafka-server-start.sh': 'echo started', 'zookeeper-server-start.sh': 'echo started' };

  /** Runs the generated start.sh in a sandbox pod with real CA files and returns the truststore of every listener, by property. */
  function truststores(f: Fleet, kind: 'kafka' | 'zookeeper'): Map<string, string[]> {
    const region = f.regions[0];
    const data = kind === 'kafka' ? kafkaConfigData(f, region) : zookeeperConfigData(f, region);
    const { dir, env } = sandbox(data, FAKE);
    // The Secrets' ca.crt: the stack CA for kafka-tls / zookeeper-tls, the application CA for kafka-clients-tls.
    writeFileSync(join(dir, 'tls/ca.crt'), pem.old);
    writeFileSync(join(dir, 'tls-clients/ca.crt'), pem.app);
    for (const [k, v] of Object.entries(trustBundleData(f))) writeFileSync(join(dir, 'trust', k), v);
    const r = bash(join(dir, 'cfg/start.sh'), { ...env, HOSTNAME: `${kind}-0`, CERT_WATCH_SECONDS: '0', METRICS_PORT: '0' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const rendered = properties(readFileSync(join(dir, 'run', kind === 'kafka' ? 'server.properties' : 'zoo.cfg'), 'utf8'));
    const out = new Map<string, string[]>();
    for (const [k, v] of rendered) if (/truststore\.location$/i.test(k)) out.set(k, subjects(v));
    expect(out.size).toBeGreaterThan(0);
    return out;
  }

  const stackKeys = ['listener.name.replication.ssl.truststore.location', 'zookeeper.ssl.truststore.location'];
  const appKeys = ['listener.name.clients.ssl.truststore.location'];

  test('default fleet: each truststore is exactly its issuing CA', () => {
    const k = truststores(clone(), 'kafka');
    expect([...k.keys()].sort()).toEqual([...stackKeys, ...appKeys].sort());
    for (const key of stackKeys) expect(k.get(key)).toEqual([subject(pem.old)]);
    for (const key of appKeys) expect(k.get(key)).toEqual([subject(pem.app)]);
    const z = truststores(clone(), 'zookeeper');
    expect([...z.keys()].sort()).toEqual(['ssl.quorum.trustStore.location', 'ssl.trustStore.location']);
    for (const v of z.values()) expect(v).toEqual([subject(pem.old)]);
  });

  test('with the new stack CA and a second application CA in the bundle, every component trusts both of its domain and nothing of the other', () => {
    const f = withTrust([pem.old, pem.next], [pem.next]);
    const k = truststores(f, 'kafka');
    for (const key of stackKeys) expect(k.get(key)).toEqual([subject(pem.old), subject(pem.old), subject(pem.next)]);
    for (const key of appKeys) expect(k.get(key)).toEqual([subject(pem.app), subject(pem.next)]);
    for (const v of truststores(f, 'zookeeper').values()) expect(v).toEqual([subject(pem.old), subject(pem.old), subject(pem.next)]);
    // The application CA never reaches a stack truststore, nor the stack CA the client listener.
    for (const key of stackKeys) expect(k.get(key)).not.toContain(subject(pem.app));
    for (const key of appKeys) expect(k.get(key)).not.toContain(subject(pem.old));
  });

  test('the TLS identities behind the truststores are the expected Secrets', () => {
    expect(TLS.kafka.trust).toBe('stack');
    expect(TLS.zookeeper.trust).toBe('stack');
    expect(TLS.kafkaClients.trust).toBe('application');
  });
});
