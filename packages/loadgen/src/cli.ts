#!/usr/bin/env node
import { writeFileSync } from 'node:fs';
import { isMainThread, workerData } from 'node:worker_threads';
import { Kafka } from 'kafkajs';
import { parseArgs, PROGRAM, type Config } from './args';
import { registerLz4 } from './codec';
import { useNativeCrc32c } from './crc';
import { runConsume } from './consumer';
import { EXIT_USAGE, FatalError } from './errors';
import { kafkaConfig, logSink, probeTls } from './kafka';
import { runProduce } from './producer';
import { RunStats } from './stats';
import { consumeSummary, failedStartSummary, produceSummary, type Summary } from './summary';
import { isThreadInput, runConsumeThreads, runProduceThreads, threadMain } from './threads';
import { readTlsDir, type TlsFiles } from './tls';

function finish(summary: Summary, cfg: Config): never {
  if (cfg.summaryFile) {
    try {
      writeFileSync(cfg.summaryFile, `${JSON.stringify(summary.file)}\n`);
    } catch (e) {
      process.stderr.write(`${PROGRAM} ${cfg.mode}: cannot write --summary-file ${cfg.summaryFile}: ${(e as Error).message}\n`);
    }
  }
  // stdout and stderr are synchronous for files and pipes on Linux, so nothing is cut off.
  process.stdout.write(`${JSON.stringify(summary.line)}\n`);
  process.exit(summary.exitCode);
}

async function run(cfg: Config): Promise<never> {
  const fail = (message: string, code: number): never => {
    process.stderr.write(`${PROGRAM} ${cfg.mode}: ${message}\n`);
    process.exit(code);
  };
  let tls: TlsFiles | undefined;
  if (cfg.tlsDir) {
    try {
      tls = readTlsDir(cfg.tlsDir);
    } catch (e) {
      return fail((e as Error).message, EXIT_USAGE);
    }
  }
  registerLz4();
  useNativeCrc32c();
  const stats = new RunStats();
  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stop.signal.aborted) return fail(`second ${signal}: exiting without a summary`, 130);
    const what = cfg.mode === 'produce' ? 'to flush what is in flight' : 'to leave the group';
    process.stderr.write(`${PROGRAM} ${cfg.mode}: ${signal}: stopping (at most ${cfg.shutdownTimeoutS} s ${what}, --shutdown-timeout-s)\n`);
    stats.signal = signal;
    stop.abort();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  // While the program waits for the topic, its wait lines are the progress.
  let waiting = false;
  const io = { onWaiting: (active: boolean) => (waiting = active) };
  if (cfg.progressIntervalS > 0) {
    const tick = (): void => {
      if (!stats.stopped && !waiting) process.stderr.write(`${stats.progressLine(cfg.mode)}\n`);
    };
    setInterval(tick, cfg.progressIntervalS * 1000).unref();
  }

  const kafka = new Kafka(kafkaConfig(cfg, tls, logSink(cfg.maxRetries, () => stats.retries++, undefined, () => waiting)));
  try {
    // A stop during the probe ends it; runProduce/runConsume then return at once with a summary.
    if (tls) await probeTls(cfg.bootstrap, tls, cfg.clientId, 10_000, stop.signal);
    if (cfg.mode === 'produce') {
      // With --threads the producers (consumers) run in worker threads of this same bundle.
      const result = cfg.threads > 1 ? await runProduceThreads(__filename, cfg, tls, stats, stop.signal, io) : await runProduce(cfg, kafka, stats, stop.signal, io);
      if (result.fatal) process.stderr.write(`${PROGRAM} produce: ${result.fatal}\n`);
      return finish(produceSummary(cfg, stats, result), cfg);
    }
    const result = cfg.threads > 1 ? await runConsumeThreads(__filename, cfg, tls, stats, stop.signal, io) : await runConsume(cfg, kafka, stats, stop.signal, io);
    if (result.fatal) process.stderr.write(`${PROGRAM} consume: ${result.fatal}\n`);
    return finish(consumeSummary(cfg, stats, result), cfg);
  } catch (e) {
    if (!(e instanceof FatalError)) throw e;
    if (e.exitCode === EXIT_USAGE) return fail(e.message, EXIT_USAGE);
    process.stderr.write(`${PROGRAM} ${cfg.mode}: ${e.message}\n`);
    return finish(failedStartSummary(cfg, stats, e.message), cfg);
  }
}

function main(): void {
  const parsed = parseArgs(process.argv.slice(2), process.env);
  if (parsed.kind === 'exit') {
    process.stdout.write(parsed.stdout);
    process.stderr.write(parsed.stderr);
    process.exit(parsed.code);
  }
  run(parsed.config).catch((e: unknown) => {
    process.stderr.write(`${PROGRAM}: unexpected error: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(70);
  });
}

// The same bundle is the program and the body of its --threads workers.
if (!isMainThread && isThreadInput(workerData)) void threadMain();
else main();
