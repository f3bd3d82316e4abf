import { isIP } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { logLevel, type KafkaConfig, type logCreator, type RetryOptions } from 'kafkajs';
import type { CommonConfig } from './args';
import { describeError, EXIT_KAFKA, FatalError, isClientCertRejection, isTlsVerifyCode } from './errors';
import type { TlsFiles } from './tls';

/**
 * Exponential backoff from 300 ms, doubling, capped at 10 s per wait: 10 retries span about a
 * minute, longer than a ZooKeeper-mode leader failover (session timeout 18 s), and a recovered
 * leader is found within 10 s instead of after a 30 s nap.
 */
export function retryOptions(maxRetries: number): RetryOptions {
  return { retries: maxRetries, initialRetryTime: 300, maxRetryTime: 10_000, multiplier: 2, factor: 0.2 };
}

export function kafkaConfig(cfg: CommonConfig, tls: TlsFiles | undefined, log: logCreator): KafkaConfig {
  return {
    clientId: cfg.clientId,
    brokers: [...cfg.bootstrap],
    ssl: tls ? { ca: [tls.ca], cert: tls.cert, key: tls.key } : false,
    // Derived from the fleet by whoever runs the program (clientTimeouts in @stretched-kafka/kafka):
    // a request outlives the legitimate acks=all wait for a follower to leave the ISR, and a
    // silent broker is then dropped (patched kafkajs: patches/kafkajs+2.2.4.patch).
    connectionTimeout: cfg.connectionTimeoutMs,
    requestTimeout: cfg.requestTimeoutMs,
    retry: retryOptions(cfg.maxRetries),
    logLevel: logLevel.WARN,
    logCreator: log,
  };
}

// The producer never drops a failed batch and stops once kafkajs gives up, so the sequence
// numbers it rolled back are never reused for other records.
const QUIET = ['Limiting retries for the idempotent producer may invalidate EoS guarantees'];

/**
 * kafkajs log lines go to stderr on one line each, and retries are counted. kafkajs logs every
 * failed attempt with its retryCount (0 for the first), including the last one, after which it
 * gives up, and a failure it bails on at once (logged with the error object as the message):
 * only a failure with attempts left (retryCount below maxRetries) was retried.
 */
export function logSink(
  maxRetries: number,
  onRetry: () => void,
  write: (line: string) => void = (l) => process.stderr.write(l),
  waiting: () => boolean = () => false,
): logCreator {
  return () =>
    ({ namespace, level, log }) => {
      const { message, retryCount, broker, error } = log as { message: unknown; retryCount?: number; broker?: string; error?: string };
      if (typeof retryCount === 'number' && retryCount < maxRetries && typeof message === 'string' && level <= logLevel.WARN) onRetry();
      const text = String(message);
      if (level > logLevel.WARN || QUIET.includes(text)) return;
      // While the program waits for the topic and ACLs, its own progress line says why; kafkajs
      // would add an ERROR line for every refused request (every 2 s for up to ten minutes).
      if (waiting() && namespace === 'Connection' && text.startsWith('Response ')) return;
      const why = error && !text.includes(error) ? `: ${error}` : '';
      const where = broker ? ` broker=${broker}` : '';
      const retry = typeof retryCount === 'number' ? ` retry=${retryCount}` : '';
      write(`kafkajs ${level === logLevel.ERROR ? 'ERROR' : 'WARN'} [${namespace}] ${text}${why}${where}${retry}\n`);
    };
}

/** ApiVersions (key 18) v0: every Kafka broker answers it, before any other request. */
export function apiVersionsRequest(correlationId: number, clientId: string): Buffer {
  const id = Buffer.from(clientId.slice(0, 256), 'utf8');
  const frame = Buffer.alloc(4 + 10 + id.length);
  frame.writeInt32BE(10 + id.length, 0); // size of what follows
  frame.writeInt16BE(18, 4); // api key: ApiVersions
  frame.writeInt16BE(0, 6); // api version 0: request header v1, empty body
  frame.writeInt32BE(correlationId, 8);
  frame.writeInt16BE(id.length, 12);
  id.copy(frame, 14);
  return frame;
}

