import { KafkaJSConnectionError, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError, logLevel } from 'kafkajs';
import type { CommonConfig } from '../src/args';
import { describeError, isTlsVerifyCode } from '../src/errors';
import { kafkaConfig, logSink, retryOptions } from '../src/kafka';
import { readTlsDir } from '../src/tls';

const socketError = (code: string, message: string) =>
  new KafkaJSConnectionError(`Connection error: ${message}`, { broker: 'kafka-3.us-west4:9093', code });

describe('describeError', () => {
  it('names the broker and the cause for socket and TLS failures, through retry wrappers', () => {
    const wrapped = (e: Error) => new KafkaJSNumberOfRetriesExceeded(e, { retryCount: 10, retryTime: 30000 });
    expect(describeError(wrapped(socketError('ECONNREFUSED', 'connect ECONNREFUSED 10.0.0.1:9093')))).toBe(
      'connection refused to kafka-3.us-west4:9093',
    );
    expect(describeError(socketError('ERR_TLS_CERT_ALTNAME_INVALID', "Hostname/IP does not match certificate's altnames"))).toBe(
      "TLS host name mismatch for kafka-3.us-west4:9093: Hostname/IP does not match certificate's altnames",
    );
    expect(describeError(wrapped(socketError('UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'unable to verify the first certificate')))).toBe(
      'TLS certificate verify failed for kafka-3.us-west4:9093: UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    );
    expect(describeError(socketError('ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN', 'alert'))).toMatch(/rejected the client certificate/);
    expect(describeError(socketError('ENOTFOUND', 'getaddrinfo ENOTFOUND'))).toBe('cannot resolve kafka-3.us-west4:9093 (ENOTFOUND)');
    expect(describeError(new KafkaJSConnectionError('Connection timeout', { broker: 'b:1' }))).toBe('connection to b:1 timed out');
  });

  it('names a missing topic', () => {
    // kafkajs builds protocol errors from its error table entry, which carries `type`.
    const entry = { message: 'This server does not host this topic-partition', type: 'UNKNOWN_TOPIC_OR_PARTITION', code: 3, retriable: true };
    const e = new KafkaJSProtocolError(entry as unknown as Error);
    expect(describeError(e, 'perf')).toBe('topic perf does not exist (UNKNOWN_TOPIC_OR_PARTITION)');
  });

  it('keeps unknown errors on one line', () => {
    expect(describeError(new Error('first\nsecond'))).toBe('Error: first second');
  });

  it('treats certificate and handshake failures as permanent, refused connections not', () => {
    expect(isTlsVerifyCode('ERR_TLS_CERT_ALTNAME_INVALID')).toBe(true);
    expect(isTlsVerifyCode('SELF_SIGNED_CERT_IN_CHAIN')).toBe(true);
    expect(isTlsVerifyCode('ECONNREFUSED')).toBe(false);
  });
});

const common: CommonConfig = {
  bootstrap: ['kafka-0.us-east4:9093'],
  topic: 't',
  clientId: 'c',
  tlsDir: '/certs',
  plaintext: false,
  verify: false,
  progressIntervalS: 10,
  maxRetries: 7,
};

describe('kafka client settings', () => {
  it('uses PEM files with verification left on and per-broker SNI left to kafkajs', () => {
    const cfg = kafkaConfig(common, { ca: 'CA', cert: 'CERT', key: 'KEY' }, logSink(() => undefined));
    expect(cfg.ssl).toEqual({ ca: ['CA'], cert: 'CERT', key: 'KEY' });
    // Neither rejectUnauthorized:false nor one fixed servername for every broker.
    expect(cfg.ssl).not.toHaveProperty('rejectUnauthorized');
    expect(cfg.ssl).not.toHaveProperty('servername');
    expect(cfg.retry).toEqual(retryOptions(7));
    expect(kafkaConfig({ ...common, tlsDir: undefined, plaintext: true }, undefined, logSink(() => undefined)).ssl).toBe(false);
  });

  it('bounds retries with capped exponential backoff', () => {
    expect(retryOptions(10)).toMatchObject({ retries: 10, maxRetryTime: 10_000, multiplier: 2 });
  });

  it('counts retried failures and prints warnings on one line each', () => {
    let retries = 0;
    const lines: string[] = [];
    const log = logSink(() => retries++, (l) => lines.push(l))(logLevel.WARN);
    const entry = (level: logLevel, message: string, extra: object = {}) =>
      log({ namespace: 'Producer', level, label: '', log: { message, timestamp: '', logger: 'kafkajs', ...extra } as never });
    entry(logLevel.ERROR, 'Failed to send messages: Not leader', { retryCount: 0, retryTime: 300 });
    entry(logLevel.ERROR, 'Response Produce', { error: 'NOT_LEADER_OR_FOLLOWER', broker: 'b:1' });
    entry(logLevel.WARN, 'Limiting retries for the idempotent producer may invalidate EoS guarantees');
    entry(logLevel.INFO, 'Starting');
    expect(retries).toBe(1);
    expect(lines).toEqual([
      'kafkajs ERROR [Producer] Failed to send messages: Not leader retry=0\n',
      'kafkajs ERROR [Producer] Response Produce: NOT_LEADER_OR_FOLLOWER broker=b:1\n',
    ]);
  });
});

describe('readTlsDir', () => {
  const pem = (name: string) => `-----BEGIN ${name}-----\nAAAA\n-----END ${name}-----\n`;
  it('reads the cert-manager file names', () => {
    const files: Record<string, string> = { '/c/ca.crt': pem('CERTIFICATE'), '/c/tls.crt': pem('CERTIFICATE'), '/c/tls.key': pem('PRIVATE KEY') };
    const read = (p: string) => {
      if (!(p in files)) throw Object.assign(new Error('no'), { code: 'ENOENT' });
      return files[p];
    };
    expect(readTlsDir('/c', read).key).toContain('PRIVATE KEY');
    delete files['/c/tls.key'];
    expect(() => readTlsDir('/c', read)).toThrow('--tls-dir /c: cannot read tls.key (ENOENT)');
    expect(() => readTlsDir('/d', () => 'not pem')).toThrow('--tls-dir /d: ca.crt is not PEM');
  });
});
