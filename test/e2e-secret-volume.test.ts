import { lstatSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSecretVolume } from '../e2e/src/secrets';

// The harness's Secret volumes must change the way the kubelet changes them, or the rotation
// stage would test a file update no pod ever sees.
describe('e2e Secret volume (kubelet layout)', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'secret-volume-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const payloads = () => readdirSync(dir).filter((e) => /^\.\.\d{4}_/.test(e));

  it('keeps the files in one timestamped folder behind ..data, each key a symlink through ..data', () => {
    writeSecretVolume(dir, { 'tls.crt': 'one', 'ca.crt': 'ca' });
    expect(payloads()).toHaveLength(1);
    expect(readlinkSync(join(dir, '..data'))).toBe(payloads()[0]);
    expect(readlinkSync(join(dir, 'tls.crt'))).toBe(join('..data', 'tls.crt'));
    expect(readFileSync(join(dir, 'tls.crt'), 'utf8')).toBe('one');
    expect(lstatSync(join(dir, payloads()[0], 'tls.crt')).mode & 0o777).toBe(0o440);
  });

  it('updates by swapping ..data to a new folder, drops the old folder and keys no longer present', () => {
    writeSecretVolume(dir, { 'tls.crt': 'one', 'key.der': 'der' });
    const first = payloads()[0];
    writeSecretVolume(dir, { 'tls.crt': 'two' });
    expect(payloads()).toHaveLength(1);
    expect(payloads()[0]).not.toBe(first);
    expect(readlinkSync(join(dir, '..data'))).toBe(payloads()[0]);
    expect(readFileSync(join(dir, 'tls.crt'), 'utf8')).toBe('two');
    expect(readdirSync(dir).sort()).toEqual(['..data', payloads()[0], 'tls.crt'].sort());
  });
});
