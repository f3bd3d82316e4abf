#!/usr/bin/env node
import { writeFileSync } from 'node:fs';
import { Kafka } from 'kafkajs';
import { parseArgs, PROGRAM, type Config } from './args';
import { registerLz4 } from './codec';
import { runConsume } from './consumer';
import { EXIT_USAGE, FatalError } from './errors';
import { kafkaConfig, logSink, probeTls } from './kafka';
import { runProduce } from './producer';
import { RunStats } from './stats';
import { consumeSummary, failedStartSummary, produceSummary, type Summary } from './summary';
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
  const stats = new RunStats();
  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stop.signal.aborted) return fail(`second ${signal}: exiting without a summary`, 130);
    process.stderr.write(`${PROGRAM} ${cfg.mode}: ${signal}: stopping, flushing what is in flight\n`);
    stop.abort();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  if (cfg.progressIntervalS > 0) {
    const tick = (): void => {
      if (!stats.stopped) process.stderr.write(`${stats.progressLine(cfg.mode)}\n`);
    };
    setInterval(tick, cfg.progressIntervalS * 1000).unref();
  }

  const kafka = new Kafka(kafkaConfig(cfg, tls, logSink(() => stats.retries++)));
  try {
    if (tls) await probeTls(cfg.bootstrap, tls);
    if (cfg.mode === 'produce') {
      const result = await runProduce(cfg, kafka, stats, stop.signal);
      if (result.fatal) process.stderr.write(`${PROGRAM} produce: ${result.fatal}\n`);
      return finish(produceSummary(cfg, stats, result), cfg);
    }
    const result = await runConsume(cfg, kafka, stats, stop.signal);
    if (result.fatal) process.stderr.write(`${PROGRAM} consume: ${result.fatal}\n`);
    return finish(consumeSummary(cfg, stats, result), cfg);
  } catch (e) {
    if (!(e instanceof FatalError)) throw e;
    if (e.exitCode === EXIT_USAGE) return fail(e.message, EXIT_USAGE);
    process.stderr.write(`${PROGRAM} ${cfg.mode}: ${e.message}\n`);
    return finish(failedStartSummary(cfg, stats, e.message), cfg);
  }
}

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
