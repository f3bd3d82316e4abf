import { parseArgs, type ConsumeConfig, type ProduceConfig } from '../src/args';

const base = ['--bootstrap', 'b-0:9093,b-1:9093', '--topic', 'perf'];

function run(argv: string[], env: Record<string, string> = {}) {
  const r = parseArgs(argv, env);
  if (r.kind !== 'run') throw new Error(`expected a config, got exit ${r.code}: ${r.stderr}`);
  return r.config;
}

function usage(argv: string[], env: Record<string, string> = {}): string {
  const r = parseArgs(argv, env);
  if (r.kind !== 'exit') throw new Error(`expected a usage error, got ${JSON.stringify(r.config)}`);
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  // One line, naming the program.
  expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(r.stderr.startsWith('stretched-kafka-load')).toBe(true);
  return r.stderr;
}

describe('produce', () => {
  it('fills the reference defaults', () => {
    const cfg = run(['produce', ...base, '--tls-dir', '/certs', '--records', '1000']) as ProduceConfig;
    expect(cfg).toMatchObject({
      mode: 'produce',
      bootstrap: ['b-0:9093', 'b-1:9093'],
      topic: 'perf',
      tlsDir: '/certs',
      plaintext: false,
      records: 1000,
      recordBytes: 1024,
      batchBytes: 131072,
      lingerMs: 50,
      compression: 'lz4',
      producers: 1,
      verify: false,
      progressIntervalS: 10,
      maxRetries: 10,
      waitForTopicS: 0,
      shutdownTimeoutS: 20,
      ackTimeoutMs: 46_000,
      threads: 1,
      requestTimeoutMs: 48_000,
      connectionTimeoutMs: 4000,
    });
    expect(cfg.rate).toBeUndefined();
    expect(cfg.durationS).toBeUndefined();
    expect(cfg.clientId.length).toBeGreaterThan(0);
  });

  it('reads every numeric option', () => {
    const cfg = run([
      'produce', ...base, '--plaintext', '--duration-s', '2.5', '--record-bytes', '512', '--batch-bytes', '65536',
      '--linger-ms', '0', '--compression', 'gzip', '--producers', '18', '--rate', '81000', '--verify',
      '--progress-interval-s', '0', '--max-retries', '3', '--summary-file', '/tmp/s.json', '--client-id', 'job-a',
      '--wait-for-topic-s', '600', '--shutdown-timeout-s', '7.5', '--ack-timeout-ms', '17000',
      '--request-timeout-ms', '19000', '--connection-timeout-ms', '3000',
    ]) as ProduceConfig;
    expect(cfg).toMatchObject({
      durationS: 2.5, recordBytes: 512, batchBytes: 65536, lingerMs: 0, compression: 'gzip', producers: 18,
      rate: 81000, verify: true, progressIntervalS: 0, maxRetries: 3, summaryFile: '/tmp/s.json', clientId: 'job-a',
      plaintext: true, waitForTopicS: 600, shutdownTimeoutS: 7.5, ackTimeoutMs: 17000, requestTimeoutMs: 19000, connectionTimeoutMs: 3000,
    });
    expect(cfg.tlsDir).toBeUndefined();
  });

  it('falls back to the environment, flags winning', () => {
    const env = { KAFKA_BOOTSTRAP: 'e-0:9093', KAFKA_TOPIC: 'envtopic', KAFKA_CLIENT_ID: 'pod-1', KAFKA_TLS_DIR: '/env-certs' };
    const fromEnv = run(['produce', '--records', '1'], env);
    expect(fromEnv).toMatchObject({ bootstrap: ['e-0:9093'], topic: 'envtopic', clientId: 'pod-1', tlsDir: '/env-certs' });
    const flags = run(['produce', '--records', '1', '--topic', 'flag', '--client-id', 'cli'], env);
    expect(flags).toMatchObject({ topic: 'flag', clientId: 'cli', bootstrap: ['e-0:9093'] });
  });

  it.each([
    [['--records', 'abc'], /--records <n>.*'abc' is invalid.*integer/],
    [['--records', '0'], /--records <n>.*integer from 1/],
    [['--records', '1.5'], /--records/],
    [['--records', '10', '--compression', 'snappy'], /Allowed choices are lz4, gzip, none/],
    [['--records', '10', '--linger-ms', '-1'], /--linger-ms/],
    [['--records', '10', '--rate', '0'], /--rate.*greater than 0/],
    [['--records', '10', '--duration-s', 'x'], /--duration-s/],
    [['--records', '10', '--max-retries', '0'], /--max-retries/],
    [['--records', '10', '--wait-for-topic-s', '-1'], /--wait-for-topic-s <s>.*'-1' is invalid.*at least 0/],
    [['--records', '10', '--shutdown-timeout-s', 'soon'], /--shutdown-timeout-s <s>.*'soon' is invalid/],
    [['--records', '10', '--request-timeout-ms', '500'], /--request-timeout-ms <n>.*integer from 1000/],
    [['--records', '10', '--ack-timeout-ms', '20000', '--request-timeout-ms', '19000'], /--ack-timeout-ms 20000: must be below --request-timeout-ms \(19000\)/],
    [['--records', '10', '--threads', '2'], /--threads 2: at most --producers \(1\)/],
    [['--records', '10', '--nope'], /unknown option '--nope'/],
    [[], /--records <n> or --duration-s <s>/],
  ])('rejects %j', (extra, message) => {
    expect(usage(['produce', ...base, '--plaintext', ...extra])).toMatch(message);
  });

  it('requires bootstrap, topic and an explicit transport choice', () => {
    expect(usage(['produce', '--topic', 't', '--plaintext', '--records', '1'])).toMatch(/--bootstrap \(or KAFKA_BOOTSTRAP\) is required/);
    expect(usage(['produce', '--bootstrap', 'a:1', '--plaintext', '--records', '1'])).toMatch(/--topic \(or KAFKA_TOPIC\) is required/);
    expect(usage(['produce', ...base, '--records', '1'])).toMatch(/--tls-dir .* is required; pass --plaintext/);
    expect(usage(['produce', ...base, '--records', '1', '--plaintext', '--tls-dir', '/c'])).toMatch(/exclude each other/);
    expect(usage(['produce', ...base, '--records', '1', '--plaintext'], { KAFKA_TLS_DIR: '/c' })).toMatch(/KAFKA_TLS_DIR\) exclude each other/);
  });

  it('checks bootstrap entries, also from the environment', () => {
    expect(usage(['produce', '--bootstrap', 'broker', '--topic', 't', '--plaintext', '--records', '1'])).toMatch(/'broker' is not host:port/);
    expect(usage(['produce', '--bootstrap', 'b:70000', '--topic', 't', '--plaintext', '--records', '1'])).toMatch(/port from 1 to 65535/);
    expect(usage(['produce', '--topic', 't', '--plaintext', '--records', '1'], { KAFKA_BOOTSTRAP: 'x' })).toMatch(/KAFKA_BOOTSTRAP 'x'/);
  });
});

