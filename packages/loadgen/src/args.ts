import { hostname } from 'node:os';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';

export type Compression = 'lz4' | 'gzip' | 'none';

export interface CommonConfig {
  readonly bootstrap: readonly string[];
  readonly topic: string;
  readonly clientId: string;
  /** Directory with ca.crt, tls.crt, tls.key; undefined only with plaintext. */
  readonly tlsDir?: string;
  readonly plaintext: boolean;
  readonly records?: number;
  readonly durationS?: number;
  readonly verify: boolean;
  /** 0 disables progress lines. */
  readonly progressIntervalS: number;
  readonly maxRetries: number;
  readonly summaryFile?: string;
  /** How long a missing topic or missing authorization counts as "not yet"; 0 = fail at once. */
  readonly waitForTopicS: number;
  /** After a stop signal: longest wait for in-flight batches (produce) or leaving the group (consume). */
  readonly shutdownTimeoutS: number;
  /** How long a request waits for its answer before its connection is closed and it is retried. */
  readonly requestTimeoutMs: number;
  /** TCP (and TLS) handshake with one broker. */
  readonly connectionTimeoutMs: number;
}

export interface ProduceConfig extends CommonConfig {
  readonly mode: 'produce';
  readonly recordBytes: number;
  readonly batchBytes: number;
  readonly lingerMs: number;
  readonly compression: Compression;
  readonly producers: number;
  /** Target records per second for the whole process; undefined = as fast as possible. */
  readonly rate?: number;
  /** The produce request's timeout: how long the leader may wait for acks=all. */
  readonly ackTimeoutMs: number;
  /** Worker threads the producers are spread over (1: all in the main thread). */
  readonly threads: number;
}

export interface ConsumeConfig extends CommonConfig {
  readonly mode: 'consume';
  readonly group: string;
  readonly rack?: string;
  /** 0 disables the idle stop. */
  readonly idleTimeoutS: number;
  readonly fromBeginning: boolean;
  readonly expectFiles: readonly string[];
  /** Worker threads, each with a consumer of its own (1: one consumer in the main thread). */
  readonly threads: number;
  /** Commit read offsets at most this often; undefined = after every batch (kafkajs' eachBatch default). */
  readonly commitIntervalMs?: number;
  /** Set by the thread runner only: this consumer reads the partitions p with p % of === index. */
  readonly split?: { readonly index: number; readonly of: number };
}

export type Config = ProduceConfig | ConsumeConfig;

export type ParseResult =
  | { readonly kind: 'run'; readonly config: Config }
  | { readonly kind: 'exit'; readonly code: number; readonly stdout: string; readonly stderr: string };

export const PROGRAM = 'stretched-kafka-load';
export const EXIT_USAGE = 2;
export const DEFAULT_GROUP = 'stretched-kafka-load';
export const DEFAULT_SHUTDOWN_TIMEOUT_S = 20;
/**
 * Defaults for a broker with Kafka's default replica.lag.time.max.ms (30 s) nearby; the Jobs and
 * the harness pass the values derived from the fleet (clientTimeouts in @stretched-kafka/kafka).
 */
export const DEFAULT_ACK_TIMEOUT_MS = 46_000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 48_000;
export const DEFAULT_CONNECTION_TIMEOUT_MS = 4000;
const MISSING_SUBCOMMAND = 'a subcommand is required: produce or consume (see --help)';

/** A flag combination that commander cannot judge on its own. */
export class UsageError extends Error {}

function integer(min: number, max = Number.MAX_SAFE_INTEGER) {
  return (raw: string): number => {
    const value = Number(raw);
    if (!/^-?\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
      throw new InvalidArgumentError(`expected an integer from ${min} to ${max}`);
    }
    return value;
  };
}

function decimal(min: number, { exclusive = false } = {}) {
  return (raw: string): number => {
    const value = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(value) || value < min || (exclusive && value === min)) {
      throw new InvalidArgumentError(`expected a number ${exclusive ? 'greater than' : 'of at least'} ${min}`);
    }
    return value;
  };
}

