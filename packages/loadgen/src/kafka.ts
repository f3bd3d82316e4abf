import { isIP } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { logLevel, type KafkaConfig, type logCreator, type RetryOptions } from 'kafkajs';
import type { CommonConfig } from './args';
import { describeError, EXIT_KAFKA, FatalError, isTlsVerifyCode } from './errors';
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
    // A TLS handshake across regions costs a few 70 ms round trips; acks=all waits for
    // remote followers, so requests get more time than kafkajs' defaults.
    connectionTimeout: 10_000,
    requestTimeout: 60_000,
    retry: retryOptions(cfg.maxRetries),
    logLevel: logLevel.WARN,
    logCreator: log,
  };
}

// The producer never drops a failed batch and stops once kafkajs gives up, so the sequence
// numbers it rolled back are never reused for other records.
const QUIET = ['Limiting retries for the idempotent producer may invalidate EoS guarantees'];

/** kafkajs log lines go to stderr on one line each; every retried failure is counted. */
export function logSink(onRetry: () => void, write: (line: string) => void = (l) => process.stderr.write(l)): logCreator {
  return () =>
    ({ namespace, level, log }) => {
      const { message, retryCount, broker, error } = log as { message: string; retryCount?: number; broker?: string; error?: string };
      if (typeof retryCount === 'number' && level <= logLevel.WARN) onRetry();
      if (level > logLevel.WARN || QUIET.includes(message)) return;
      const why = error && !message.includes(error) ? `: ${error}` : '';
      const where = broker ? ` broker=${broker}` : '';
      const retry = typeof retryCount === 'number' ? ` retry=${retryCount}` : '';
      write(`kafkajs ${level === logLevel.ERROR ? 'ERROR' : 'WARN'} [${namespace}] ${message}${why}${where}${retry}\n`);
    };
}

/**
 * One TLS handshake per bootstrap broker before kafkajs starts: a certificate or host name
 * problem is permanent, so it ends the run at once with its reason instead of after minutes
 * of retries. Unreachable brokers are left to kafkajs' bounded retries.
 */
export async function probeTls(bootstrap: readonly string[], tls: TlsFiles, timeoutMs = 10_000): Promise<void> {
  const attempts = await Promise.all(
    bootstrap.map(
      (entry) =>
        new Promise<{ ok: boolean; error?: Error & { code?: string } }>((resolve) => {
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
          const socket = tlsConnect(options, () => {
            socket.destroy();
            resolve({ ok: true });
          });
          socket.setTimeout(timeoutMs, () => {
            socket.destroy();
            resolve({ ok: false });
          });
          socket.on('error', (error) => {
            socket.destroy();
            resolve({ ok: false, error: Object.assign(error, { broker: entry }) });
          });
        }),
    ),
  );
  if (attempts.some((a) => a.ok)) return;
  const tlsFailure = attempts.find((a) => a.error?.code && isTlsVerifyCode(a.error.code));
  if (tlsFailure) throw new FatalError(describeError(tlsFailure.error), EXIT_KAFKA);
}
