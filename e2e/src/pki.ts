import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sh } from './proc';

// Plays cert-manager for the harness: one throwaway CA per issuer the tree references (the stack's
// internal Issuer, the application-facing issuer), and for each Certificate resource of the
// synthesized tree, signed by the CA of its issuerRef, the files cert-manager would put in its
// Secret (tls.crt, tls.key, ca.crt, and the additional output formats the resource asks for),
// honouring the key algorithm, size and encoding, the subject, the SANs and the usages exactly as
// written. A defect in a Certificate
// (missing SAN, PKCS#1 key, no combined PEM) therefore shows up as a real TLS failure.

export interface CertificateSpec {
  secretName: string;
  issuerRef?: { group?: string; kind?: string; name: string };
  commonName?: string;
  dnsNames?: string[];
  ipAddresses?: string[];
  uris?: string[];
  emailAddresses?: string[];
  duration?: string;
  subject?: { organizations?: string[]; organizationalUnits?: string[]; countries?: string[]; localities?: string[]; provinces?: string[] };
  privateKey?: { algorithm?: 'RSA' | 'ECDSA' | 'Ed25519'; size?: number; encoding?: 'PKCS1' | 'PKCS8'; rotationPolicy?: 'Always' | 'Never' };
  usages?: string[];
  additionalOutputFormats?: { type: 'CombinedPEM' | 'DER' }[];
}

const KEY_USAGE: Record<string, string> = {
  'digital signature': 'digitalSignature',
  'content commitment': 'nonRepudiation',
  'key encipherment': 'keyEncipherment',
  'data encipherment': 'dataEncipherment',
  'key agreement': 'keyAgreement',
  'cert sign': 'keyCertSign',
  'crl sign': 'cRLSign',
  'encipher only': 'encipherOnly',
  'decipher only': 'decipherOnly',
};
const EXTENDED_KEY_USAGE: Record<string, string> = {
  'server auth': 'serverAuth',
  'client auth': 'clientAuth',
  'code signing': 'codeSigning',
  'email protection': 'emailProtection',
  timestamping: 'timeStamping',
  'ocsp signing': 'OCSPSigning',
  any: 'anyExtendedKeyUsage',
};
// cert-manager's default when a Certificate lists no usages.
const DEFAULT_USAGES = ['digital signature', 'key encipherment'];

export class Ca {
  readonly crt: string;
  private readonly key: string;