describe('consume', () => {
  it('fills defaults and reads env for group and rack', () => {
    const cfg = run(['consume', ...base, '--tls-dir', '/c'], { KAFKA_GROUP: 'g-east', KAFKA_RACK: 'us-east4' }) as ConsumeConfig;
    expect(cfg).toMatchObject({ mode: 'consume', group: 'g-east', rack: 'us-east4', idleTimeoutS: 60, fromBeginning: true, expectFiles: [], waitForTopicS: 0, shutdownTimeoutS: 20, threads: 1 });
    expect(cfg.records).toBeUndefined();
    // Commits after every batch unless asked otherwise (what the harness and the Jobs rely on).
    expect(cfg.commitIntervalMs).toBeUndefined();
    expect(cfg.split).toBeUndefined();
  });

  it('takes --threads and --commit-interval-ms', () => {
    expect(run(['consume', ...base, '--plaintext', '--threads', '4', '--commit-interval-ms', '5000'])).toMatchObject({ threads: 4, commitIntervalMs: 5000 });
  });

  it.each([['0'], ['65'], ['two'], ['1.5'], ['']])('rejects --threads %j with one line naming the option and the range', (value) => {
    expect(usage(['consume', ...base, '--plaintext', '--threads', value])).toBe(
      `stretched-kafka-load: option '--threads <n>' argument '${value}' is invalid. expected an integer from 1 to 64\n`,
    );
  });

  it('rejects a --commit-interval-ms below 1 ms', () => {
    expect(usage(['consume', ...base, '--plaintext', '--commit-interval-ms', '0'])).toMatch(/'--commit-interval-ms <n>' argument '0' is invalid/);
  });

  it('takes --no-from-beginning, several expect files and explicit flags', () => {
    const cfg = run([
      'consume', ...base, '--plaintext', '--group', 'g', '--rack', 'r', '--no-from-beginning', '--records', '5',
      '--idle-timeout-s', '0', '--expect-file', 'a.json', 'b.json', '--expect-file', 'c.json,d.json',
    ]) as ConsumeConfig;
    expect(cfg).toMatchObject({ group: 'g', rack: 'r', fromBeginning: false, records: 5, idleTimeoutS: 0 });
    expect(cfg.expectFiles).toEqual(['a.json', 'b.json', 'c.json', 'd.json']);
    expect((run(['consume', ...base, '--plaintext', '--from-beginning']) as ConsumeConfig).fromBeginning).toBe(true);
  });

  it('does not accept producer-only options', () => {
    expect(usage(['consume', ...base, '--plaintext', '--linger-ms', '5'])).toMatch(/unknown option '--linger-ms'/);
  });
});

