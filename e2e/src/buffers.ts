import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { socketBufferBytes } from '@stretched-kafka/fleet';
import { Harness } from './harness';
import { log } from './log';
import { sh } from './proc';
import { round } from './report';

// The socket-buffer stage: ONE producer (Kafka's kafka-producer-perf-test, acks=all, the fleet's
// batch and linger, 1 KiB records) at full speed from the management region's client namespace
// into the topic, whose 24 partitions have leaders in every region, so two of its three broker
// connections cross the WAN. The buffer one producer decides is its own send.buffer.bytes (the
// brokers' socket.receive.buffer.bytes is generated as -1, the kernel's autotuning, already):
// Kafka's client default (128 KiB), the kernel's autotuning (-1) and the fleet's bandwidth-delay
// product (what the generated fetcher asks for; the kernel caps it at net.core.wmem_max). The
// machine's CPU busy share during each run says whether the CPU was the limit instead.

export interface BufferRun {
  readonly sendBufferBytes: number;
  readonly mbPerSec: number;
  readonly avgMs: number;
  readonly p99Ms: number;
  /** Share of both cores busy (user + system + irq + softirq) during the run, in %. */
  readonly cpuBusyPct: number;
}

export async function bufferProbe(h: Harness): Promise<void> {
  const f = h.fleet;
  const region = f.topic.managementRegion;
  const client = h.clients.get(region)!;
  const sysctl = (key: string) => sh(h.net.exec(client, ['cat', `/proc/sys/${key.replaceAll('.', '/')}`])).trim().replace(/\s+/g, ' ');
  const kernel = { 'net.core.wmem_max': sysctl('net.core.wmem_max'), 'net.ipv4.tcp_wmem': sysctl('net.ipv4.tcp_wmem'), 'net.core.rmem_max': sysctl('net.core.rmem_max'), 'net.ipv4.tcp_rmem': sysctl('net.ipv4.tcp_rmem') };
  const runs: BufferRun[] = [];
  for (const sendBufferBytes of [131072, -1, socketBufferBytes(f)]) {
    const before = cpuTimes();
    const res = await h.tools.producerPerf(f.topic.name, h.s.bufferRecords, 1024, {
      acks: 'all',
      'send.buffer.bytes': sendBufferBytes,
      'batch.size': f.load.batchBytes,
      'linger.ms': f.load.lingerMs,
      'compression.type': 'none',
    });
    const after = cpuTimes();
    const run = { sendBufferBytes, mbPerSec: res.mbPerSec, avgMs: res.avgMs, p99Ms: res.p99Ms, cpuBusyPct: round((100 * (after.busy - before.busy)) / Math.max(1, after.total - before.total)) };
    runs.push(run);
    log(`buffers: send.buffer.bytes=${sendBufferBytes}: ${run.mbPerSec} MB/s, latency avg ${run.avgMs} ms p99 ${run.p99Ms} ms, CPU ${run.cpuBusyPct}% busy`);
  }
  h.report.figures.buffers = { region, records: h.s.bufferRecords, kernel, loadAverage: round(loadavg()[0]), runs };
}

/** Jiffies of all cores from /proc/stat: busy (user, nice, system, irq, softirq, steal) and total. */
function cpuTimes(): { busy: number; total: number } {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = cpu;
  const busy = user + nice + system + irq + softirq + steal;
  return { busy, total: busy + idle + iowait };
}
