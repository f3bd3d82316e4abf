import { readFileSync } from 'node:fs';
import { KRAFT, TLS, kraftControllers } from '@stretched-kafka/fleet';
import { Harness, NodeRun } from './harness';
import { KafkaTools, ToolsIdentity } from './kafka';
import { log } from './log';
import { assertAlive, configMapWith, startNode } from './nodes';
import { running, waitFor } from './proc';
import { QuorumReplica, QuorumStatus, parseQuorumReplication, parseQuorumStatus, quorumControllerLines, votersCaughtUp } from './quorum';
import { round } from './report';

// KRaft mode (fleet metadata.mode kraft): the controller quorum takes ZooKeeper's place. The
// controllers run the generated start.sh of their ConfigMap (it formats storage itself); the
// quorum is asked with Kafka's kafka-metadata-quorum over the controller listener as the
// break-glass admin (a super user there too); the failover is read from the controllers' logs.

/** Kafka's tools in `from`'s client namespace as `identity` (the break-glass admin by default), aimed at every controller's listener. */
export function quorumTools(h: Harness, from = h.fleet.topic.managementRegion, identity: ToolsIdentity = h.adminIdentity()): KafkaTools {
  const controllers = kraftControllers(h.fleet).map((n) => `${n.host}:${KRAFT.controllerPort}`).join(',');
  return new KafkaTools(h.net, h.clients.get(from)!, h.kafkaHome, controllers, identity, h.s.work);
}

export async function quorumStatus(tools: KafkaTools): Promise<QuorumStatus> {
  const r = await tools.tool('kafka-metadata-quorum.sh', ['--bootstrap-controller', tools.bootstrap, '--command-config', tools.clientConfig, 'describe', '--status'], 45_000);
  return parseQuorumStatus(r.stdout);
}

export async function quorumReplication(tools: KafkaTools): Promise<QuorumReplica[]> {
  const r = await tools.tool('kafka-metadata-quorum.sh', ['--bootstrap-controller', tools.bootstrap, '--command-config', tools.clientConfig, 'describe', '--replication'], 45_000);
  return parseQuorumReplication(r.stdout);
}

/** Starts every controller with its region's generated start.sh and waits until the quorum has a leader and every voter follows it. */
export async function startControllers(h: Harness, extraEnv: (c: NodeRun) => NodeJS.ProcessEnv = () => ({})): Promise<void> {
  for (const r of h.controllers) startNode(h, r, configMapWith(h.tree, r.node.region.name, 'controller.properties'), TLS.controller.secret, h.s.controllerHeap, extraEnv(r));
  const expected = h.controllers.map((c) => c.node.id).sort((a, b) => a - b);
  const tools = quorumTools(h);
  const status = await waitFor(`a KRaft quorum of ${expected.length} controllers with a leader`, h.s.startTimeoutS * 1000, 3000, async () => {
    assertAlive(h.controllers);
    const s = await quorumStatus(tools);
    return s.leaderId >= 0 && s.voters.join(',') === expected.join(',') ? s : undefined;
  });
  await waitFor('every voter caught up with the quorum leader', h.s.startTimeoutS * 1000, 3000, async () => (votersCaughtUp(await quorumReplication(tools), expected, Date.now()) ? true : undefined));
  log(`kraft: quorum of ${expected.length} controllers over mTLS, leader ${status.leaderId} (${regionOfController(h, status.leaderId)}) at epoch ${status.epoch}, every voter caught up`);
}

export function regionOfController(h: Harness, id: number): string | undefined {
  return h.controllers.find((c) => c.node.id === id)?.node.region.name;
}

/** E2E_FAULT=controller-majority: kills every controller outside `region`, leaving no majority of the quorum anywhere. */
export function killControllersOutside(h: Harness, region: string): void {
  if (h.fleet.metadata.mode !== 'kraft') throw new Error('E2E_FAULT=controller-majority needs metadata.mode kraft');
  const victims = h.controllers.filter((c) => c.node.region.name !== region && c.service && running(c.service));
  for (const c of victims) process.kill(-c.service!.child.pid!, 'SIGKILL');
  log(`fault: killed ${victims.length} of ${h.controllers.length} controllers (${victims.map((c) => `${c.node.region.name}/${c.node.pod}`).join(', ')}): no quorum majority is left`);
}