/** Comma-separated host:port list; the port is checked here so a typo fails before any dial. */
export function parseBootstrap(raw: string): string[] {
  const entries = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (entries.length === 0) throw new InvalidArgumentError('expected host:port[,host:port...]');
  for (const entry of entries) {
    const colon = entry.lastIndexOf(':');
    const host = entry.slice(0, colon);
    const port = Number(entry.slice(colon + 1));
    if (colon <= 0 || !/^\d+$/.test(entry.slice(colon + 1)) || port < 1 || port > 65535 || /\s/.test(host)) {
      throw new InvalidArgumentError(`'${entry}' is not host:port with a port from 1 to 65535`);
    }
  }
  return entries;
}

const collect = (value: string, previous: string[] | undefined): string[] => [
  ...(previous ?? []),
  ...value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0),
];

function addCommonOptions(cmd: Command): Command {
  return cmd
    .option('--bootstrap <host:port,...>', 'bootstrap brokers (env KAFKA_BOOTSTRAP)', parseBootstrap)
    .option('--topic <name>', 'topic (env KAFKA_TOPIC)')
    .option('--client-id <id>', 'client id, also the producer id prefix (env KAFKA_CLIENT_ID; default: host name)')
    .option('--tls-dir <dir>', 'directory with ca.crt, tls.crt, tls.key as cert-manager writes them (env KAFKA_TLS_DIR)')
    .option('--plaintext', 'no TLS at all; for local development only')
    .option(
      '--records <n>',
      'produce: records for this process in total; consume: stop once this many were read (with --verify: distinct records; without --expect-file a shortfall counts as missing)',
      integer(1),
    )
    .option('--duration-s <s>', 'stop after this many seconds', decimal(0, { exclusive: true }))
    .option('--verify', 'carry producer id and sequence in every record and check them on consume')
    .option('--progress-interval-s <s>', 'seconds between progress lines on stderr; 0 = none', decimal(0), 10)
    .option('--max-retries <n>', 'retries per request (backoff from 0.3 s doubling, capped at 10 s) before giving up', integer(1, 100), 10)
    .option('--summary-file <path>', 'also write the summary JSON (with per-stream detail) to this file')
    .option(
      '--wait-for-topic-s <s>',
      'wait up to this long for the brokers to answer, the topic to exist and this client to be authorized (unreachable brokers, unknown topic and authorization errors count as "not yet"); 0 = fail at once',
      decimal(0),
      0,
    )
    .option(
      '--shutdown-timeout-s <s>',
      'after SIGTERM/SIGINT, longest wait for batches in flight (produce) or for leaving the group (consume) before the summary',
      decimal(0),
      DEFAULT_SHUTDOWN_TIMEOUT_S,
    )
    .option(
      '--request-timeout-ms <n>',
      'wait this long for a broker to answer a request; then its connection is closed, metadata refreshed and the request retried (produce: above --ack-timeout-ms)',
      integer(1000, 3_600_000),
      DEFAULT_REQUEST_TIMEOUT_MS,
    )
    .option('--connection-timeout-ms <n>', 'TCP and TLS handshake with one broker', integer(100, 600_000), DEFAULT_CONNECTION_TIMEOUT_MS);
}

