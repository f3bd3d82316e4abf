import {
  apiServerUrlProblem,
  findTemplateDelimiters,
  gitRefProblem,
  gitRepoUrlProblem,
  goDurationSeconds,
  isDnsName,
  isDnsSubdomain,
  parseImageReference,
  pinnedImageProblem,
} from '../src';

describe('image references (distribution/reference grammar)', () => {
  test.each([
    ['quay.io/strimzi/kafka:0.45.0-kafka-3.9.0', { domain: 'quay.io', path: 'strimzi/kafka', tag: '0.45.0-kafka-3.9.0' }],
    ['registry:5000/name:tag', { domain: 'registry:5000', path: 'name', tag: 'tag' }],
    ['localhost:5000/akhq:0.25.1', { domain: 'localhost:5000', path: 'akhq', tag: '0.25.1' }],
    ['localhost/akhq:1', { domain: 'localhost', path: 'akhq', tag: '1' }],
    ['[::1]:5000/a/b:c', { domain: '[::1]:5000', path: 'a/b', tag: 'c' }],
    ['tchiotludo/akhq:0.25.1', { path: 'tchiotludo/akhq', tag: '0.25.1' }],
    ['busybox:1.36', { path: 'busybox', tag: '1.36' }],
    ['Registry.Corp:443/a__b/c-d.e:_x', { domain: 'Registry.Corp:443', path: 'a__b/c-d.e', tag: '_x' }],
    [`ghcr.io/corp/load:1.0@sha256:${'a'.repeat(64)}`, { domain: 'ghcr.io', path: 'corp/load', tag: '1.0', digest: `sha256:${'a'.repeat(64)}` }],
    [`ghcr.io/corp/load@sha512:${'0'.repeat(128)}`, { domain: 'ghcr.io', path: 'corp/load', digest: `sha512:${'0'.repeat(128)}` }],
  ])('%s parses', (s, expected) => {
    expect(parseImageReference(s)).toEqual(expected);
    expect(pinnedImageProblem(s)).toBeUndefined();
  });

  test.each([
    ['ghcr.io/Corp/load:1.0', /repository path must be lowercase/],
    ['ghcr.io/corp/load:1.0 --privileged', /is not an image reference/],
    [`x:${'a'.repeat(129)}`, /is not an image reference/],
    ['x:.tag', /is not an image reference/],
    ['-x/y:1', /is not an image reference/],
    ['a//b:1', /is not an image reference/],
    ['a/b-:1', /is not an image reference/],
    ['a/b:1@sha256:abc', /is not an image reference/],
    [`a/b@sha256:${'A'.repeat(64)}`, /invalid digest/],
    [`a/b@sha256:${'a'.repeat(63)}0a`, /invalid digest/],
    [`a/b@md5:${'a'.repeat(32)}`, /invalid digest/],
    [`r.io/${'a'.repeat(251)}:1`, /longer than 255/],
    ['tchiotludo/akhq:LATEST', /not latest/],
    ['tchiotludo/akhq:Latest', /not latest/],
    ['tchiotludo/akhq:latest', /not latest/],
    ['tchiotludo/akhq', /pinned with a tag or digest/],
    ['registry:5000/name', /pinned with a tag or digest/],
  ])('%s is refused', (s, reason) => {
    expect(pinnedImageProblem(s)).toMatch(reason);
  });
});

