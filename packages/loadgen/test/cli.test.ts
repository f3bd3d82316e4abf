import { spawnSync } from 'node:child_process';
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
