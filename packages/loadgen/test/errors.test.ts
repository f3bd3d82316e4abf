import { KafkaJSConnectionError, KafkaJSGroupCoordinatorNotFound, KafkaJSNonRetriableError, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError, logLevel } from 'kafkajs';
import type { CommonConfig } from '../src/args';
import { describeError, isClientCertRejection, isTlsVerifyCode, notReadyReason } from '../src/errors';
import { kafkaConfig, logSink, retryOptions } from '../src/kafka';
import { readTlsDir } from '../src/tls';

// kafkajs' typings leave out the message argument its errors take.
const CoordinatorNotFound = KafkaJSGroupCoordinatorNotFound as unknown as new (message: string) => Error;

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
    expect(describeError(socketError('ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE', 'alert'))).toBe(
      'TLS handshake with kafka-3.us-west4:9093 failed: ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE',
    );
    expect(describeError(socketError('ENOTFOUND', 'getaddrinfo ENOTFOUND'))).toBe('cannot resolve kafka-3.us-west4:9093 (ENOTFOUND)');
    expect(describeError(new KafkaJSConnectionError('Connection timeout', { broker: 'b:1' }))).toBe('connection to b:1 timed out');
  });

  it('names a missing topic', () => {
    // kafkajs builds protocol errors from its error table entry, which carries `type`.
    const entry = { message: 'This server does not host this topic-partition', type: 'UNKNOWN_TOPIC_OR_PARTITION', code: 3, retriable: true };
    const e = new KafkaJSProtocolError(entry as unknown as Error);
    expect(describeError(e, 'perf')).toBe('topic perf does not exist (UNKNOWN_TOPIC_OR_PARTITION)');
  });

  it('names a refused client certificate for every alert a server sends about it', () => {
    // Java brokers send certificate_unknown or bad_certificate; OpenSSL servers unknown_ca, and
    // certificate_required in TLS 1.3 when no certificate came at all.
    for (const code of [
      'ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN',
      'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE',
      'ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED',
      'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA',
      'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
      'ERR_SSL_TLSV1_ALERT_ACCESS_DENIED',
    ]) {
      expect(isClientCertRejection(code)).toBe(true);
      const wrapped = new KafkaJSNumberOfRetriesExceeded(socketError(code, 'alert'), { retryCount: 3, retryTime: 1000 });
      expect(describeError(wrapped)).toBe(`TLS handshake with kafka-3.us-west4:9093 failed: the broker rejected the client certificate (${code})`);
    }
    // Local verification failures and other handshake errors are not about the client's certificate.
    for (const code of ['ERR_SSL_WRONG_VERSION_NUMBER', 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'ECONNRESET']) {
      expect(isClientCertRejection(code)).toBe(false);
    }
  });

  it('tells a missing topic or missing authorization (worth waiting for) from other errors', () => {
    const protocol = (type: string) => new KafkaJSProtocolError({ message: type, type, code: 0, retriable: false } as unknown as Error);
    expect(notReadyReason(protocol('TOPIC_AUTHORIZATION_FAILED'), 'perf')).toMatch(/^not authorized to describe topic perf \(TOPIC_AUTHORIZATION_FAILED/);
    expect(notReadyReason(protocol('UNKNOWN_TOPIC_OR_PARTITION'), 'perf')).toBe('topic perf does not exist (UNKNOWN_TOPIC_OR_PARTITION)');
    expect(notReadyReason(protocol('GROUP_AUTHORIZATION_FAILED'), 'perf', 'g1')).toMatch(/^not authorized for consumer group g1 \(GROUP_AUTHORIZATION_FAILED/);
    expect(notReadyReason(protocol('CLUSTER_AUTHORIZATION_FAILED'), 'perf')).toMatch(/idempotent producer \(CLUSTER_AUTHORIZATION_FAILED/);
    // The group's coordinator moving or loading (a region cut, a first group) is worth waiting for too.
    for (const type of ['NOT_COORDINATOR_FOR_GROUP', 'GROUP_COORDINATOR_NOT_AVAILABLE', 'GROUP_LOAD_IN_PROGRESS']) {
      expect(notReadyReason(protocol(type), 'perf', 'g1')).toBe(`the coordinator of consumer group g1 is moving or loading (${type})`);
    }
    // Through kafkajs' wrapper for a bailed request, as its retrier builds it for fetchTopicMetadata
    // (src/retry/index.js passes the cause, which kafkajs' typings leave out).
    const NonRetriable = KafkaJSNonRetriableError as unknown as new (e: Error, o: { cause: Error }) => Error;
    const bailed = new NonRetriable(protocol('TOPIC_AUTHORIZATION_FAILED'), { cause: protocol('TOPIC_AUTHORIZATION_FAILED') });
    expect(notReadyReason(bailed, 'perf')).toMatch(/TOPIC_AUTHORIZATION_FAILED/);
    expect(describeError(bailed, 'perf')).toMatch(/^not authorized to describe topic perf/);
    // kafkajs drops GROUP_AUTHORIZATION_FAILED from FindCoordinator and throws this instead.
    const noCoordinator = new NonRetriable(new CoordinatorNotFound('Failed to find group coordinator'), {
      cause: new CoordinatorNotFound('Failed to find group coordinator'),
    });
    expect(notReadyReason(noCoordinator, 'perf', 'g1')).toMatch(/^no coordinator found for consumer group g1 \(usually GROUP_AUTHORIZATION_FAILED/);
    expect(notReadyReason(protocol('NOT_LEADER_OR_FOLLOWER'), 'perf')).toBeUndefined();
    // Brokers not up yet (a first install) are worth waiting for too; a TLS failure is not.
    const wrapped = new KafkaJSNumberOfRetriesExceeded(socketError('ECONNREFUSED', 'refused'), { retryCount: 5, retryTime: 3000 });
    expect(notReadyReason(wrapped, 'perf')).toBe('connection refused to kafka-3.us-west4:9093');
    expect(notReadyReason(socketError('ENOTFOUND', 'getaddrinfo ENOTFOUND'), 'perf')).toBe('cannot resolve kafka-3.us-west4:9093 (ENOTFOUND)');
    expect(notReadyReason(socketError('ERR_TLS_CERT_ALTNAME_INVALID', 'altname'), 'perf')).toBeUndefined();
    expect(notReadyReason(socketError('ECONNRESET', 'reset'), 'perf')).toBeUndefined();
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
  waitForTopicS: 0,
  shutdownTimeoutS: 20,
  requestTimeoutMs: 19_000,
  connectionTimeoutMs: 4000,
};

describe('kafka client settings', () => {
  it('uses PEM files with verification left on and per-broker SNI left to kafkajs', () => {
    const cfg = kafkaConfig(common, { ca: 'CA', cert: 'CERT', key: 'KEY' }, logSink(7, () => undefined));
    expect(cfg.ssl).toEqual({ ca: ['CA'], cert: 'CERT', key: 'KEY' });
    // Neither rejectUnauthorized:false nor one fixed servername for every broker.
    expect(cfg.ssl).not.toHaveProperty('rejectUnauthorized');
    expect(cfg.ssl).not.toHaveProperty('servername');
    expect(cfg.retry).toEqual(retryOptions(7));
    expect(kafkaConfig({ ...common, tlsDir: undefined, plaintext: true }, undefined, logSink(7, () => undefined)).ssl).toBe(false);
    // The timeouts are the ones given (derived from the fleet by the Jobs and the harness).
    expect(cfg).toMatchObject({ requestTimeout: 19_000, connectionTimeout: 4000 });
  });

  it('bounds retries with capped exponential backoff', () => {
    expect(retryOptions(10)).toMatchObject({ retries: 10, maxRetryTime: 10_000, multiplier: 2 });
  });

  it('counts retried failures and prints warnings on one line each', () => {
    let retries = 0;
    const lines: string[] = [];
    const log = logSink(10, () => retries++, (l) => lines.push(l))(logLevel.WARN);
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

describe('kafkajs log lines while waiting for the topic', () => {
  it('drops the refused-request lines the wait reports itself, only while waiting', () => {
    let waiting = true;
    const lines: string[] = [];
    const log = logSink(10, () => undefined, (l) => lines.push(l), () => waiting)(logLevel.WARN);
    const entry = (namespace: string, message: string) =>
      log({ namespace, level: logLevel.ERROR, label: '', log: { message, timestamp: '', logger: 'kafkajs' } as never });
    entry('Connection', 'Response Metadata(key: 3, version: 6): Not authorized to access topics: [Topic authorization failed]');
    entry('BrokerPool', 'Failed to connect to seed broker');
    waiting = false;
    entry('Connection', 'Response Metadata(key: 3, version: 6): Not authorized to access topics: [Topic authorization failed]');
    expect(lines).toEqual([
      'kafkajs ERROR [BrokerPool] Failed to connect to seed broker\n',
      'kafkajs ERROR [Connection] Response Metadata(key: 3, version: 6): Not authorized to access topics: [Topic authorization failed]\n',
    ]);
  });
});

describe('retry count', () => {
  // What kafkajs 2.2.4 logs when every attempt fails: retryCount 0..retries, the last one being
  // the failure after which it gives up (src/retry/index.js: shouldRetry = retryCount < retries).
  const attempts = (maxRetries: number, logged: number, message: unknown = 'Failed to connect to seed broker') => {
    let retries = 0;
    const log = logSink(maxRetries, () => retries++, () => undefined)(logLevel.WARN);
    for (let retryCount = 0; retryCount < logged; retryCount++) {
      log({ namespace: 'BrokerPool', level: logLevel.ERROR, label: '', log: { message, retryCount, retryTime: 300, timestamp: '', logger: 'kafkajs' } as never });
    }
    return retries;
  };

  it('counts the retries kafkajs made, not the failed attempts', () => {
    expect(attempts(2, 3)).toBe(2);
    expect(attempts(10, 11)).toBe(10);
    // Two failures and then a success: both were retried.
    expect(attempts(10, 2)).toBe(2);
  });

  it('does not count a failure kafkajs bailed on (logged with the error object as the message)', () => {
    expect(attempts(10, 1, new Error('Not authorized'))).toBe(0);
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
