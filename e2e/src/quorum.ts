// Kafka's KRaft tools' and logs' output, parsed (pure functions; kraft.ts runs the tools and reads the logs).

/** The quorum as kafka-metadata-quorum describe --status prints it. */
export interface QuorumStatus {
  readonly leaderId: number;
  readonly epoch: number;
  readonly voters: readonly number[];
}

/** One voter or observer of kafka-metadata-quorum describe --replication. */
export interface QuorumReplica {
  readonly id: number;
  readonly lag: number;
  /** When the leader last saw this replica at its own log end (ms since the epoch). */
  readonly lastCaughtUpMs: number;
  readonly status: string;
}

export function parseQuorumStatus(text: string): QuorumStatus {
  const field = (name: string) => new RegExp(`^${name}:\\s+(.*)$`, 'm').exec(text)?.[1]?.trim();
  const leaderId = Number(field('LeaderId'));
  const epoch = Number(field('LeaderEpoch'));
  const votersText = field('CurrentVoters') ?? '';
  // Kafka 3.x prints [1,2,3]; 4.x prints [{"id": 1, "endpoints": [...]}, ...].
  const voters = votersText.includes('"id"') ? [...votersText.matchAll(/"id":\s*(\d+)/g)].map((m) => Number(m[1])) : [...votersText.matchAll(/\d+/g)].map((m) => Number(m[0]));
  if (!Number.isInteger(leaderId) || !Number.isInteger(epoch) || !voters.length) throw new Error(`kafka-metadata-quorum printed no quorum status: ${text.trim().slice(-300)}`);
  return { leaderId, epoch, voters: voters.sort((a, b) => a - b) };
}

export function parseQuorumReplication(text: string): QuorumReplica[] {
  const lines = text.trim().split('\n').map((l) => l.trim().split(/\s+/));
  const header = lines.findIndex((l) => l[0] === 'NodeId');
  if (header < 0) throw new Error(`kafka-metadata-quorum printed no replication table: ${text.trim().slice(-300)}`);
  const col = (name: string) => lines[header].indexOf(name);
  const [id, lag, caughtUp, status] = [col('NodeId'), col('Lag'), col('LastCaughtUpTimestamp'), col('Status')];
  return lines.slice(header + 1).filter((l) => /^\d+$/.test(l[id] ?? '')).map((l) => ({ id: Number(l[id]), lag: Number(l[lag]), lastCaughtUpMs: Number(l[caughtUp]), status: l[status] }));
}

/**
 * Every voter follows the leader: the leader itself, and each follower the leader saw at its log
 * end within `withinMs` before `now` (the leader appends a no-op record every 500 ms, so a lag of
 * a few records between two fetches is normal; a cut-off follower's timestamp stops).
 */
export function votersCaughtUp(replicas: readonly QuorumReplica[], voters: readonly number[], now: number, withinMs = 10_000): boolean {
  return voters.every((v) => replicas.some((r) => r.id === v && (r.status === 'Leader' || (r.status === 'Follower' && now - r.lastCaughtUpMs <= withinMs))));
}

/** Every `[QuorumController id=N] <message>` INFO line of a controller's log, with its time (ms since the epoch, local time). */
export function quorumControllerLines(text: string): Array<{ at: number; controller: number; message: string }> {
  // log4j 1 ISO8601 (`2026-12-02 02:28:41,329`) or log4j2 ISO8601 (`2026-12-02T02:28:41,329`), optionally in brackets.
  const line = /^\[?(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d:\d\d)[,.](\d{3})\]? INFO \[QuorumController id=(\d+)\] (.*)$/gm;
  return [...text.matchAll(line)].map((m) => ({ at: new Date(`${m[1]}T${m[2]}.${m[3]}`).getTime(), controller: Number(m[4]), message: m[5] }));
}
