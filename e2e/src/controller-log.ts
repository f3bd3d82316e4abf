import { readFileSync } from 'node:fs';
import { NodeRun } from './harness';
import { round } from './report';

// Kafka's side of a region cut, read from the brokers' logs: when the controller moved the cut
// region's partition leaders, and which broker was the controller when the cut began.

/** The message a broker logs when it becomes Kafka's controller. */
const ELECTED = /^\d+ successfully elected as the controller/;

/**
 * Seconds from the cut until Kafka moved the cut region's partition leaders: the controller
 * declared those brokers dead or, when the controller itself was cut off, a broker elsewhere
 * was elected controller (its start-up elects new leaders for every partition without a live
 * one). Kafka's side of the recovery, apart from how fast clients follow.
 */
export function failoverSeconds(brokers: readonly NodeRun[], region: string, cutAt: number, restoredAt: number): number | undefined {
  const ids = new Set(brokers.filter((b) => b.node.region.name === region).map((b) => String(b.node.id)));
  const during = (at: number) => at >= cutAt && at <= restoredAt;
  const moves = [
    ...controllerLog(brokers, /Newly added brokers: [^,]*, deleted brokers: ([\d,]+),/).filter((e) => e.match[1].split(',').some((id) => ids.has(id))),
    ...controllerLog(brokers, ELECTED).filter((e) => !ids.has(String(e.controller))),
  ].filter((e) => during(e.at));
  return moves.length ? round((Math.min(...moves.map((e) => e.at)) - cutAt) / 1000) : undefined;
}

/** Seconds from the cut until a broker outside `region` was elected controller, if one was during the cut. */
export function controllerFailoverSeconds(brokers: readonly NodeRun[], region: string, cutAt: number, restoredAt: number): number | undefined {
  const ids = new Set(brokers.filter((b) => b.node.region.name === region).map((b) => b.node.id));
  const elected = controllerLog(brokers, ELECTED).filter((e) => !ids.has(e.controller) && e.at >= cutAt && e.at <= restoredAt);
  return elected.length ? round((Math.min(...elected.map((e) => e.at)) - cutAt) / 1000) : undefined;
}

/**
 * The broker that was Kafka's controller at `at`: the last one the logs show elected before it.
 * A cut controller slows recovery: leaders ask the controller to shrink an ISR (AlterPartition),
 * so acks=all writes wait until a broker elsewhere takes over after the ZooKeeper session timeout.
 */
export function controllerAt(brokers: readonly NodeRun[], at: number): number | undefined {
  const before = controllerLog(brokers, ELECTED).filter((e) => e.at <= at);
  return before.length ? before.reduce((a, b) => (b.at > a.at ? b : a)).controller : undefined;
}

/** Every `[Controller id=N] <message>` INFO line of every broker's log matching `message`, with its time. */
function controllerLog(brokers: readonly NodeRun[], message: RegExp): Array<{ at: number; controller: number; match: RegExpMatchArray }> {
  const line = /^(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d:\d\d)[,.](\d{3}) INFO \[Controller id=(\d+)\] (.*)$/gm;
  const out: Array<{ at: number; controller: number; match: RegExpMatchArray }> = [];
  for (const b of brokers) {
    let text = '';
    try {
      text = readFileSync(b.service?.logFile ?? '', 'utf8');
    } catch {
      continue;
    }
    for (const m of text.matchAll(line)) {
      const match = message.exec(m[5]);
      if (match) out.push({ at: new Date(`${m[1]}T${m[2]}.${m[3]}`).getTime(), controller: Number(m[4]), match });
    }
  }
  return out;
}
