import { spawn, spawnSync } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';

// The shipped artifact: bundle it the way `npm run load` does and run it as users do.
const root = join(__dirname, '..', '..', '..');
const cli = join(root, 'packages/loadgen/dist/cli.js');

beforeAll(() => {
  const build = spawnSync(process.execPath, ['scripts/build.mjs', 'loadgen'], { cwd: root, encoding: 'utf8' });
  expect(build.status).toBe(0);
}, 30_000);

const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env: { PATH: process.env.PATH } });

describe('dist/cli.js', () => {
  it('lists both subcommands', () => {
    const r = run('--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/produce \[options\]/);
    expect(r.stdout).toMatch(/consume \[options\]/);
    // ...and, on the same screen, the options of each.
    for (const flag of ['--linger-ms', '--batch-bytes', '--compression', '--rate', '--rack', '--expect-file']) expect(r.stdout).toContain(flag);
  });

  it.each([
    ['produce', ['--record-bytes', '--batch-bytes', '--linger-ms', '--compression', '--producers', '--rate', '--max-retries']],
    ['consume', ['--group', '--rack', '--idle-timeout-s', '--from-beginning', '--expect-file']],
  ])('%s --help lists its options', (cmd, flags) => {
    const r = run(cmd, '--help');
    expect(r.status).toBe(0);
    for (const flag of ['--bootstrap', '--topic', '--client-id', '--tls-dir', '--plaintext', '--records', '--duration-s', '--verify', '--progress-interval-s', '--summary-file', ...flags]) {
      expect(r.stdout).toContain(flag);
    }
  });

  it('exits 2 with one line on bad flags, before touching the network', () => {
    const r = run('produce', '--bootstrap', 'b:1', '--topic', 't', '--plaintext', '--records', 'many');
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/--records <n>.*'many' is invalid/);
  });

  it('exits 2 when the TLS directory is unreadable', () => {
    const r = run('consume', '--bootstrap', 'b:1', '--topic', 't', '--tls-dir', '/nonexistent-dir');
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('stretched-kafka-load consume: --tls-dir /nonexistent-dir: cannot read ca.crt (ENOENT)\n');
  });
});

/** A local port nothing listens on: connections are refused at once. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('dist/cli.js against unreachable brokers (real kafkajs)', () => {
  it('help produce prints the produce help and exits 0', () => {
    const r = run('help', 'produce');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Usage: stretched-kafka-load produce \[options\]/);
    expect(r.stdout).toContain('--wait-for-topic-s');
  });

  it('counts the retries made and the failure that ended the start (--max-retries 2: 2 retries, 1 error, exit 3)', async () => {
    const port = await closedPort();
    const r = run('produce', '--bootstrap', `127.0.0.1:${port}`, '--topic', 't', '--plaintext', '--records', '1', '--max-retries', '2', '--progress-interval-s', '0');
    expect(r.status).toBe(3);
    const summary = JSON.parse(r.stdout);
    expect(summary).toMatchObject({ mode: 'produce', records: 0, errors: 1, retries: 2, fatal: `connection refused to 127.0.0.1:${port}` });
  }, 30_000);

  it('consume --threads 2: the threads\' retries and their start-up failure end in one summary (exit 3)', async () => {
    const port = await closedPort();
    const r = run('consume', '--bootstrap', `127.0.0.1:${port}`, '--topic', 't', '--plaintext', '--threads', '2', '--max-retries', '2', '--progress-interval-s', '0');
    expect(r.status).toBe(3);
    const summary = JSON.parse(r.stdout);
    expect(summary).toMatchObject({ mode: 'consume', records: 0, errors: 1, fatal: `connection refused to 127.0.0.1:${port}` });
    // Each thread's admin client retried twice before its wait gave up.
    expect(summary.retries).toBeGreaterThanOrEqual(2);
  }, 30_000);

  it.each([
    ['produce', ['--records', '10'], 0],
    ['consume', ['--verify'], 1],
    ['consume', ['--verify', '--threads', '2'], 1],
  ] as const)('%s: SIGTERM while kafkajs retries the connection ends the run with a summary', async (mode, extra, code) => {
    const port = await closedPort();
    // --max-retries 10: kafkajs would retry for about a minute, far beyond this test's timeout.
    const child = spawn(process.execPath, [cli, mode, '--bootstrap', `127.0.0.1:${port}`, '--topic', 't', '--plaintext', '--progress-interval-s', '0', ...extra], {
      env: { PATH: process.env.PATH },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    // Signal once kafkajs has failed its first attempt and is retrying.
    await new Promise<void>((resolve) =>
      child.stderr.on('data', (c: Buffer) => {
        stderr += c.toString();
        if (/retry=0/.test(stderr)) resolve();
      }),
    );
    child.kill('SIGTERM');
    expect(await exited).toBe(code);
    expect(stderr).toMatch(new RegExp(`stretched-kafka-load ${mode}: SIGTERM: stopping`));
    const summary = JSON.parse(stdout.trim().split('\n').pop()!);
    expect(summary).toMatchObject({ mode, records: 0, signal: 'SIGTERM', errors: 0 });
    expect(summary.fatal).toBeUndefined();
    if (mode === 'consume') expect(summary).toMatchObject({ stoppedBy: 'signal', verify: { ok: false, reason: expect.stringMatching(/^read no records/) } });
  }, 30_000);
});
