import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Fleet, KAFKA, TLS, TrustDomain, ZOOKEEPER, kafkaBrokers, zookeeperNodes } from '@stretched-kafka/fleet';
import { KafkaTools, ToolsIdentity } from './kafka';
import { Ca, CertificateSpec } from './pki';
import { Result } from './proc';
import { controllerListenerChecks } from './trust-kraft';

// The trust model, tried as an attacker would (README, trust model). An application may obtain
// any certificate it likes from the application-facing CA, with any subject: here CN=kafka-admin,
// CN=kafka-broker with the brokers' own names, and the producer's real certificate. Each is
// pointed at what a super user or a broker would use; each must be refused, by the broker or
// ZooKeeper itself (their logs show it), while the stack's own identities do the same things.

export interface TrustContext {
  readonly fleet: Fleet;
  readonly work: string;
  /** The management region's client namespace address (where the tools run). */
  readonly clientIp: string;
  /** The application-facing issuer's throwaway CA and the stack's internal one. */
  readonly applicationCa: Ca;
  readonly stackCa: Ca;
  secretDir(region: string, secret: string): string;
  toolsAs(identity: ToolsIdentity, trust: TrustDomain): KafkaTools;
  /** Kafka's tools as `identity`, aimed at the KRaft controllers' listener (KRaft mode). */
  quorumToolsAs(identity: ToolsIdentity): KafkaTools;
  brokerLogs(): string[];
  zookeeperLogs(): string[];
  controllerLogs(): string[];
  check(what: string, ok: boolean, detail: string): void;
  log(message: string): void;
}

export interface Attacker {
  readonly name: string;
  readonly tlsDir: string;
}

const DENIED = /TopicAuthorizationException|ClusterAuthorizationException|Authorization failed|not authorized/i;
export const HANDSHAKE_REFUSED = /SslAuthenticationException|SSL handshake failed/i;

/** A tool run whose failure, time-out included, is an outcome to judge rather than an error. */
export async function attempt(tools: KafkaTools, script: string, args: readonly string[], timeoutMs = 60_000): Promise<Result> {
  const started = Date.now();
  try {
    return await tools.tool(script, args, timeoutMs, true);
  } catch (e) {
    return { code: null, stdout: '', stderr: (e as Error).message, ms: Date.now() - started };
  }
}

export function outputOf(r: Result): string {
  return `${r.stdout}\n${r.stderr}`;
}

export function tail(text: string, n = 200): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > n ? `...${t.slice(-n)}` : t;
}

/** Lines that appeared in any of `files` since `before` (their lengths then). */
export function grown(files: readonly string[], before: readonly number[]): string {
  return files.map((f, i) => {
    try {
      return readFileSync(f, 'utf8').slice(before[i]);
    } catch {
      return '';
    }
  }).join('\n');
}

export function lengths(files: readonly string[]): number[] {
  return files.map((f) => {
    try {
      return readFileSync(f, 'utf8').length;
    } catch {
      return 0;
    }
  });
}

/** A certificate an application could request from the application-facing issuer, with any subject. */
export function forgedSpec(fleet: Fleet, name: string, cn: string, extra: Partial<CertificateSpec>): CertificateSpec {
  return {
    secretName: name,
    commonName: cn,
    subject: { organizations: [fleet.name] },
    privateKey: { algorithm: 'RSA', size: 2048, encoding: 'PKCS8' },
    usages: ['client auth', 'digital signature', 'key encipherment'],
    additionalOutputFormats: [{ type: 'CombinedPEM' }],
    ...extra,
  };
}

/** Certificates an application could request from the application-facing issuer. */
function mintAttackers(ctx: TrustContext): { admin: Attacker; broker: Attacker } {
  const f = ctx.fleet;
  const mgmt = f.regions.find((r) => r.name === f.topic.managementRegion)!;
  const base = (name: string, cn: string, extra: Partial<CertificateSpec>) => forgedSpec(f, name, cn, extra);
  const admin = { name: 'attacker-admin', tlsDir: join(ctx.work, 'attackers', 'admin') };
  ctx.applicationCa.issue(base(admin.name, TLS.admin.commonName, {}), admin.tlsDir);
  // The broker's subject and every name its real certificate carries: all a broker would present.
  const brokerNames = kafkaBrokers(f, mgmt).map((b) => b.host);
  const broker = { name: 'attacker-broker', tlsDir: join(ctx.work, 'attackers', 'broker') };
  ctx.applicationCa.issue(base(broker.name, TLS.kafka.commonName, { dnsNames: brokerNames, usages: ['server auth', 'client auth', 'digital signature', 'key encipherment'] }), broker.tlsDir);
  return { admin, broker };
}

