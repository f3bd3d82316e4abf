export const EXIT_OK = 0;
/** Verify found loss or reordering. */
export const EXIT_VERIFY_FAILED = 1;
export const EXIT_USAGE = 2;
/** Brokers unreachable after the bounded retries, TLS failure, or another fatal Kafka error. */
export const EXIT_KAFKA = 3;

/** Ends the run with `exitCode` and a one-line message. */
export class FatalError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

const CERT_VERIFY_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'INVALID_CA',
]);

interface ErrorLike {
  name?: string;
  message?: string;
  code?: unknown;
  broker?: string;
  host?: string;
  port?: number;
  cause?: unknown;
  originalError?: unknown;
  type?: string;
}

/** The error and everything it wraps (kafkajs nests the socket error under retry errors). */
function chain(e: unknown): ErrorLike[] {
  const out: ErrorLike[] = [];
  let cur: unknown = e;
  while (cur && typeof cur === 'object' && out.length < 10 && !out.includes(cur as ErrorLike)) {
    out.push(cur as ErrorLike);
    const next: ErrorLike = cur as ErrorLike;
    cur = next.cause ?? next.originalError;
  }
  return out;
}

/** True when a TLS peer verification failed: retrying cannot help. */
export function isTlsVerifyCode(code: string): boolean {
  return CERT_VERIFY_CODES.has(code) || code === 'ERR_TLS_CERT_ALTNAME_INVALID' || code.startsWith('ERR_SSL_');
}

/**
 * True for the TLS alerts a server sends when it refuses the client's certificate: OpenSSL
 * (Node) names them ERR_SSL_<version>_ALERT_<alert>. bad_certificate, unsupported_certificate,
 * certificate_revoked/expired/unknown, certificate_required (TLS 1.3, none sent), unknown_ca
 * (issuer not trusted) and access_denied. Java brokers send certificate_unknown or bad_certificate.
 */
export function isClientCertRejection(code: string): boolean {
  return code.startsWith('ERR_SSL_') && code.includes('_ALERT_') && /CERTIFICATE|UNKNOWN_CA|ACCESS_DENIED/.test(code);
}

/** Kafka error types that mean "not there yet" while the topic and ACLs are being created. */
const NOT_READY_TYPES = new Set([
  'UNKNOWN_TOPIC_OR_PARTITION',
  'TOPIC_AUTHORIZATION_FAILED',
  'GROUP_AUTHORIZATION_FAILED',
  'NOT_COORDINATOR_FOR_GROUP',
  'GROUP_COORDINATOR_NOT_AVAILABLE',
  'GROUP_LOAD_IN_PROGRESS',
  'CLUSTER_AUTHORIZATION_FAILED',
]);

/**
 * kafkajs 2.2.4 drops the broker's answer when no broker names a group coordinator (brokerPool
 * withBroker swallows each broker's error) and throws KafkaJSGroupCoordinatorNotFound; its
 * Connection log line just before names the cause, which during startup is GROUP_AUTHORIZATION_FAILED.
 */
const COORDINATOR_NOT_FOUND = 'KafkaJSGroupCoordinatorNotFound';

/** Socket errors of a broker that is not (yet) there: refused, unresolvable, unreachable. */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

function kafkaType(errors: readonly ErrorLike[]): string | undefined {
  const typed = errors.find((x) => typeof x.type === 'string' && NOT_READY_TYPES.has(x.type))?.type;
  return typed ?? (errors.some((x) => x.name === COORDINATOR_NOT_FOUND) ? COORDINATOR_NOT_FOUND : undefined);
}

/**
 * One line for a missing topic or missing authorization, or undefined for any other error.
 * Kafka answers TOPIC_AUTHORIZATION_FAILED also for a topic that does not exist when the client
 * may not describe it, so before the ACLs exist the two cannot be told apart.
 */
