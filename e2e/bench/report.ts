import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * One measured run. MB are 10^6 bytes for every tool: the Java tools print MiB, so their figures
 * are converted here, and the load program prints 10^6-byte MB.
 */
export interface Row {
  readonly listener: string;
  readonly mode: 'produce' | 'consume';
  readonly tool: string;
  readonly records?: number;
  readonly seconds?: number;
  readonly mbPerSec?: number;
  readonly msgPerSec?: number;
  readonly p50?: number;
  readonly p99?: number;
  readonly max?: number;
  readonly failure?: string;
  /** Which paired round the run belongs to (1 when the file names carry none). */
  readonly round?: number;
  /** CPU seconds of the client process (user + system), when measured. */
  readonly cpuS?: number;
}

export const TOOLS: Record<string, string> = {
  java: 'Kafka perf tool (Java)',
  load: 'load program (kafkajs)',
  ckjs: 'kafka-javascript (librdkafka)',
};

const MIB = 1024 * 1024;

/** The last line of kafka-producer-perf-test: totals, latency average, max and percentiles. */
export function parseJavaProduce(stdout: string, recordBytes: number): Omit<Row, 'listener' | 'mode' | 'tool'> | undefined {
  const re =
    /(\d+) records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency, ([\d.]+) ms max latency, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th/;
  const line = stdout.split('\n').reverse().find((l) => re.test(l));
  const m = line ? re.exec(line) : null;
  if (!m) return undefined;
  const records = Number(m[1]);
  const msgPerSec = Number(m[2]);
  return {
    records,
    msgPerSec,
    mbPerSec: (msgPerSec * recordBytes) / 1e6,
    seconds: msgPerSec > 0 ? records / msgPerSec : undefined,
    max: Number(m[5]),
    p50: Number(m[6]),
    p99: Number(m[8]),
  };
}

/**
 * kafka-consumer-perf-test prints a CSV header and one line of values. The fetch.* columns
 * leave out the consumer group join (rebalance.time.ms), as the load program's figures do.
 */
export function parseJavaConsume(stdout: string): Omit<Row, 'listener' | 'mode' | 'tool'> | undefined {
  const lines = stdout.split('\n').map((l) => l.trim());
  const h = lines.findIndex((l) => l.includes('data.consumed.in.nMsg'));
  if (h < 0 || !lines[h + 1]) return undefined;
  const names = lines[h].split(',').map((s) => s.trim());
  const values = lines[h + 1].split(',').map((s) => s.trim());
  const get = (name: string) => Number(values[names.indexOf(name)]);
  const records = get('data.consumed.in.nMsg');
  const fetchMs = get('fetch.time.ms');
  if (!Number.isFinite(records) || !Number.isFinite(fetchMs)) return undefined;
  return {
    records,
    seconds: fetchMs / 1000,
    msgPerSec: get('fetch.nMsg.sec'),
    mbPerSec: (get('fetch.MB.sec') * MIB) / 1e6,
  };
}

/** The load program (and the kafka-javascript driver) end with one JSON summary line. */
export function parseJsonSummary(stdout: string): Omit<Row, 'listener' | 'mode' | 'tool'> | undefined {
  for (const line of stdout.trim().split('\n').reverse()) {
    if (!line.startsWith('{')) continue;
    try {
      const s = JSON.parse(line) as {
        records?: number; seconds?: number; mbPerSec?: number; msgPerSec?: number; fatal?: string;
        latencyMs?: { p50?: number; p99?: number; max?: number };
      };
      return {
        records: s.records,
        seconds: s.seconds,
        mbPerSec: s.mbPerSec,
        msgPerSec: s.msgPerSec,
        p50: s.latencyMs?.p50,
        p99: s.latencyMs?.p99,
        max: s.latencyMs?.max,
        failure: s.fatal,
      };
    } catch {
      // Not the summary; keep looking.
    }
  }
  return undefined;
}

function firstLine(text: string): string {
  return text.split('\n').map((l) => l.trim()).find((l) => l && !l.startsWith('[')) ?? text.trim().split('\n')[0] ?? '';
}