  constructor(readonly dir: string, readonly label = 'throwaway CA') {
    mkdirSync(dir, { recursive: true });
    this.crt = join(dir, 'ca.crt');
    this.key = join(dir, 'ca.key');
    sh(['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', this.key, '-out', this.crt, '-days', '2', '-subj', `/O=stretched-kafka e2e/CN=stretched-kafka e2e ${label.replace(/[/\\]/g, ' ')}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  }

  /**
   * Issues `spec` with a new key, as cert-manager does at every issuance with `rotationPolicy:
   * Always`: the Secret's data (key -> content), also written as plain files into `work`.
   */
  issue(spec: CertificateSpec, work: string): Record<string, Buffer> {
    const key = join(work, 'tls.key');
    // rotationPolicy Never keeps the key of the previous issuance (cert-manager's default before 1.18).
    const keep = spec.privateKey?.rotationPolicy === 'Never' && existsSync(key) ? readFileSync(key) : undefined;
    rmSync(work, { recursive: true, force: true });
    mkdirSync(work, { recursive: true });
    if (keep) writeFileSync(key, keep, { mode: 0o600 });
    else generateKey(spec, key);

    const subject = [
      ...(spec.subject?.countries ?? []).map((v) => `C=${v}`),
      ...(spec.subject?.provinces ?? []).map((v) => `ST=${v}`),
      ...(spec.subject?.localities ?? []).map((v) => `L=${v}`),
      ...(spec.subject?.organizations ?? []).map((v) => `O=${v}`),
      ...(spec.subject?.organizationalUnits ?? []).map((v) => `OU=${v}`),
      ...(spec.commonName ? [`CN=${spec.commonName}`] : []),
    ];
    const csr = join(work, 'tls.csr');
    sh(['openssl', 'req', '-new', '-key', key, '-subj', `/${subject.map(escapeRdn).join('/')}`, '-out', csr]);

    const usages = spec.usages?.length ? spec.usages : DEFAULT_USAGES;
    const unknown = usages.filter((u) => !(u in KEY_USAGE) && !(u in EXTENDED_KEY_USAGE));
    if (unknown.length) throw new Error(`Certificate ${spec.secretName}: usages ${unknown.join(', ')} are not cert-manager key usages`);
    const ku = usages.filter((u) => u in KEY_USAGE).map((u) => KEY_USAGE[u]);
    const eku = usages.filter((u) => u in EXTENDED_KEY_USAGE).map((u) => EXTENDED_KEY_USAGE[u]);
    const sans = [
      ...(spec.dnsNames ?? []).map((n) => `DNS:${n}`),
      ...(spec.ipAddresses ?? []).map((n) => `IP:${n}`),
      ...(spec.uris ?? []).map((n) => `URI:${n}`),
      ...(spec.emailAddresses ?? []).map((n) => `email:${n}`),
    ];
    const ext = join(work, 'ext.cnf');
    writeFileSync(
      ext,
      [
        'basicConstraints=critical,CA:FALSE',
        ...(ku.length ? [`keyUsage=critical,${ku.join(',')}`] : []),
        ...(eku.length ? [`extendedKeyUsage=${eku.join(',')}`] : []),
        ...(sans.length ? [`subjectAltName=${sans.join(',')}`] : []),
      ].join('\n') + '\n',
    );
    const crt = join(work, 'tls.crt');
    sh(['openssl', 'x509', '-req', '-in', csr, '-CA', this.crt, '-CAkey', this.key, '-set_serial', `0x${randomSerial()}`, '-days', String(days(spec.duration)), '-extfile', ext, '-out', crt]);

    const data: Record<string, Buffer> = { 'ca.crt': readFileSync(this.crt), 'tls.crt': readFileSync(crt), 'tls.key': readFileSync(key) };
    for (const format of spec.additionalOutputFormats ?? []) {
      if (format.type === 'CombinedPEM') data['tls-combined.pem'] = Buffer.from(`${readFileSync(key, 'utf8').trimEnd()}\n${readFileSync(crt, 'utf8')}`);
      if (format.type === 'DER') {
        sh(['openssl', 'pkey', '-in', key, '-outform', 'DER', '-out', join(work, 'key.der')]);
        data['key.der'] = readFileSync(join(work, 'key.der'));
      }
    }
    for (const [name, content] of Object.entries(data)) writeFileSync(join(work, name), content);
    return data;
  }
}

function generateKey(spec: CertificateSpec, out: string): void {
  const algorithm = spec.privateKey?.algorithm ?? 'RSA';
  const size = spec.privateKey?.size;
  const pkcs8 = `${out}.pkcs8`;
  if (algorithm === 'RSA') sh(['openssl', 'genpkey', '-algorithm', 'RSA', '-pkeyopt', `rsa_keygen_bits:${size ?? 2048}`, '-out', pkcs8]);
  else if (algorithm === 'ECDSA') sh(['openssl', 'genpkey', '-algorithm', 'EC', '-pkeyopt', `ec_paramgen_curve:${{ 384: 'P-384', 521: 'P-521' }[size ?? 256] ?? 'P-256'}`, '-out', pkcs8]);
  else if (algorithm === 'Ed25519') sh(['openssl', 'genpkey', '-algorithm', 'ED25519', '-out', pkcs8]);
  else throw new Error(`Certificate ${spec.secretName}: privateKey.algorithm ${String(algorithm)} is not RSA, ECDSA or Ed25519`);
  // genpkey writes PKCS#8; cert-manager's default encoding is PKCS#1 ("traditional").
  const traditional = (spec.privateKey?.encoding ?? 'PKCS1') === 'PKCS1' && algorithm !== 'Ed25519';
  sh(['openssl', 'pkey', '-in', pkcs8, ...(traditional ? ['-traditional'] : []), '-out', out]);
  rmSync(pkcs8);
}

function escapeRdn(rdn: string): string {
  return rdn.replace(/[/\\]/g, (c) => `\\${c}`);
}

function randomSerial(): string {
  return Array.from({ length: 16 }, () => Math.floor(Math.random() * 16).toString(16)).join('').replace(/^0/, '1');
}

/** Validity in whole days from a Go duration (cert-manager's default is 90 days). */
function days(duration: string | undefined): number {
  if (!duration) return 90;
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(duration);
  if (!m) return 90;
  const hours = Number(m[1] ?? 0) + Number(m[2] ?? 0) / 60 + Number(m[3] ?? 0) / 3600;
  return Math.max(1, Math.ceil(hours / 24));
}
