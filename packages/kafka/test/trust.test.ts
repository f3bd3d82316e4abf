import { DEFAULT_FLEET, KAFKA, PRINCIPAL_MAPPING_RULES, TLS, TrustDomain, bootstrapServers, kafkaPrincipal } from '@stretched-kafka/fleet';
import { certificateRequests } from '@stretched-kafka/certificates';
import { kafkaConfigData, superUsers } from '@stretched-kafka/kafka';

// The trust model as the brokers enforce it: which CA each listener trusts and how each maps a
// certificate subject to a principal. Kafka's SslPrincipalMapper applies the first rule whose
// pattern matches (Java Matcher.replaceAll) and refuses a subject no rule matches when no DEFAULT
// rule is listed; `map` below does the same with the same regular expressions.

function rules(text: string): { pattern: RegExp; replacement: string }[] {
  return text.split(/,(?=RULE:|DEFAULT)/).map((r) => {
    if (r === 'DEFAULT') return { pattern: /^(.*)$/, replacement: '$1' };
    const m = /^RULE:((?:\\.|[^\\/])*)\/((?:\\.|[^\\/])*)\/([LU]?)$/.exec(r);
    if (!m) throw new Error(`not a Kafka mapping rule: ${r}`);
    return { pattern: new RegExp(m[1]), replacement: m[2] };
  });
}

function map(trust: TrustDomain, dn: string): string | undefined {
  for (const r of rules(PRINCIPAL_MAPPING_RULES[trust])) if (r.pattern.test(dn)) return `User:${dn.replace(r.pattern, r.replacement)}`;
  return undefined;
}

function listenerSettings(): Map<string, string> {
  const text = kafkaConfigData(DEFAULT_FLEET, DEFAULT_FLEET.regions[0])['server.properties'];
  return new Map(text.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

// Subjects an application could put in a certificate of the application-facing CA.
const HOSTILE_SUBJECTS = [
  'CN=kafka-admin',
  'CN=kafka-admin,O=stretched-kafka',
  'CN=kafka-broker,O=stretched-kafka',
  'CN=topic-operator',
  'CN=user-operator,OU=x',
  'CN=akhq,O=stretched-kafka',
  'O=stretched-kafka,CN=kafka-admin',
  'OU=CN\\=kafka-admin,CN=producer',
  'CN=kafka-admin\\,O\\=x',
  'CN=kafka-admin+OU=x',
  'CN=User:kafka-admin',
  'CN=kafka-admin ',
  'O=no-common-name',
  '',
];

test('no subject on the client listener maps to a super user or any stack principal', () => {
  const stack = new Set(Object.values(TLS).filter((t) => t.trust === 'stack').map((t) => kafkaPrincipal(t)));
  const supers = new Set(superUsers());
  for (const dn of HOSTILE_SUBJECTS) {
    const p = map('application', dn);
    if (p === undefined) continue; // authentication refused
    expect(p).toMatch(/^User:CN=/);
    expect(supers.has(p)).toBe(false);
    expect(stack.has(p)).toBe(false);
  }
  // The impersonation attempts that do authenticate keep their CN= form.
  expect(map('application', 'CN=kafka-admin,O=stretched-kafka')).toBe('User:CN=kafka-admin');
  expect(map('application', 'O=no-common-name')).toBeUndefined();
  expect(map('application', 'CN=kafka-admin\\,O\\=x')).toBeUndefined();
});

test('every stack principal and super user is what the internal listener maps the stack certificate to', () => {
  for (const t of Object.values(TLS).filter((x) => x.trust === 'stack')) {
    expect(map('stack', `CN=${t.commonName},O=${DEFAULT_FLEET.name}`)).toBe(kafkaPrincipal(t));
  }
  for (const t of Object.values(TLS).filter((x) => x.trust === 'application')) {
    expect(map('application', `CN=${t.commonName},O=${DEFAULT_FLEET.name}`)).toBe(kafkaPrincipal(t));
  }
  for (const s of superUsers()) expect(s).not.toMatch(/^User:CN=/);
});

test('each listener trusts exactly one CA: the internal one its stack certificates, the client one the application issuer', () => {
  const p = listenerSettings();
  expect(p.get('listener.name.replication.ssl.truststore.location')).toBe('${TRUSTSTORE_DIR}/stack.pem');
  expect(p.get('listener.name.clients.ssl.truststore.location')).toBe('${TRUSTSTORE_DIR}/application.pem');
  // No listener falls back to a shared store or a DEFAULT rule.
  for (const k of ['ssl.truststore.location', 'ssl.keystore.location', 'ssl.principal.mapping.rules']) expect(p.has(k)).toBe(false);
  for (const trust of ['stack', 'application'] as const) expect(PRINCIPAL_MAPPING_RULES[trust]).not.toMatch(/DEFAULT/);
  // The secrets behind them come from the matching issuers.
  const reqs = certificateRequests(DEFAULT_FLEET, DEFAULT_FLEET.regions[0]);
  expect(reqs.find((r) => r.secretName === TLS.kafka.secret)!.trust).toBe('stack');
  expect(reqs.find((r) => r.secretName === TLS.kafkaClients.secret)!.trust).toBe('application');
});

test('the stack identities reach the internal listener, applications the client listener', () => {
  const region = DEFAULT_FLEET.regions[0];
  for (const hp of bootstrapServers(DEFAULT_FLEET, region, 'stack').split(',')) expect(hp.endsWith(`:${KAFKA.replicationPort}`)).toBe(true);
  for (const hp of bootstrapServers(DEFAULT_FLEET, region).split(',')) expect(hp.endsWith(`:${KAFKA.clientPort}`)).toBe(true);
});
