// Grammars of the strings a fleet value becomes: Kubernetes names, DNS names, container image
// references, Git ref names, Go durations and URLs. Each check returns undefined when the value
// is fine, or the reason it is not (one clause, for a FleetError).

import { X509Certificate } from 'node:crypto';

/** Kubernetes' DNS-1123 label (apimachinery IsDNS1123Label): at most 63 characters. */
export const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Kubernetes' DNS-1123 subdomain (apimachinery IsDNS1123Subdomain): labels joined by dots, at most 253 characters. */
export function isDnsSubdomain(s: string): boolean {
  return s.length <= 253 && DNS1123_SUBDOMAIN.test(s);
}

/** A DNS name that ends up in certificates and host names: a DNS-1123 subdomain whose every label is at most 63 characters. */
export function isDnsName(s: string): boolean {
  return isDnsSubdomain(s) && s.split('.').every((label) => label.length <= 63);
}

// ---- container image references (github.com/distribution/reference, regexp.go)

const ALPHANUMERIC = '[a-z0-9]+';
const SEPARATOR = '(?:[._]|__|[-]+)';
const PATH_COMPONENT = `${ALPHANUMERIC}(?:${SEPARATOR}${ALPHANUMERIC})*`;
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?`;
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const REFERENCE = new RegExp(`^((?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*)(?::(${TAG}))?(?:@(${DIGEST}))?$`);
/** distribution/reference NameTotalLengthMax. */
const NAME_MAX = 255;
/** Hex length of the digests the OCI image spec registers (go-digest validates these). */
const DIGEST_HEX: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };

export interface ImageReference {
  /** Registry host with optional port, or undefined for Docker Hub's familiar names (`tchiotludo/akhq`). */
  readonly domain?: string;
  /** Path below the registry (`strimzi/kafka`). */
  readonly path: string;
  readonly tag?: string;
  readonly digest?: string;
}

/**
 * Parses an image reference with the grammar of distribution/reference (what docker, containerd
 * and the kubelet accept): `[registry[:port]/]path[:tag][@digest]`; the first component is a
 * registry when it holds a `.` or a `:` or is `localhost`, as in its splitDockerDomain.
 */
export function parseImageReference(s: string): ImageReference | string {
  const m = REFERENCE.exec(s);
  if (!m) {
    if (REFERENCE.test(s.toLowerCase())) return 'is not an image reference: the repository path must be lowercase';
    return 'is not an image reference ([registry[:port]/]path[:tag][@sha256:digest], path in lowercase letters, digits and . _ -)';
  }
  const [, name, tag, digest] = m;
  if (name.length > NAME_MAX) return `is not an image reference: the name is longer than ${NAME_MAX} characters`;
  if (digest) {
    const [algorithm, hex] = digest.split(':');
    if (DIGEST_HEX[algorithm] !== hex.length || !/^[0-9a-f]+$/.test(hex)) {
      return `has an invalid digest: ${Object.entries(DIGEST_HEX).map(([a, n]) => `${a} takes ${n} lowercase hex digits`).join(', ')}`;
    }
  }
  const slash = name.indexOf('/');
  const first = slash < 0 ? '' : name.slice(0, slash);
  const hasDomain = first !== '' && (first.includes('.') || first.includes(':') || first === 'localhost');
  return { ...(hasDomain ? { domain: first } : {}), path: hasDomain ? name.slice(slash + 1) : name, ...(tag ? { tag } : {}), ...(digest ? { digest } : {}) };
}

/** An image that names exactly one build: a tag other than latest (in any case), or a digest. */
export function pinnedImageProblem(s: string): string | undefined {
  const ref = parseImageReference(s);
  if (typeof ref === 'string') return ref;
  if (ref.tag === undefined && ref.digest === undefined) return 'must be pinned with a tag or digest (no implicit latest)';
  if (ref.tag !== undefined && ref.tag.toLowerCase() === 'latest') return 'must be pinned to a version, not latest';
  return undefined;
}

// ---- Git ref names (git check-ref-format, with --allow-onelevel as for a branch or tag name)

/**
 * Why `s` is not a ref name git would accept, per `git check-ref-format --allow-onelevel`
 * (a 40- or 64-hex commit id passes too). Printable ASCII only here: the revision is printed into
 * manifests and shell commands.
 */
export function gitRefProblem(s: string): string | undefined {
  if (/^([0-9a-f]{40}|[0-9a-f]{64})$/.test(s)) return undefined;
  if (s.length === 0) return 'must not be empty';
  if (s.length > 255) return 'must be at most 255 characters';
  if (/[^\x21-\x7e]/.test(s)) return 'must not hold spaces, control characters or non-ASCII characters';
  if (/[~^:?*[\\]/.test(s)) return 'must not hold any of ~ ^ : ? * [ \\';
  if (s.includes('..')) return 'must not hold ".."';
  if (s.includes('@{') || s === '@') return 'must not hold "@{" or be "@"';
  if (s.startsWith('/') || s.endsWith('/') || s.includes('//')) return 'must not start or end with "/" or hold "//"';
  if (s.endsWith('.')) return 'must not end with "."';
  for (const part of s.split('/')) {
    if (part.startsWith('.')) return 'must not have a component starting with "."';
    if (part.endsWith('.lock')) return 'must not have a component ending with ".lock"';
  }
  if (/[;&|$`'"<>(){}!#]/.test(s)) return 'must not hold shell or template characters (; & | $ ` \' " < > ( ) { } ! #)';
  return undefined;
}

// ---- Go durations (time.ParseDuration)

const GO_UNITS: Record<string, number> = { ns: 1e-9, us: 1e-6, 'µs': 1e-6, 'μs': 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };
/** time.Duration is an int64 of nanoseconds: about 2562047 hours. */
const GO_MAX_SECONDS = (2 ** 63 - 1) / 1e9;

/** Seconds of a Go duration such as 2160h, 1h30m or 1.5h, or undefined when time.ParseDuration would refuse it (or it is negative). */
export function goDurationSeconds(s: string): number | undefined {
  if (s === '0') return 0;
  const re = /([0-9]*(?:\.[0-9]*)?)(ns|us|µs|μs|ms|s|m|h)/gy;
  let total = 0;
  let at = 0;
  if (s.length === 0) return undefined;
  while (at < s.length) {
    re.lastIndex = at;
    const m = re.exec(s);
    if (!m || m[1] === '' || m[1] === '.') return undefined;
    total += Number(m[1]) * GO_UNITS[m[2]];
    at = re.lastIndex;
  }
  return total <= GO_MAX_SECONDS ? total : undefined;
}

// ---- URLs (WHATWG URL parser)

function parseUrl(s: string): URL | undefined {
  try {
    return new URL(s);
  } catch {
    return undefined;
  }
}

/** A registered host name or an IP address, as the URL parser gives it back. */
function hostProblem(u: URL): string | undefined {
  const h = u.hostname;
  if (h === '') return 'has no host';
  if (/^\[[0-9a-f:.]+\]$/.test(h) || /^\d+\.\d+\.\d+\.\d+$/.test(h) || isDnsName(h.toLowerCase())) return undefined;
  return `has a host (${h}) that is not a DNS name or an IP address`;
}

/** The raw text must be what the parser reads, so that nothing (a tab, a newline, a backslash) is silently dropped or rewritten. */
function canonicalProblem(s: string, u: URL): string | undefined {
  if (/[^\x21-\x7e]/.test(s)) return 'must not hold spaces, control characters or non-ASCII characters';
  if (u.href !== s && u.href !== `${s}/`) return `is not in canonical form: write ${u.href.replace(/\/$/, '')}`;
  return undefined;
}

/**
 * A Kubernetes API server URL: https with a host and an optional port, nothing else (no user
 * name or password, path, query or fragment). Checked with the WHATWG URL parser.
 */
export function apiServerUrlProblem(s: string): string | undefined {
  const u = parseUrl(s);
  const allowed = 'must be an https:// URL with a host and an optional port, such as https://api.cluster1.example.com:6443';
  if (!u || u.protocol !== 'https:') return allowed;
  if (u.username || u.password) return `${allowed} (no credentials in the URL)`;
  if (u.pathname !== '/' || u.search || u.hash || s.includes('?') || s.includes('#')) return `${allowed} (no path, query or fragment)`;
  if (u.port === '0') return `${allowed} (port 1-65535)`;
  return hostProblem(u) ?? canonicalProblem(s, u);
}

const SCP_LIKE = /^([A-Za-z0-9._-]+)@([^:/]+):(.+)$/;

/**
 * A Git repository URL the GitOps tools clone: https:// (no credentials: they belong in the
 * tool's repository Secret), ssh:// (a user name, no password), or scp-style user@host:path.
 * No plaintext http:// or git://, which anyone on the path can rewrite.
 */
export function gitRepoUrlProblem(s: string): string | undefined {
  const allowed = 'must be an https://, ssh:// or user@host:path Git URL (no http:// or git://: plaintext Git can be rewritten in transit)';
  const scp = SCP_LIKE.exec(s);
  if (scp && !s.includes('://')) {
    const [, user, host, path] = scp;
    if (user.startsWith('-') || !isDnsName(host.toLowerCase()) || !/^[A-Za-z0-9._~/-]+$/.test(path) || path.startsWith('-')) {
      return `${allowed}: user@host:path with a DNS host and a path of letters, digits and . _ ~ / -`;
    }
    return undefined;
  }
  const u = parseUrl(s);
  if (!u || (u.protocol !== 'https:' && u.protocol !== 'ssh:')) return allowed;
  if (u.password || (u.protocol === 'https:' && u.username)) return `${allowed}: no credentials in the URL (give them to Argo CD or flux bootstrap)`;
  if (u.search || u.hash || s.includes('?') || s.includes('#')) return `${allowed}: no query or fragment`;
  if (u.pathname === '/' || u.pathname === '') return `${allowed}: a repository path is missing`;
  if (u.port === '0') return `${allowed}: port 1-65535`;
  return hostProblem(u) ?? canonicalProblem(s, u);
}

// ---- templates

/**
 * The first string in `value` (a fleet, walked recursively) holding `{{` or `}}`, with its field
 * path: the Argo CD ApplicationSet renders with goTemplate, so such a value would be evaluated.
 */
export function findTemplateDelimiters(value: unknown, path = ''): { field: string; value: string } | undefined {
  if (typeof value === 'string') return value.includes('{{') || value.includes('}}') ? { field: path, value } : undefined;
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) {
      const hit = findTemplateDelimiters(v, `${path}[${i}]`);
      if (hit) return hit;
    }
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const hit = findTemplateDelimiters(v, path ? `${path}.${k}` : k);
      if (hit) return hit;
    }
  }
  return undefined;
}

const PEM_CERTIFICATE = /^-----BEGIN CERTIFICATE-----\r?\n(?:[A-Za-z0-9+/=]{1,76}\r?\n)+-----END CERTIFICATE-----\r?\n?$/;

/**
 * Why `s` is not one PEM CA certificate (undefined: it is): exactly one `CERTIFICATE` block that
 * parses as X.509 and has basicConstraints CA:TRUE. A private key, a bundle of several
 * certificates or a leaf is refused, so the trust ConfigMap only ever carries CA certificates.
 */
export function caCertificateProblem(s: string): string | undefined {
  const trimmed = s.trim() + '\n';
  if (!PEM_CERTIFICATE.test(trimmed)) return 'must be one PEM certificate (-----BEGIN CERTIFICATE----- ... -----END CERTIFICATE-----, nothing else: no key, no second certificate)';
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(trimmed);
  } catch {
    return 'must be one PEM certificate that parses as X.509';
  }
  if (!cert.ca) return `must be a CA certificate (basicConstraints CA:TRUE); ${cert.subject.replace(/\n/g, ', ')} is a leaf`;
  return undefined;
}

/** The entry as the trust ConfigMap holds it: the PEM block alone, one trailing newline. */
export function normalPem(s: string): string {
  return s.trim().replace(/\r\n/g, '\n') + '\n';
}
