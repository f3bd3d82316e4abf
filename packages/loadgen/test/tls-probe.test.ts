import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Server, type TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FatalError } from '../src/errors';
import { apiVersionsRequest, probeBroker, probeTls } from '../src/kafka';
import type { TlsFiles } from '../src/tls';

// probeTls against a local Node TLS server that requires a client certificate, as a broker with
// ssl.client.auth=required does. Throwaway certificates are made with openssl in a temporary
// directory that is removed afterwards.

// openssl is a prerequisite of the test suite (README quick start), as of the real-Kafka harness.
if (spawnSync('openssl', ['version']).status !== 0) throw new Error('tls-probe.test.ts needs openssl on PATH to make its throwaway certificates');

interface Pki {
  trustedCa: string;
  server: { cert: string; key: string };
  /** Signed by the CA the server trusts. */
  goodClient: { cert: string; key: string };
  /** Signed by a CA the server does not know. */
  strangerClient: { cert: string; key: string };
}

function makePki(dir: string): Pki {
  const openssl = (...args: string[]): void => {
    const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
  };
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const ca = (name: string): void => openssl('req', '-x509', ...ec, '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '1', '-subj', `/CN=${name}`);
  const leaf = (name: string, caName: string, ext?: string): void => {
    openssl('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    const extArgs = ext ? (writeFileSync(join(dir, `${name}.ext`), ext), ['-extfile', `${name}.ext`]) : [];
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', `${caName}.crt`, '-CAkey', `${caName}.key`, '-CAcreateserial', '-out', `${name}.crt`, '-days', '1', ...extArgs);
  };
  ca('ca-kafka');
  ca('ca-other');
  leaf('broker', 'ca-kafka', 'subjectAltName=IP:127.0.0.1\n');
  leaf('producer', 'ca-kafka');
  leaf('stranger', 'ca-other');
  const read = (f: string) => readFileSync(join(dir, f), 'utf8');
  const pair = (n: string) => ({ cert: read(`${n}.crt`), key: read(`${n}.key`) });
  return { trustedCa: read('ca-kafka.crt'), server: pair('broker'), goodClient: pair('producer'), strangerClient: pair('stranger') };
}

interface FakeBroker {
  readonly server: Server;
  readonly address: string;
  /** Request headers the broker parsed: api key, version, correlation id, client id. */
  readonly requests: Array<{ apiKey: number; apiVersion: number; correlationId: number; clientId: string }>;
}

/** A TLS listener that requires a client certificate and answers ApiVersions like a broker. */
async function startBroker(pki: Pki, maxVersion: 'TLSv1.2' | 'TLSv1.3', answer = true): Promise<FakeBroker> {
  const requests: FakeBroker['requests'] = [];
  const server = createServer(
    { ...pki.server, ca: [pki.trustedCa], requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.2', maxVersion },
    (socket: TLSSocket) => {
      let buffer = Buffer.alloc(0);
      socket.on('data', (chunk: Buffer) => {
        buffer = Buffer.concat([buffer, chunk]);
        if (buffer.length < 4 || buffer.length < 4 + buffer.readInt32BE(0)) return;
        const idLength = buffer.readInt16BE(12);
        const request = { apiKey: buffer.readInt16BE(4), apiVersion: buffer.readInt16BE(6), correlationId: buffer.readInt32BE(8), clientId: buffer.toString('utf8', 14, 14 + idLength) };
        requests.push(request);
        if (!answer) return;
        // ApiVersions v0 response: correlation id, error code 0, an empty api list.
        const response = Buffer.alloc(14);
        response.writeInt32BE(10, 0);
        response.writeInt32BE(request.correlationId, 4);
        response.writeInt16BE(0, 8);
        response.writeInt32BE(0, 10);
        socket.write(response);
      });
      socket.on('error', () => undefined);
    },
  );
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, address: `127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

describe('probeTls against a broker that requires a client certificate', () => {
  let dir: string;
  let pki: Pki;
  const servers: Server[] = [];
  const files = (client: { cert: string; key: string }): TlsFiles => ({ ca: pki.trustedCa, ...client });

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'skl-tls-'));
    pki = makePki(dir);
  }, 30_000);
  afterAll(async () => {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
    rmSync(dir, { recursive: true, force: true });
  });
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const c of children) c.kill();
  });
  /** `openssl s_server` requiring a certificate from the trusted CA; it refuses others with an alert. */
  const opensslServer = async (version: string): Promise<string> => {
    const child = spawn(
      'openssl',
      ['s_server', '-accept', '127.0.0.1:0', '-cert', 'broker.crt', '-key', 'broker.key', '-CAfile', 'ca-kafka.crt', '-Verify', '1', '-verify_return_error', `-tls${version}`],
      { cwd: dir, stdio: ['pipe', 'pipe', 'ignore'] },
    );
    children.push(child);
    let out = '';
    return new Promise((resolve, reject) => {
      child.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const m = /ACCEPT (127\.0\.0\.1:\d+)/.exec(out);
        if (m) resolve(m[1]);
      });
      child.on('exit', (code) => reject(new Error(`openssl s_server exited ${code}: ${out}`)));
    });
  };
  const broker = async (maxVersion: 'TLSv1.2' | 'TLSv1.3', answer = true) => {
    const b = await startBroker(pki, maxVersion, answer);
    servers.push(b.server);
    return b;
  };

  it('TLS 1.3: the client handshake completes before the broker refuses the certificate (why a handshake alone proves nothing)', async () => {
    const b = await broker('TLSv1.3');
    const [host, port] = b.address.split(':');
    const secured = await new Promise<boolean>((resolve) => {
      const socket = connect({ host, port: Number(port), ca: [pki.trustedCa], ...pki.strangerClient }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    expect(secured).toBe(true);
  });

  const fatalOf = async (work: Promise<unknown>): Promise<FatalError> => {
    let caught: unknown;
    await work.catch((e: unknown) => (caught = e));
    expect(caught).toBeInstanceOf(FatalError);
    expect((caught as FatalError).exitCode).toBe(3);
    return caught as FatalError;
  };

  it.each([
    ['1.3', '1_3'],
    ['1.2', '1_2'],
  ])('TLS %s, a server that sends an alert (as Java brokers do): the friendly message, exit 3', async (_label, version) => {
    const address = await opensslServer(version);
    const outcome = await probeBroker(address, files(pki.strangerClient), 'c', 10_000);
    expect(outcome).toMatchObject({ kind: 'error', error: { code: 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA' } });
    const fatal = await fatalOf(probeTls([address], files(pki.strangerClient), 'c'));
    expect(fatal.message).toBe(`TLS handshake with ${address} failed: the broker rejected the client certificate (ERR_SSL_TLSV1_ALERT_UNKNOWN_CA)`);
  });

  // TLS 1.3 only: in TLS 1.2 such a server resets the connection during the client's handshake,
  // and whether the reset or the server's Finished arrives first is up to the scheduler.
  it('TLS 1.3, a server that checks the certificate after the handshake and closes (as Node does): the friendly message, exit 3', async () => {
    const b = await broker('TLSv1.3');
    expect(await probeBroker(b.address, files(pki.strangerClient), 'c', 10_000)).toEqual({ kind: 'closed' });
    const fatal = await fatalOf(probeTls([b.address], files(pki.strangerClient), 'c'));
    expect(fatal.message).toBe(`TLS handshake with ${b.address} failed: the broker rejected the client certificate (it closed the session without answering a request)`);
    expect(b.requests).toEqual([]);
  });

  it('passes when the broker answers ApiVersions, which it parsed as a well-formed request', async () => {
    const b = await broker('TLSv1.3');
    await expect(probeTls([b.address], files(pki.goodClient), 'producer-x-0')).resolves.toBeUndefined();
    expect(b.requests).toEqual([{ apiKey: 18, apiVersion: 0, correlationId: expect.any(Number), clientId: 'producer-x-0' }]);
  });

  it('one broker answering is enough, without waiting for a silent one; a silent broker alone is left to kafkajs', async () => {
    const good = await broker('TLSv1.3');
    const silent = await broker('TLSv1.3', false);
    // The silent broker would hold the probe for its whole timeout; the answer ends it first.
    await expect(probeTls([silent.address, good.address], files(pki.goodClient), 'c', 600_000)).resolves.toBeUndefined();
    expect(await probeBroker(silent.address, files(pki.goodClient), 'c', 300)).toEqual({ kind: 'timeout' });
    await expect(probeTls([silent.address], files(pki.goodClient), 'c', 300)).resolves.toBeUndefined();
  });

  it('a stop request ends the probe without a verdict', async () => {
    const silent = await broker('TLSv1.3', false);
    const stop = new AbortController();
    const probing = probeTls([silent.address], files(pki.goodClient), 'c', 600_000, stop.signal);
    while (silent.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
    stop.abort();
    await expect(probing).resolves.toBeUndefined();
  });

  it('still reports a broker certificate the client does not trust', async () => {
    const b = await broker('TLSv1.3');
    await expect(probeTls([b.address], { ca: readFileSync(join(dir, 'ca-other.crt'), 'utf8'), ...pki.goodClient }, 'c')).rejects.toThrow(
      /TLS certificate verify failed for 127\.0\.0\.1:\d+: /,
    );
  });
});

describe('apiVersionsRequest', () => {
  it('frames ApiVersions v0: size, api key 18, version 0, correlation id, client id', () => {
    const frame = apiVersionsRequest(7, 'ab');
    expect([...frame]).toEqual([0, 0, 0, 12, 0, 18, 0, 0, 0, 0, 0, 7, 0, 2, 0x61, 0x62]);
  });
});