export function notReadyReason(e: unknown, topic?: string, group?: string): string | undefined {
  const t = topic ? `topic ${topic}` : 'the topic';
  const errors = chain(e);
  // Brokers not up or not yet resolvable: on a first install the load Jobs sync with the stack
  // and start before the brokers (or their clusterset names) exist. A TLS failure is no such
  // state: it stays an error at once.
  if (errors.some((x) => (typeof x.code === 'string' && UNREACHABLE_CODES.has(x.code)) || x.message === 'Connection timeout')) return describeError(e, topic);
  switch (kafkaType(errors)) {
    case 'UNKNOWN_TOPIC_OR_PARTITION':
      return `${t} does not exist (UNKNOWN_TOPIC_OR_PARTITION)`;
    case 'TOPIC_AUTHORIZATION_FAILED':
      return `not authorized to describe ${t} (TOPIC_AUTHORIZATION_FAILED: no ACLs for this client yet, or the topic does not exist)`;
    case 'GROUP_AUTHORIZATION_FAILED':
      return `not authorized for ${group ? `consumer group ${group}` : 'the consumer group'} (GROUP_AUTHORIZATION_FAILED: no Read ACL on it yet)`;
    case COORDINATOR_NOT_FOUND:
      return `no coordinator found for ${group ? `consumer group ${group}` : 'the consumer group'} (usually GROUP_AUTHORIZATION_FAILED: no Read ACL on it yet; kafkajs logs the cause above)`;
    case 'NOT_COORDINATOR_FOR_GROUP':
    case 'GROUP_COORDINATOR_NOT_AVAILABLE':
    case 'GROUP_LOAD_IN_PROGRESS':
      // __consumer_offsets is being created, loaded or moved (a first group, a restart, a region cut).
      return `the coordinator of ${group ? `consumer group ${group}` : 'the consumer group'} is moving or loading (${kafkaType(errors)})`;
    case 'CLUSTER_AUTHORIZATION_FAILED':
      return `not authorized to start an idempotent producer (CLUSTER_AUTHORIZATION_FAILED: needs Write on ${t})`;
    default:
      return undefined;
  }
}

/** One line naming the broker and the reason, for the errors users hit most. */
export function describeError(e: unknown, topic?: string): string {
  const errors = chain(e);
  const broker =
    errors.map((x) => x.broker ?? (x.host && x.port ? `${x.host}:${x.port}` : undefined)).find((b) => b) ?? 'the brokers';
  const coded = errors.find((x) => typeof x.code === 'string');
  const code = coded ? String(coded.code) : '';
  const innermost = errors[errors.length - 1] ?? {};
  const reason = (coded?.message ?? innermost.message ?? String(e)).replace(/^Connection error: /, '');
  if (code === 'ECONNREFUSED') return `connection refused to ${broker}`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `cannot resolve ${broker} (${code})`;
  if (code === 'ETIMEDOUT' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return `cannot reach ${broker} (${code})`;
  if (code === 'ECONNRESET' || code === 'EPIPE') return `connection reset by ${broker}: ${reason}`;
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return `TLS host name mismatch for ${broker}: ${reason}`;
  if (CERT_VERIFY_CODES.has(code)) return `TLS certificate verify failed for ${broker}: ${code}`;
  if (isClientCertRejection(code)) {
    return `TLS handshake with ${broker} failed: the broker rejected the client certificate (${code})`;
  }
  if (code.startsWith('ERR_SSL_')) return `TLS handshake with ${broker} failed: ${code}`;
  if (errors.some((x) => x.message === 'Connection timeout')) return `connection to ${broker} timed out`;
  const notReady = notReadyReason(e, topic);
  if (notReady) return notReady;
  const named = errors.find((x) => x.type) ?? innermost;
  const at = broker === 'the brokers' ? '' : ` (${broker})`;
  return `${named.name ?? 'Error'}: ${named.type ? `${named.type} ` : ''}${reason}${at}`.replace(/\s+/g, ' ').trim();
}