/** Reads `<listener>.<tool>.<mode>[.<round>].{out,err,rc,cpu}` as bench-kafka.sh writes them. */
export function collect(dir: string, recordBytes: number): Row[] {
  const rows: Row[] = [];
  const runs = readdirSync(dir).filter((f) => f.endsWith('.rc')).map((f) => f.slice(0, -3).split('.'));
  const order = (xs: string[]) => [Number(xs[3] ?? 1), ['plaintext', 'tls'].indexOf(xs[0]), ['produce', 'consume'].indexOf(xs[2]), Object.keys(TOOLS).indexOf(xs[1])];
  runs.sort((a, b) => {
    const [x, y] = [order(a), order(b)];
    return x[0] - y[0] || x[1] - y[1] || x[2] - y[2] || x[3] - y[3];
  });
  for (const name of runs) {
    const [listener, tool, mode, round] = name;
    const base = join(dir, name.join('.'));
    const read = (ext: string) => (existsSync(`${base}.${ext}`) ? readFileSync(`${base}.${ext}`, 'utf8') : '');
    const rc = read('rc').trim();
    const out = read('out');
    const cpu = read('cpu').trim();
    const parsed = tool === 'java' ? (mode === 'produce' ? parseJavaProduce(out, recordBytes) : parseJavaConsume(out)) : parseJsonSummary(out);
    // Consumers read records written before they started: their record-age figures are not latency.
    const figures = parsed && mode === 'consume' ? { ...parsed, p50: undefined, p99: undefined, max: undefined } : parsed;
    const row: Row = { listener, tool, mode: mode as Row['mode'], round: Number(round ?? 1), ...(cpu ? { cpuS: Number(cpu) } : {}), ...figures };
    if (rc !== '0' || !parsed || parsed.records === 0) {
      const why = rc === '124' ? 'timed out' : rc === '0' ? 'no records' : `exit ${rc}`;
      rows.push({ ...row, failure: `${why}: ${row.failure ?? firstLine(read('err') || out) ?? 'no output'}` });
    } else {
      rows.push(row);
    }
  }
  return rows;
}

const fmt = (x: number | undefined, digits = 1) => (x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(digits));

export function median(xs: readonly number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** CPU microseconds per record of one run (the whole client process, user + system). */
export function cpuPerRecordUs(r: Row): number | undefined {
  return r.cpuS !== undefined && r.records ? (r.cpuS * 1e6) / r.records : undefined;
}

/** Per listener and mode, each non-Java tool against Java: per-round ratios and their median. */
export interface Ratio {
  readonly listener: string;
  readonly mode: Row['mode'];
  readonly tool: string;
  /** msg/s of the tool over msg/s of Java in the same round, round by round. */
  readonly rounds: readonly number[];
  readonly median: number;
  readonly cpuUs?: number;
  readonly javaCpuUs?: number;
}

export function ratios(rows: readonly Row[]): Ratio[] {
  const out: Ratio[] = [];
  const ok = rows.filter((r) => !r.failure && r.msgPerSec);
  const keys = [...new Set(ok.filter((r) => r.tool !== 'java').map((r) => `${r.listener}|${r.mode}|${r.tool}`))];
  for (const key of keys) {
    const [listener, mode, tool] = key.split('|');
    const mine = ok.filter((r) => r.listener === listener && r.mode === mode && r.tool === tool);
    const java = ok.filter((r) => r.listener === listener && r.mode === mode && r.tool === 'java');
    const rounds = mine
      .map((r) => ({ r, j: java.find((j) => j.round === r.round) }))
      .filter((x): x is { r: Row; j: Row } => !!x.j)
      .map(({ r, j }) => r.msgPerSec! / j.msgPerSec!);
    const m = median(rounds);
    if (m === undefined) continue;
    const cpu = (xs: Row[]) => median(xs.map(cpuPerRecordUs).filter((x): x is number => x !== undefined));
    out.push({ listener, mode: mode as Row['mode'], tool, rounds, median: m, cpuUs: cpu(mine), javaCpuUs: cpu(java) });
  }
  return out;
}

export function table(rows: readonly Row[]): string {
  const header = ['round', 'listener', 'mode', 'tool', 'records', 'seconds', 'MB/s', 'msg/s', 'CPU us/rec', 'p50 ms', 'p99 ms', 'max ms'];
  const cells = rows.map((r) => [
    String(r.round ?? 1), r.listener, r.mode, TOOLS[r.tool] ?? r.tool, String(r.records ?? '-'), fmt(r.seconds), fmt(r.mbPerSec), fmt(r.msgPerSec, 0), fmt(cpuPerRecordUs(r)), fmt(r.p50, 0), fmt(r.p99, 0), fmt(r.max, 0),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) => c.map((x, i) => (i > 0 && i < 4 ? x.padEnd(widths[i]) : x.padStart(widths[i]))).join('  ').trimEnd();
  const out = [line(header), ...cells.map(line)];
  for (const r of rows) if (r.failure) out.push(`round ${r.round ?? 1} ${r.listener} ${r.mode} ${TOOLS[r.tool] ?? r.tool}: ${r.failure}`);
  out.push('');
  for (const q of ratios(rows)) {
    const n = q.rounds.length;
    out.push(
      `ratio ${q.listener} ${q.mode}: ${TOOLS[q.tool] ?? q.tool} / Java = ${q.median.toFixed(2)} (msg/s, median of ${n} paired round${n === 1 ? '' : 's'}: ${q.rounds.map((x) => x.toFixed(2)).join(' ')}); ` +
        `CPU per record ${fmt(q.cpuUs)} us vs Java ${fmt(q.javaCpuUs)} us`,
    );
  }
  return out.join('\n');
}

export function report(dir: string, recordBytes: number): string {
  return table(collect(dir, recordBytes));
}