describe('program', () => {
  it('needs a subcommand', () => {
    expect(usage([])).toMatch(/a subcommand is required: produce or consume/);
    expect(usage(['bench'])).toMatch(/unknown command 'bench'/);
  });

  it('help <command> prints that command\'s help with exit 0; help alone the whole help', () => {
    for (const cmd of ['produce', 'consume']) {
      const r = parseArgs(['help', cmd], {});
      if (r.kind !== 'exit') throw new Error('no help');
      expect(r).toMatchObject({ code: 0, stderr: '' });
      expect(r.stdout).toMatch(new RegExp(`^Usage: stretched-kafka-load ${cmd} \\[options\\]`));
      expect(r.stdout).toContain(cmd === 'produce' ? '--linger-ms' : '--expect-file');
    }
    const top = parseArgs(['help'], {});
    expect(top).toMatchObject({ kind: 'exit', code: 0 });
    if (top.kind === 'exit') expect(top.stdout).toMatch(/produce[\s\S]*consume/);
    expect(usage(['help', 'bench'])).toMatch(/help bench: unknown command 'bench'; commands: produce, consume/);
  });

  it('documents what consume --records does', () => {
    const r = parseArgs(['consume', '--help'], {});
    if (r.kind !== 'exit') throw new Error('no help');
    expect(r.stdout.replace(/\s+/g, ' ')).toMatch(/consume: stop once this many were read/);
  });

  it('prints help with exit 0', () => {
    const top = parseArgs(['--help'], {});
    expect(top).toMatchObject({ kind: 'exit', code: 0 });
    if (top.kind === 'exit') expect(top.stdout).toMatch(/produce[\s\S]*consume/);
    const sub = parseArgs(['consume', '--help'], {});
    if (sub.kind !== 'exit') throw new Error('no help');
    expect(sub.code).toBe(0);
    for (const flag of ['--group', '--rack', '--idle-timeout-s', '--from-beginning', '--expect-file', '--verify']) {
      expect(sub.stdout).toContain(flag);
    }
  });
});