function buildProgram(): Command {
  const program = new Command(PROGRAM)
    .description('kafkajs load generator with loss and reordering verification')
    .showHelpAfterError(false)
    .allowExcessArguments(false);

  addCommonOptions(
    program
      .command('produce')
      .description('produce records: acks=all, idempotent, batching by size and linger'),
  )
    .option('--record-bytes <n>', 'record value size in bytes', integer(1, 100 * 1024 * 1024), 1024)
    .option('--batch-bytes <n>', 'per-partition batch size before a send', integer(1, 100 * 1024 * 1024), 131072)
    .option('--linger-ms <n>', 'longest time a partition batch waits to fill', integer(0, 60_000), 50)
    .addOption(new Option('--compression <codec>', 'batch compression').choices(['lz4', 'gzip', 'none']).default('lz4'))
    .option('--producers <n>', 'independent producers in this process', integer(1, 256), 1)
    .option('--threads <n>', 'worker threads the producers are spread over (each its own event loop and kafkajs clients); at most --producers', integer(1, 64), 1)
    .option('--rate <records/s>', 'target records per second for the whole process', decimal(0, { exclusive: true }))
    .option(
      '--ack-timeout-ms <n>',
      'how long the partition leader may wait for acks=all before it answers REQUEST_TIMED_OUT (retried); above the ISR shrink time, 1.5 x replica.lag.time.max.ms',
      integer(100, 3_600_000),
      DEFAULT_ACK_TIMEOUT_MS,
    );

  addCommonOptions(program.command('consume').description('consume records, report throughput and latency, verify'))
    .option('--group <id>', `consumer group (env KAFKA_GROUP; default ${DEFAULT_GROUP})`)
    .option('--rack <region>', 'rack id for follower fetching, normally the region (env KAFKA_RACK)')
    .option('--idle-timeout-s <s>', 'stop after this long without records; 0 = never', decimal(0), 60)
    .option('--from-beginning', 'start at the earliest offset when the group has none (default)')
    .option('--no-from-beginning', 'start at the latest offset when the group has none')
    .option('--expect-file <path...>', 'producer summary files; every acknowledged record must arrive', collect)
    .option(
      '--threads <n>',
      'worker threads, each with its own kafkajs consumer and event loop; thread i reads the partitions p with p % n = i in a group of its own, <group>.<i>of<n> (a literal group ACL names only <group>)',
      integer(1, 64),
      1,
    )
    .option(
      '--commit-interval-ms <n>',
      'commit read offsets at most this often and when leaving (a crash or rebalance replays up to this much); default: after every batch',
      integer(1, 3_600_000),
    );

  // The top-level help shows every subcommand's options too: one screen tells the whole tool.
  program.addHelpText('after', () => program.commands.map((c) => `\n${c.helpInformation()}`).join(''));
  return program;
}

type Env = Readonly<Record<string, string | undefined>>;

function nonEmpty(value: string | undefined): string | undefined {
  return value !== undefined && value.trim() !== '' ? value.trim() : undefined;
}

function commonConfig(opts: Record<string, unknown>, env: Env): CommonConfig {
  const bootstrapRaw = opts.bootstrap as string[] | undefined;
  const envBootstrap = nonEmpty(env.KAFKA_BOOTSTRAP);
  let bootstrap = bootstrapRaw;
  if (!bootstrap && envBootstrap) {
    try {
      bootstrap = parseBootstrap(envBootstrap);
    } catch (e) {
      throw new UsageError(`KAFKA_BOOTSTRAP '${envBootstrap}': ${(e as Error).message}`);
    }
  }
  if (!bootstrap) throw new UsageError('--bootstrap (or KAFKA_BOOTSTRAP) is required: host:port[,host:port...]');
  const topic = nonEmpty(opts.topic as string | undefined) ?? nonEmpty(env.KAFKA_TOPIC);
  if (!topic) throw new UsageError('--topic (or KAFKA_TOPIC) is required');
  const clientId = nonEmpty(opts.clientId as string | undefined) ?? nonEmpty(env.KAFKA_CLIENT_ID) ?? hostname();
  if (clientId.includes('|')) throw new UsageError(`--client-id '${clientId}': must not contain '|'`);
  const tlsDir = nonEmpty(opts.tlsDir as string | undefined) ?? nonEmpty(env.KAFKA_TLS_DIR);
  const plaintext = opts.plaintext === true;
  if (plaintext && tlsDir) throw new UsageError('--plaintext and --tls-dir (or KAFKA_TLS_DIR) exclude each other');
  if (!plaintext && !tlsDir) {
    throw new UsageError('--tls-dir (or KAFKA_TLS_DIR) is required; pass --plaintext to connect without TLS');
  }
  return {
    bootstrap,
    topic,
    clientId,
    tlsDir,
    plaintext,
    records: opts.records as number | undefined,
    durationS: opts.durationS as number | undefined,
    verify: opts.verify === true,
    progressIntervalS: opts.progressIntervalS as number,
    maxRetries: opts.maxRetries as number,
    summaryFile: nonEmpty(opts.summaryFile as string | undefined),
    waitForTopicS: opts.waitForTopicS as number,
    shutdownTimeoutS: opts.shutdownTimeoutS as number,
    requestTimeoutMs: opts.requestTimeoutMs as number,
    connectionTimeoutMs: opts.connectionTimeoutMs as number,
  };
}

