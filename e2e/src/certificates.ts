import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Fleet, TRUST_BUNDLE } from '@stretched-kafka/fleet';
import { adminCertificate } from '@stretched-kafka/certificates';
import { log } from './log';
import { Ca, CertificateSpec } from './pki';
import { sh } from './proc';
import { writeSecretVolume } from './secrets';
import { Tree } from './tree';

// The PKI stage: what cert-manager would do with the tree's Certificate resources, with one
// throwaway CA per issuer, writing each Secret's files under <work>/secrets/<region>/<secretName>
// as the kubelet lays out a Secret volume (secrets.ts), so a re-issuance reaches the nodes the way
// a renewal reaches a pod.

/** One Certificate of the tree (or the break-glass admin's), as issued. */
export interface Issued {
  readonly region: string;
  readonly spec: CertificateSpec;
}

export class Certificates {
  /** One throwaway CA per issuer (kind/name), as distinct as the real ones: a Vault ClusterIssuer and the stack's CA Issuer. */
  readonly cas = new Map<string, Ca>();
  readonly secrets: string;
  readonly issued: Issued[] = [];

  constructor(
    private readonly work: string,
    private readonly clusters: string,
  ) {
    this.secrets = join(work, 'secrets');
  }

  /** CAs replaced by rotateCa, oldest first (a CA rotation keeps the old one to trust and to test with). */
  readonly retired = new Map<string, Ca>();

  /** The folder of the trust bundle ConfigMap volume in `region` (stack-ca.crt, application-ca.crt). */
  trustDir(region: string): string {
    return join(this.work, 'trust', region, TRUST_BUNDLE.configMap);
  }

  /** Writes the trust bundle ConfigMap's data as its volume in `region`, as the kubelet updates a ConfigMap volume (same atomic writer as Secrets). */
  writeTrust(region: string, data: Readonly<Record<string, string>>): void {
    writeSecretVolume(this.trustDir(region), data);
  }

  /** From now on, issuer `ref` signs with `ca` (a CA rotation: the CA Secret replaced); the old one stays in `retired`. */
  useCa(ref: { kind?: string; name: string }, ca: Ca): void {
    const key = `${ref.kind ?? 'Issuer'}/${ref.name}`;
    this.retired.set(key, this.ca(ref));
    this.cas.set(key, ca);
  }

  /** Issues `spec` by `ca` into `dir` (not a Secret of the tree): a probe certificate. */
  issueProbe(ca: Ca, spec: CertificateSpec, dir: string): string {
    ca.issue(spec, dir);
    return dir;
  }

  /** The folder of the Secret `secret` in `region` (ca.crt, tls.crt, tls.key, ...). */
  secretDir(region: string, secret: string): string {
    const dir = join(this.secrets, region, secret);
    if (!existsSync(join(dir, 'tls.crt'))) throw new Error(`no Certificate with secretName ${secret} under ${this.clusters}/${region}/`);
    return dir;
  }

  ca(ref: { kind?: string; name: string }): Ca {
    const key = `${ref.kind ?? 'Issuer'}/${ref.name}`;
    let ca = this.cas.get(key);
    if (!ca) this.cas.set(key, (ca = new Ca(join(this.work, 'ca', key.replace('/', '-')), key)));
    return ca;
  }

  /** Issues every Certificate of the tree by the CA of its issuerRef, plus the break-glass admin certificate. */
  issue(tree: Tree, fleet: Fleet): void {
    // The trust bundle ConfigMap of each region, as the tree has it (mounted by brokers and ZooKeeper).
    for (const o of tree.all('ConfigMap').filter((x) => x.object.metadata.name === TRUST_BUNDLE.configMap)) this.writeTrust(o.region, o.object.data as Record<string, string>);
    const issuers = new Set(tree.all('Issuer').map((o) => `${o.object.metadata.namespace}/${o.object.metadata.name}`));
    let n = 0;
    for (const o of tree.all('Certificate')) {
      const spec = o.object.spec as CertificateSpec;
      if (!spec.issuerRef) throw new Error(`${o.file}: Certificate ${o.object.metadata.name} names no issuerRef`);
      // cert-manager signs with a namespaced Issuer only Certificates of its own namespace.
      if ((spec.issuerRef.kind ?? 'Issuer') === 'Issuer' && !issuers.has(`${o.object.metadata.namespace}/${spec.issuerRef.name}`)) {
        throw new Error(`${o.file}: issuerRef Issuer ${spec.issuerRef.name} is not an Issuer of namespace ${o.object.metadata.namespace} in the tree`);
      }
      this.write({ region: o.region, spec });
      n++;
    }
    if (n === 0) throw new Error(`no Certificate resources under ${this.clusters}`);
    // The break-glass admin certificate an operator requests by hand for maintenance (npm run plan).
    const admin = adminCertificate(fleet).spec as unknown as CertificateSpec;
    this.write({ region: fleet.topic.managementRegion, spec: admin });
    log(`pki: ${this.cas.size} throwaway CAs (${[...this.cas.keys()].join(', ')}) issued ${n} certificates as the Certificate resources describe them, plus the break-glass admin`);
  }

  /**
   * Issues every certificate again (new keys where rotationPolicy is Always) and returns the
   * update of every Secret volume, to apply at once (issuing is slow, the swaps are not).
   */
  reissue(): () => void {
    const updates = this.issued.map((i) => this.sign(i));
    return () => {
      for (const [i, data] of updates) writeSecretVolume(this.volume(i), data);
    };
  }

  /** The serial number (hex, as openssl prints it) of the certificate in a Secret. */
  serial(region: string, secret: string): string {
    return sh(['openssl', 'x509', '-noout', '-serial', '-in', join(this.secretDir(region, secret), 'tls.crt')]).trim().replace(/^serial=/, '');
  }

  private sign(i: Issued): [Issued, Record<string, Buffer>] {
    return [i, this.ca(i.spec.issuerRef!).issue(i.spec, join(this.work, 'issued', i.region, i.spec.secretName))];
  }

  private volume(i: Issued): string {
    return join(this.secrets, i.region, i.spec.secretName);
  }

  private write(i: Issued): void {
    writeSecretVolume(this.volume(i), this.sign(i)[1]);
    this.issued.push(i);
  }
}