/** The admin client's first request: an authentication failure ends it at once (no retry loop). */
function listTopics(tools: KafkaTools): Promise<Result> {
  return attempt(tools, 'kafka-topics.sh', ['--bootstrap-server', tools.bootstrap, '--command-config', tools.clientConfig, '--list']);
}

/** A topic creation and an ACL change, the super-user operations a stolen identity would try first. */
async function superUserOps(tools: KafkaTools, tag: string): Promise<{ topic: Result; acl: Result }> {
  const topic = await attempt(tools, 'kafka-topics.sh', [
    '--bootstrap-server', tools.bootstrap, '--command-config', tools.clientConfig,
    '--create', '--topic', `e2e-trust-${tag}`, '--partitions', '1', '--replication-factor', '1',
  ]);
  const acl = await attempt(tools, 'kafka-acls.sh', [
    '--bootstrap-server', tools.bootstrap, '--command-config', tools.clientConfig,
    '--add', '--allow-principal', `User:CN=e2e-trust-${tag}`, '--operation', 'All', '--topic', '*',
  ]);
  return { topic, acl };
}

/** zookeeper-shell over TLS as `identity`: lists the registered broker ids, as a joining broker reads and writes them. */
async function zookeeperAs(ctx: TrustContext, tools: KafkaTools, identity: Attacker | ToolsIdentity, truststore: string): Promise<Result> {
  const cfg = join(ctx.work, `${identity.name}-zookeeper.properties`);
  writeFileSync(cfg, [
    'zookeeper.ssl.client.enable=true',
    'zookeeper.clientCnxnSocket=org.apache.zookeeper.ClientCnxnSocketNetty',
    'zookeeper.ssl.keystore.type=PEM',
    `zookeeper.ssl.keystore.location=${join(identity.tlsDir, 'tls-combined.pem')}`,
    'zookeeper.ssl.truststore.type=PEM',
    `zookeeper.ssl.truststore.location=${truststore}`,
    'zookeeper.ssl.endpoint.identification.algorithm=HTTPS',
  ].join('\n') + '\n');
  const server = zookeeperNodes(ctx.fleet)[0];
  // The shell retries a refused handshake until it is stopped: bounded here, judged by the output.
  return attempt(tools, 'zookeeper-shell.sh', [`${server.host}:${ZOOKEEPER.clientPort}`, '-zk-tls-config-file', cfg, 'ls', '/brokers/ids'], 25_000);
}

