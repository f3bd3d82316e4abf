import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TlsFiles {
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
}

/** Names cert-manager writes into a Certificate's secret. */
export const TLS_FILES = { ca: 'ca.crt', cert: 'tls.crt', key: 'tls.key' } as const;

/**
 * Reads the PEM files for Node's tls options. Neither `servername` nor `rejectUnauthorized`
 * is set: kafkajs passes each broker's host as servername, and Node then verifies the chain
 * against `ca` and the host name against the certificate's SANs.
 */
export function readTlsDir(dir: string, read: (path: string) => string = (p) => readFileSync(p, 'utf8')): TlsFiles {
  const load = (name: string): string => {
    let text: string;
    try {
      text = read(join(dir, name));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
      throw new Error(`--tls-dir ${dir}: cannot read ${name} (${code})`);
    }
    if (!text.includes('-----BEGIN ')) throw new Error(`--tls-dir ${dir}: ${name} is not PEM`);
    return text;
  };
  return { ca: load(TLS_FILES.ca), cert: load(TLS_FILES.cert), key: load(TLS_FILES.key) };
}