/** The region of the active controller now, as the quorum reports it (asked from `from`'s client namespace). */
export async function activeControllerRegion(h: Harness, from?: string): Promise<string> {
  const s = await quorumStatus(quorumTools(h, from));
  const region = regionOfController(h, s.leaderId);
  if (!region) throw new Error(`the quorum reports leader ${s.leaderId}, which is none of the harness's controllers`);
  return region;
}

/**
 * After the restore: every voter (the cut region's too) follows the quorum leader again with no
 * lag. A check with its time since the restore; `from` is a region that was not cut.
 */
export async function quorumRecovery(h: Harness, from: string, restoredAt: number): Promise<void> {
  const tools = quorumTools(h, from);
  const voters = h.controllers.map((c) => c.node.id).sort((a, b) => a - b);
  const at = await waitFor(`all ${voters.length} voters caught up with the quorum leader`, h.s.isrTimeoutS * 1000, 2000, async () => (votersCaughtUp(await quorumReplication(tools), voters, Date.now()) ? Date.now() : undefined)).catch((e: Error) => e);
  h.report.check(`controller quorum: all ${voters.length} voters caught up with the leader after the restore`, typeof at === 'number', typeof at === 'number' ? '' : at.message);
  if (typeof at === 'number') {
    h.report.figures.quorumRecoveryS = round((at - restoredAt) / 1000);
    log(`kraft: every voter caught up with the quorum leader ${h.report.figures.quorumRecoveryS} s after the restore`);
  }
}

// What the controllers log when one becomes active and when it fences a broker whose session timed out.
const ACTIVE = /^Becoming the active controller at epoch (\d+)/;
const FENCED = /^Fencing broker (\d+) (?:at epoch \d+ )?because its session has timed out/;

interface Entry {
  readonly at: number;
  readonly controller: number;
  readonly match: RegExpMatchArray;
}

function controllerLog(controllers: readonly NodeRun[], message: RegExp): Entry[] {
  const out: Entry[] = [];
  for (const c of controllers) {
    let text = '';
    try {
      text = readFileSync(c.service?.logFile ?? '', 'utf8');
    } catch {
      continue;
    }
    for (const e of quorumControllerLines(text)) {
      const match = message.exec(e.message);
      if (match) out.push({ at: e.at, controller: e.controller, match });
    }
  }
  return out;
}

/** The controller that was active at `at`: the last one the logs show becoming active before it. */
export function kraftControllerAt(controllers: readonly NodeRun[], at: number): number | undefined {
  const before = controllerLog(controllers, ACTIVE).filter((e) => e.at <= at);
  return before.length ? before.reduce((a, b) => (b.at > a.at ? b : a)).controller : undefined;
}

/** Seconds from the cut until a controller outside `region` became active (the quorum's failover), if one did during the cut. */
export function kraftControllerFailoverSeconds(controllers: readonly NodeRun[], region: string, cutAt: number, restoredAt: number): number | undefined {
  const outside = new Set(controllers.filter((c) => c.node.region.name !== region).map((c) => c.node.id));
  const moves = controllerLog(controllers, ACTIVE).filter((e) => outside.has(e.controller) && e.at >= cutAt && e.at <= restoredAt);
  return moves.length ? round((Math.min(...moves.map((e) => e.at)) - cutAt) / 1000) : undefined;
}

/**
 * Seconds from the cut until the active controller fenced one of `region`'s brokers (their
 * sessions timed out): the moment it moved their partition leaders, Kafka's side of the recovery.
 */
export function kraftFailoverSeconds(controllers: readonly NodeRun[], brokers: readonly NodeRun[], region: string, cutAt: number, restoredAt: number): number | undefined {
  const cut = new Set(brokers.filter((b) => b.node.region.name === region).map((b) => String(b.node.id)));
  const fenced = controllerLog(controllers, FENCED).filter((e) => cut.has(e.match[1]) && e.at >= cutAt && e.at <= restoredAt);
  return fenced.length ? round((Math.min(...fenced.map((e) => e.at)) - cutAt) / 1000) : undefined;
}