export async function trustChecks(ctx: TrustContext): Promise<void> {
  const f = ctx.fleet;
  const mgmt = f.topic.managementRegion;
  const { admin, broker } = mintAttackers(ctx);
  // The stack CA's certificate is public: attackers trust it, so a failed handshake is the
  // broker refusing the client certificate, not the client refusing the broker's.
  const stackTrust = ctx.stackCa.crt;
  const appTrust = ctx.applicationCa.crt;
  const producer: Attacker = { name: 'attacker-producer', tlsDir: ctx.secretDir(mgmt, TLS.producer.secret) };
  const brokerIds = kafkaBrokers(f).map((b) => b.id).sort((a, b) => a - b);
  const idList = new RegExp(`\\[${brokerIds.join(', ')}\\]`);

  // 1. A forged kafka-admin on the client listener: authenticated as User:CN=kafka-admin, which is no super user.
  {
    const tools = ctx.toolsAs({ name: admin.name, tlsDir: admin.tlsDir, truststore: appTrust }, 'application');
    const { topic, acl } = await superUserOps(tools, 'forged-admin');
    ctx.check('application-CA certificate with CN=kafka-admin is denied topic creation on the client listener', topic.code !== 0 && DENIED.test(outputOf(topic)), tail(outputOf(topic)));
    ctx.check('application-CA certificate with CN=kafka-admin is denied altering ACLs on the client listener', acl.code !== 0 && DENIED.test(outputOf(acl)), tail(outputOf(acl)));
  }
  // 2. Forged stack identities and the producer's real certificate on the internal listener: refused in the handshake.
  const clientIp = ctx.clientIp.replace(/\./g, '\\.');
  for (const [who, identity] of [['CN=kafka-admin', admin], ['CN=kafka-broker (the brokers\' names)', broker], ['the producer certificate', producer]] as const) {
    const tools = ctx.toolsAs({ name: `${identity.name}-internal`, tlsDir: identity.tlsDir, truststore: stackTrust }, 'stack');
    const logs = ctx.brokerLogs();
    const before = lengths(logs);
    const r = await listTopics(tools);
    const refusedByBroker = new RegExp(`Failed authentication with /${clientIp}`).test(grown(logs, before));
    ctx.check(`application-CA ${who} is refused by the brokers' internal listener (${KAFKA.replicationPort})`, r.code !== 0 && HANDSHAKE_REFUSED.test(outputOf(r)) && refusedByBroker, `exit ${r.code}, broker logged the refusal: ${refusedByBroker}; ${tail(outputOf(r))}`);
  }
  // 3. Joining as a broker: ZooKeeper (where a broker registers) refuses the forged broker
  //    certificate; in KRaft mode the controllers' listener (where brokers register and
  //    controllers vote) refuses forged broker and controller certificates (trust-kraft.ts).
  if (f.metadata.mode === 'kraft') await controllerListenerChecks(ctx, broker, stackTrust);
  else {
    const tools = ctx.toolsAs({ name: 'zookeeper-probe', tlsDir: broker.tlsDir }, 'stack');
    const logs = ctx.zookeeperLogs();
    const before = lengths(logs);
    const forged = await zookeeperAs(ctx, tools, broker, stackTrust);
    const zkLogged = /handshake|SSLHandshakeException|certificate/i.test(grown(logs, before));
    ctx.check('application-CA CN=kafka-broker cannot join: ZooKeeper refuses it and lists nothing', !idList.test(outputOf(forged)) && zkLogged, `ZooKeeper logged the refusal: ${zkLogged}; ${tail(outputOf(forged))}`);
    const real = await zookeeperAs(ctx, tools, { name: 'stack-broker', tlsDir: ctx.secretDir(mgmt, TLS.kafka.secret) }, ctx.secretDir(mgmt, TLS.kafka.secret) + '/ca.crt');
    ctx.check('the real broker certificate reads the registered brokers from ZooKeeper', idList.test(outputOf(real)), tail(outputOf(real)));
  }
  // 4. The stack's own identities still work: the break-glass admin creates a topic and an ACL
  //    on the internal listener; AKHQ (a stack KafkaUser) describes the cluster there and is
  //    refused on the client listener, which does not trust the stack CA.
  {
    const tools = ctx.toolsAs({ name: 'stack-admin', tlsDir: ctx.secretDir(mgmt, TLS.admin.secret) }, 'stack');
    const { topic, acl } = await superUserOps(tools, 'stack-admin');
    ctx.check('the stack\'s break-glass admin creates a topic on the internal listener', topic.code === 0, tail(outputOf(topic)));
    ctx.check('the stack\'s break-glass admin alters ACLs on the internal listener', acl.code === 0, tail(outputOf(acl)));
    await attempt(tools, 'kafka-topics.sh', ['--bootstrap-server', tools.bootstrap, '--command-config', tools.clientConfig, '--delete', '--topic', 'e2e-trust-stack-admin']);
    await attempt(tools, 'kafka-acls.sh', ['--bootstrap-server', tools.bootstrap, '--command-config', tools.clientConfig, '--remove', '--force', '--allow-principal', 'User:CN=e2e-trust-stack-admin', '--operation', 'All', '--topic', '*']);
  }
  {
    const akhq = { name: 'stack-akhq', tlsDir: ctx.secretDir(mgmt, TLS.akhq.secret) };
    const internal = ctx.toolsAs(akhq, 'stack');
    const d = await attempt(internal, 'kafka-topics.sh', ['--bootstrap-server', internal.bootstrap, '--command-config', internal.clientConfig, '--describe', '--topic', f.topic.name]);
    ctx.check('AKHQ\'s stack certificate describes the topic on the internal listener (its KafkaUser ACLs apply to User:akhq)', d.code === 0 && d.stdout.includes(`Topic: ${f.topic.name}`), tail(outputOf(d)));
    const external = ctx.toolsAs({ ...akhq, name: 'stack-akhq-clients', truststore: appTrust }, 'application');
    const r = await listTopics(external);
    ctx.check('a stack certificate is refused on the client listener (it trusts only the application issuer)', r.code !== 0 && HANDSHAKE_REFUSED.test(outputOf(r)), tail(outputOf(r)));
  }
  ctx.log(`trust: attacker certificates tried against both listeners and ${f.metadata.mode === 'kraft' ? 'the controllers' : 'ZooKeeper'}; see the PASS/FAIL lines`);
}