export type ProbeOutcome =
  | { readonly kind: 'answered' }
  | { readonly kind: 'error'; readonly error: Error & { code?: string } }
  /** The TLS session was up, then the broker closed it without answering. */
  | { readonly kind: 'closed' }
  | { readonly kind: 'timeout' };

/**
 * One TLS connection to one broker that sends ApiVersions and waits for its answer. With TLS 1.3
 * the client's handshake completes before the server has checked the client certificate; a
 * broker that refuses it sends its alert after that, so only a request that gets an answer
 * proves the certificate was accepted.
 */
export function probeBroker(entry: string, tls: TlsFiles, clientId: string, timeoutMs: number, cancel?: AbortSignal): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    const colon = entry.lastIndexOf(':');
    const host = entry.slice(0, colon);
    const options: ConnectionOptions = {
      host,
      port: Number(entry.slice(colon + 1)),
      ca: [tls.ca],
      cert: tls.cert,
      key: tls.key,
      ...(isIP(host) ? {} : { servername: host }),
    };
    const correlationId = 0x51c0de;
    let settled = false;
    let secured = false;
    let received = Buffer.alloc(0);
    const finish = (outcome: ProbeOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      cancel?.removeEventListener('abort', onCancel);
      socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(() => finish({ kind: 'timeout' }), timeoutMs);
    const onCancel = (): void => finish({ kind: 'timeout' });
    cancel?.addEventListener('abort', onCancel, { once: true });
    const socket = tlsConnect(options, () => {
      secured = true;
      socket.write(apiVersionsRequest(correlationId, clientId));
    });
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      // A response: int32 size, then the correlation id of the request.
      if (received.length >= 8 && received.readInt32BE(4) === correlationId) finish({ kind: 'answered' });
    });
    socket.on('error', (error: Error & { code?: string }) => {
      // A reset once the session is up is a close without an answer; an alert stays an error.
      if (secured && !error.code?.startsWith('ERR_SSL_')) finish({ kind: 'closed' });
      else finish({ kind: 'error', error: Object.assign(error, { broker: entry }) });
    });
    socket.on('close', () => finish(secured ? { kind: 'closed' } : { kind: 'timeout' }));
  });
}

/**
 * Probes every bootstrap broker before kafkajs starts: a certificate or host name problem is
 * permanent, so it ends the run at once with its reason instead of after a minute of retries.
 * One broker that answers is enough; unreachable brokers are left to kafkajs' bounded retries.
 *
 * A refused client certificate shows as an alert (Java brokers send certificate_unknown or
 * bad_certificate) or, from servers that check the certificate after the handshake (Node's
 * own TLS server does), as a close without an answer. A Kafka broker answers ApiVersions on
 * every session it accepted, so when no broker answered and the sessions that came up were all
 * closed unanswered, the certificate was refused.
 */
export async function probeTls(
  bootstrap: readonly string[],
  tls: TlsFiles,
  clientId = 'stretched-kafka-load-probe',
  timeoutMs = 10_000,
  stop?: AbortSignal,
): Promise<void> {
  // The first answer ends the probe; a stop request ends it too, without a verdict.
  const done = new AbortController();
  const onStop = (): void => done.abort();
  stop?.addEventListener('abort', onStop, { once: true });
  if (stop?.aborted) done.abort();
  const outcomes = await Promise.all(
    bootstrap.map((entry) =>
      probeBroker(entry, tls, clientId, timeoutMs, done.signal).then((o) => {
        if (o.kind === 'answered') done.abort();
        return { ...o, broker: entry };
      }),
    ),
  );
  stop?.removeEventListener('abort', onStop);
  if (stop?.aborted || outcomes.some((o) => o.kind === 'answered')) return;
  for (const o of outcomes) {
    if (o.kind === 'error' && o.error.code && (isTlsVerifyCode(o.error.code) || isClientCertRejection(o.error.code))) {
      throw new FatalError(describeError(o.error), EXIT_KAFKA);
    }
  }
  const closed = outcomes.find((o) => o.kind === 'closed');
  if (closed) {
    throw new FatalError(
      `TLS handshake with ${closed.broker} failed: the broker rejected the client certificate (it closed the session without answering a request)`,
      EXIT_KAFKA,
    );
  }
}
