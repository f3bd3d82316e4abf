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
  if (code.startsWith('ERR_SSL_') && code.includes('ALERT') && code.includes('CERTIFICATE')) {
    return `TLS handshake with ${broker} failed: the broker rejected the client certificate (${code})`;
  }
  if (code.startsWith('ERR_SSL_')) return `TLS handshake with ${broker} failed: ${code}`;
  if (errors.some((x) => x.message === 'Connection timeout')) return `connection to ${broker} timed out`;
  if (errors.some((x) => x.type === 'UNKNOWN_TOPIC_OR_PARTITION')) return `topic ${topic ?? ''} does not exist (UNKNOWN_TOPIC_OR_PARTITION)`.replace('  ', ' ');
  const named = errors.find((x) => x.type) ?? innermost;
  const at = broker === 'the brokers' ? '' : ` (${broker})`;
  return `${named.name ?? 'Error'}: ${named.type ? `${named.type} ` : ''}${reason}${at}`.replace(/\s+/g, ' ').trim();
}