function toConfig(mode: 'produce' | 'consume', opts: Record<string, unknown>, env: Env): Config {
  const common = commonConfig(opts, env);
  if (mode === 'produce') {
    if (common.records === undefined && common.durationS === undefined) {
      throw new UsageError('produce needs --records <n> or --duration-s <s> (or both)');
    }
    const ackTimeoutMs = opts.ackTimeoutMs as number;
    const threads = opts.threads as number;
    if (threads > (opts.producers as number)) {
      throw new UsageError(`--threads ${threads}: at most --producers (${opts.producers as number}); each thread runs producers of its own`);
    }
    if (ackTimeoutMs >= common.requestTimeoutMs) {
      throw new UsageError(
        `--ack-timeout-ms ${ackTimeoutMs}: must be below --request-timeout-ms (${common.requestTimeoutMs}), or the client gives up on a broker that is still waiting for its followers`,
      );
    }
    return {
      ...common,
      mode,
      recordBytes: opts.recordBytes as number,
      batchBytes: opts.batchBytes as number,
      lingerMs: opts.lingerMs as number,
      compression: opts.compression as Compression,
      producers: opts.producers as number,
      rate: opts.rate as number | undefined,
      ackTimeoutMs,
      threads,
    };
  }
  return {
    ...common,
    mode,
    group: nonEmpty(opts.group as string | undefined) ?? nonEmpty(env.KAFKA_GROUP) ?? DEFAULT_GROUP,
    rack: nonEmpty(opts.rack as string | undefined) ?? nonEmpty(env.KAFKA_RACK),
    idleTimeoutS: opts.idleTimeoutS as number,
    fromBeginning: opts.fromBeginning !== false,
    expectFiles: (opts.expectFile as string[] | undefined) ?? [],
    threads: opts.threads as number,
    commitIntervalMs: opts.commitIntervalMs as number | undefined,
  };
}

/**
 * Parses argv (without node and script) against env. Never exits the process and never
 * prints: the caller decides, so tests see the same text and code a user would.
 */
export function parseArgs(argv: readonly string[], env: Env): ParseResult {
  const program = buildProgram();
  let stdout = '';
  let stderr = '';
  let picked: { mode: 'produce' | 'consume'; opts: Record<string, unknown> } | undefined;
  for (const cmd of [program, ...program.commands]) {
    cmd.exitOverride();
    cmd.configureOutput({
      writeOut: (s) => (stdout += s),
      writeErr: (s) => (stderr += s),
      outputError: () => undefined,
    });
  }
  for (const sub of program.commands) {
    sub.action((opts: Record<string, unknown>) => {
      picked = { mode: sub.name() as 'produce' | 'consume', opts };
    });
  }
  try {
    program.parse([...argv], { from: 'user' });
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    if (e.code === 'commander.helpDisplayed') return { kind: 'exit', code: 0, stdout, stderr };
    // `help [command]` ends with code commander.help and exit code 0 after printing to stdout.
    if (e.code === 'commander.help' && e.exitCode === 0) return { kind: 'exit', code: 0, stdout, stderr };
    // Without a subcommand commander prints the whole help as an error; a usage error stays one line.
    const helpFor = argv[0] === 'help' ? argv[1] : undefined;
    const message =
      e.code !== 'commander.help'
        ? e.message.replace(/^error: /, '')
        : helpFor !== undefined
          ? `help ${helpFor}: unknown command '${helpFor}'; commands: produce, consume`
          : MISSING_SUBCOMMAND;
    return { kind: 'exit', code: EXIT_USAGE, stdout: '', stderr: `${PROGRAM}: ${message}\n` };
  }
  if (!picked) {
    return { kind: 'exit', code: EXIT_USAGE, stdout: '', stderr: `${PROGRAM}: ${MISSING_SUBCOMMAND}\n` };
  }
  try {
    return { kind: 'run', config: toConfig(picked.mode, picked.opts, env) };
  } catch (e) {
    if (e instanceof UsageError) {
      return { kind: 'exit', code: EXIT_USAGE, stdout: '', stderr: `${PROGRAM} ${picked.mode}: ${e.message}\n` };
    }
    throw e;
  }
}
