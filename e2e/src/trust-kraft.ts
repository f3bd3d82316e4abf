import { join } from 'node:path';
import { KRAFT, TLS, kraftControllers } from '@stretched-kafka/fleet';
import { Attacker, HANDSHAKE_REFUSED, TrustContext, attempt, forgedSpec, grown, lengths, outputOf, tail } from './trust';

// The trust model's KRaft side: the controller listener is where a broker registers and where a
// controller votes, so a certificate from the application-facing CA (whatever its subject and
// names) must be refused there in the handshake, the controller's log showing the refusal, while
// the real broker certificate talks to the quorum.

/** Forged broker and controller certificates refused by the controllers; the real broker certificate describes the quorum. */
export async function controllerListenerChecks(ctx: TrustContext, broker: Attacker, stackTrust: string): Promise<void> {
  const f = ctx.fleet;
  const mgmt = f.topic.managementRegion;
  const controller: Attacker = { name: 'attacker-controller', tlsDir: join(ctx.work, 'attackers', 'controller') };
  const names = kraftControllers(f, f.regions.find((r) => r.name === mgmt)).map((c) => c.host);
  ctx.applicationCa.issue(forgedSpec(f, controller.name, TLS.controller.commonName, { dnsNames: names, usages: ['server auth', 'client auth', 'digital signature', 'key encipherment'] }), controller.tlsDir);
  const clientIp = ctx.clientIp.replace(/\./g, '\\.');
  for (const [who, identity] of [['CN=kafka-broker (the brokers\' names)', broker], ['CN=kafka-controller (the controllers\' names)', controller]] as const) {
    const tools = ctx.quorumToolsAs({ name: `${identity.name}-quorum`, tlsDir: identity.tlsDir, truststore: stackTrust });
    const logs = ctx.controllerLogs();
    const before = lengths(logs);
    const r = await attempt(tools, 'kafka-metadata-quorum.sh', ['--bootstrap-controller', tools.bootstrap, '--command-config', tools.clientConfig, 'describe', '--status']);
    const refused = new RegExp(`Failed authentication with /${clientIp}`).test(grown(logs, before));
    ctx.check(`application-CA ${who} cannot join the quorum: the controller listener (${KRAFT.controllerPort}) refuses it in the handshake`, r.code !== 0 && HANDSHAKE_REFUSED.test(outputOf(r)) && refused, `exit ${r.code}, controller logged the refusal: ${refused}; ${tail(outputOf(r))}`);
  }
  const real = ctx.quorumToolsAs({ name: 'stack-broker-quorum', tlsDir: ctx.secretDir(mgmt, TLS.kafka.secret) });
  const r = await attempt(real, 'kafka-metadata-quorum.sh', ['--bootstrap-controller', real.bootstrap, '--command-config', real.clientConfig, 'describe', '--status']);
  ctx.check('the real broker certificate describes the quorum on the controller listener', r.code === 0 && /^LeaderId:\s+\d+$/m.test(r.stdout), tail(outputOf(r)));
}