describe('Git ref names (git check-ref-format --allow-onelevel)', () => {
  test.each(['main', 'release/2026-12', 'v1.4.0', 'HEAD', 'refs/heads/main', 'feature/a.b_c-d', 'a'.repeat(40), '0123456789abcdef'.repeat(4)])('%s is a ref', (s) => {
    expect(gitRefProblem(s)).toBeUndefined();
  });
  test.each([
    ['', /empty/],
    ['main branch', /spaces/],
    ['main\nx', /control/],
    ['main\tx', /control/],
    ['mäin', /non-ASCII/],
    ['a..b', /"\.\."/],
    ['a~1', /~/],
    ['a^', /~/],
    ['a:b', /~/],
    ['a?', /~/],
    ['a*', /~/],
    ['a[b', /~/],
    ['a\\b', /~/],
    ['main@{1}', /@\{/],
    ['@', /@\{/],
    ['/main', /"\/"/],
    ['main/', /"\/"/],
    ['a//b', /"\/"/],
    ['main.', /end with "\."/],
    ['.hidden', /starting with "\."/],
    ['a/.b', /starting with "\."/],
    ['release.lock', /\.lock/],
    ['a.lock/b', /\.lock/],
    ['main;rm', /shell/],
    ['$(id)', /shell/],
    ['a`b`', /shell/],
    ['{x}', /shell or template/],
    ['x'.repeat(256), /255/],
  ])('%j is refused', (s, reason) => {
    expect(gitRefProblem(s)).toMatch(reason);
  });
});

describe('Go durations (time.ParseDuration)', () => {
  test.each([
    ['2160h', 2160 * 3600],
    ['360h', 360 * 3600],
    ['1h30m', 5400],
    ['1.5h', 5400],
    ['90m', 5400],
    ['.5h', 1800],
    ['1h0m0s', 3600],
    ['300ms', 0.3],
    ['1us', 1e-6],
    ['1µs', 1e-6],
    ['0', 0],
  ])('%s = %d s', (s, seconds) => {
    expect(goDurationSeconds(s)).toBeCloseTo(seconds, 9);
  });
  test.each(['', '90d', '1', '-1h', '+1h', 'h', '1h ', ' 1h', '.h', '1hh', '3000000h'])('%j is refused', (s) => {
    expect(goDurationSeconds(s)).toBeUndefined();
  });
});

describe('API server URLs (WHATWG URL parser)', () => {
  test.each(['https://api.cluster1.example.com:6443', 'https://api.cluster1.example.com', 'https://10.0.0.1:6443', 'https://[fd00::1]:6443', 'https://kubernetes.default.svc'])('%s', (s) => {
    expect(apiServerUrlProblem(s)).toBeUndefined();
  });
  test.each([
    ['http://api.example.com:6443', /must be an https:\/\//],
    ['git@api.example.com:6443', /must be an https:\/\//],
    ['api.example.com:6443', /must be an https:\/\//],
    ['https://user:pw@api.example.com', /no credentials/],
    ['https://user@api.example.com', /no credentials/],
    ['https://api.example.com/k8s/clusters/c-1', /no path/],
    ['https://api.example.com?x=1', /no path, query/],
    ['https://api.example.com#x', /no path, query/],
    ['https://api.example.com:0', /port 1-65535/],
    ['https://api.example.com:65536', /must be an https:\/\//],
    ['https://api.example.com\n:6443', /control characters/],
    ['https://API.example.com', /canonical form: write https:\/\/api\.example\.com/],
    ['https://0x7f.1:6443', /canonical form: write https:\/\/127\.0\.0\.1:6443/],
    ['https://a_b.example.com', /not a DNS name/],
  ])('%j is refused', (s, reason) => {
    expect(apiServerUrlProblem(s)).toMatch(reason);
  });
});

describe('Git repository URLs', () => {
  test.each([
    'https://git.example.com/platform/kafka.git',
    'ssh://git@git.example.com/platform/kafka.git',
    'ssh://git@git.example.com:2222/platform/kafka.git',
    'git@github.com:corp/kafka.git',
    'deploy@git.corp.internal:/srv/git/kafka.git',
  ])('%s', (s) => {
    expect(gitRepoUrlProblem(s)).toBeUndefined();
  });
  test.each([
    ['http://git.example.com/kafka.git', /no http:\/\//],
    ['git://git.example.com/kafka.git', /no http:\/\//],
    ['file:///srv/kafka.git', /no http:\/\//],
    ['https://user:token@git.example.com/kafka.git', /no credentials/],
    ['https://token@git.example.com/kafka.git', /no credentials/],
    ['ssh://git:pw@git.example.com/kafka.git', /no credentials/],
    ['https://git.example.com', /repository path is missing/],
    ['https://git.example.com/kafka.git?ref=x', /no query/],
    ['git@-oProxyCommand=x:y', /user@host:path/],
    ['-o@host:path', /user@host:path/],
    ['git@host:-upload-pack=x', /user@host:path/],
    ['git@host:a b', /user@host:path/],
    ['ssh://-oProxyCommand=x/y', /not a DNS name/],
  ])('%j is refused', (s, reason) => {
    expect(gitRepoUrlProblem(s)).toMatch(reason);
  });
});

describe('DNS names (Kubernetes apimachinery rules)', () => {
  test.each([
    ['cluster.local', true, true],
    ['a', true, true],
    ['a-b.c-d', true, true],
    [`${'a'.repeat(64)}.local`, true, false],
    ['a..b', false, false],
    ['.a', false, false],
    ['a.', false, false],
    ['-a.b', false, false],
    ['a-.b', false, false],
    ['A.b', false, false],
    ['a_b', false, false],
    [Array(64).fill('abc').join('.'), false, false],
  ])('%s: subdomain %s, DNS name %s', (s, subdomain, dnsName) => {
    expect(isDnsSubdomain(s)).toBe(subdomain);
    expect(isDnsName(s)).toBe(dnsName);
  });
});

describe('template delimiters anywhere in the fleet', () => {
  test('names the first string holding {{ or }}, nested in objects and lists', () => {
    expect(findTemplateDelimiters({ a: { b: ['x', 'y {{ .z'] } })).toEqual({ field: 'a.b[1]', value: 'y {{ .z' });
    expect(findTemplateDelimiters({ a: [{ c: 'end }}' }] })).toEqual({ field: 'a[0].c', value: 'end }}' });
    expect(findTemplateDelimiters({ a: '{ single }', n: 1, b: true, c: null })).toBeUndefined();
  });
});
