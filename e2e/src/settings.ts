import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

/**
 * The prefix of every namespace, link and /etc/netns entry the harness creates (E2E_PREFIX, default
 * `ske2e`): two harness runs on one machine need different prefixes, neither a prefix of the other.
 * At most 6 characters, as link names (`<prefix>br`, `<prefix>u<i>`) must fit Linux's 15.
 */
export const PREFIX = prefix(process.env.E2E_PREFIX);

function prefix(v: string | undefined): string {
  if (v === undefined || v === '') return 'ske2e';
  if (/^[a-z][a-z0-9]{1,5}$/.test(v)) return v;
  console.error(`e2e: E2E_PREFIX=${v}: must be 2-6 lowercase letters or digits, starting with a letter`);
  process.exit(2);
}

export interface Settings {
  mode: 'ci' | 'full';
  fleetFile: string | undefined;
  clusters: string;
  work: string;
  kafkaLib: string;
  kafkaHomeSource: string;
  loadgen: string;
  /** The synth CLI bundle (dist/synth.js): the migration stage synthesizes each phase itself. */
  synth: string;
  /** Seconds the producers run. */
  produceS: number;
  /** Records per second per producing process (one per producing region). */
  rate: number;
  cutAtS: number;
  cutS: number;
  /** E2E_CUT_REGION: a region's name, `active-controller` (wherever the controller is just before the load starts) or undefined (the last region). */
  cutRegion: string | undefined;
  brokerHeap: string;
  zookeeperHeap: string;
  controllerHeap: string;
  startTimeoutS: number;
  isrTimeoutS: number;
  /** `all` (default); `trust`: up to the trust checks, no load and no cut; `network`: up to the WAN's RTT check; `rotation`: up to the rotation, no cut; `alerts`: up to the cut's alert checks (no consumers, latency or buffers). */
  stages: 'all' | 'trust' | 'network' | 'rotation' | 'alerts';
  /** E2E_WAN_MS: emulated inter-region round trip in ms (undefined: the fleet's network.latencyMs; 0: no WAN). */
  wanMs: number | undefined;
  /** E2E_WAN_MBIT: rate cap of each region's uplink in Mbit/s (0: none). */
  wanMbit: number;
  /** E2E_WAN_TEST_DELAY_MS: the round trip the delay lines really apply (a test knob: the RTT check must catch a mismatch). */
  wanTestDelayMs: number | undefined;
  /** E2E_LATENCY_S: seconds each latency round (follower fetching, from the leaders) produces. */
  latencyS: number;
  /** E2E_BUFFER_RECORDS: records (1 KiB) of each socket-buffer run of kafka-producer-perf-test; 0 skips that stage. */
  bufferRecords: number;
  /** The delay line's binary (e2e/wan/build.sh). */
  wanBin: string;
  /**
   * E2E_ROTATE: `leaf` re-issues every leaf certificate under load before the cut (rotation.ts);
   * `ca` rotates the stack CA with an overlap in three steps (trust bundle old+new, leaves from the
   * new CA, old CA removed); `none` skips it.
   */
  rotate: 'leaf' | 'ca' | 'none';
  /** Seconds after the rotation's producers start that the certificates are re-issued. */
  rotateAtS: number;
  /** E2E_CERT_WATCH_S / E2E_CERT_STAGGER_S: the scripts' watch interval and ZooKeeper's restart stagger; unset = as generated. */
  certWatchS?: number;
  certStaggerS?: number;
  /**
   * E2E_FAULT, a deliberate breakage for the negative proof (e2e/kraft-negative.sh): `none`, or
   * `controller-majority` (KRaft: at the cut, the controllers outside the cut region are killed,
   * so no majority of the quorum is left anywhere); `migration-no-roll` (E2E_METADATA=migration,
   * e2e/migration-negative.sh: phase 2 is committed but the brokers are not rolled, so the
   * controllers never see migration-ready brokers; the run stops after phase 2's checks).
   */
  fault: 'none' | 'controller-majority' | 'migration-no-roll';
}

/** The run's settings from the command line (`run --clusters ... --work ... --kafka-lib ...`) and the E2E_* knobs. */
export function settings(): Settings {
  const { values } = parseArgs({
    options: {
      fleet: { type: 'string' },
      clusters: { type: 'string' },
      work: { type: 'string' },
      'kafka-lib': { type: 'string' },
      'kafka-home': { type: 'string', default: 'e2e/kafka-home' },
      loadgen: { type: 'string', default: 'packages/loadgen/dist/cli.js' },
      'wan-bin': { type: 'string', default: 'e2e/wan/.bin/wan' },
      synth: { type: 'string', default: 'dist/synth.js' },
    },
  });
  const env = process.env;
  const mode = (env.E2E_MODE ?? (env.CI === 'true' ? 'ci' : 'full')) as Settings['mode'];
  if (mode !== 'ci' && mode !== 'full') throw new Error(`E2E_MODE=${mode}: must be ci or full`);
  const num = (name: string, fallback: number) => {
    const v = env[name];
    if (v === undefined || v === '') return fallback;
    if (!/^\d+(\.\d+)?$/.test(v)) throw new Error(`${name}=${v}: must be a number`);
    return Number(v);
  };
  for (const k of ['clusters', 'work', 'kafka-lib'] as const) if (values[k] === undefined) throw new Error(`--${k} is required`);
  return {
    mode,
    fleetFile: values.fleet,
    clusters: resolve(values.clusters!),
    work: resolve(values.work!),
    kafkaLib: resolve(values['kafka-lib']!),
    kafkaHomeSource: resolve(values['kafka-home']!),
    loadgen: resolve(values.loadgen!),
    synth: resolve(values.synth!),
    produceS: num('E2E_PRODUCE_S', mode === 'ci' ? 100 : 150),
    rate: num('E2E_RATE', mode === 'ci' ? 200 : 1000),
    cutAtS: num('E2E_CUT_AT_S', mode === 'ci' ? 20 : 40),
    // Longer than failover takes (ZooKeeper's quorum timeout, a new ZooKeeper leader if the old
    // one was in the cut region, then zookeeper.session.timeout.ms before the controller moves
    // partition leaders), so the producers' stall measures failover, not the cut.
    cutS: num('E2E_CUT_S', 45),
    cutRegion: env.E2E_CUT_REGION || undefined,
    brokerHeap: env.E2E_BROKER_HEAP ?? '-Xms256m -Xmx512m',
    zookeeperHeap: env.E2E_ZOOKEEPER_HEAP ?? '-Xms64m -Xmx256m',
    controllerHeap: env.E2E_CONTROLLER_HEAP ?? '-Xms64m -Xmx256m',
    startTimeoutS: num('E2E_START_TIMEOUT_S', mode === 'ci' ? 180 : 420),
    isrTimeoutS: num('E2E_ISR_TIMEOUT_S', 180),
    stages: stages(env.E2E_STAGES),
    wanMs: env.E2E_WAN_MS ? num('E2E_WAN_MS', 0) : undefined,
    wanMbit: num('E2E_WAN_MBIT', 0),
    wanTestDelayMs: env.E2E_WAN_TEST_DELAY_MS ? num('E2E_WAN_TEST_DELAY_MS', 0) : undefined,
    latencyS: num('E2E_LATENCY_S', 20),
    bufferRecords: num('E2E_BUFFER_RECORDS', mode === 'ci' ? 30000 : 100000),
    wanBin: resolve(values['wan-bin']!),
    rotate: rotate(env.E2E_ROTATE, mode),
    rotateAtS: num('E2E_ROTATE_AT_S', 10),
    certWatchS: env.E2E_CERT_WATCH_S ? num('E2E_CERT_WATCH_S', 0) : undefined,
    certStaggerS: env.E2E_CERT_STAGGER_S ? num('E2E_CERT_STAGGER_S', 0) : undefined,
    fault: fault(env.E2E_FAULT),
  };
}

function fault(v: string | undefined): Settings['fault'] {
  if (v === undefined || v === '' || v === 'none') return 'none';
  if (v === 'controller-majority' || v === 'migration-no-roll') return v;
  throw new Error(`E2E_FAULT=${v}: must be none, controller-majority or migration-no-roll`);
}

function stages(v: string | undefined): Settings['stages'] {
  if (v === undefined || v === '' || v === 'all') return 'all';
  if (v === 'trust' || v === 'network' || v === 'rotation' || v === 'alerts') return v;
  throw new Error(`E2E_STAGES=${v}: must be all, trust, network, rotation or alerts`);
}

/** Default: one leaf rotation in CI mode; none in full mode (nine ZooKeeper members restart 120 s apart: 17 min more). */
function rotate(v: string | undefined, mode: Settings['mode']): Settings['rotate'] {
  if (v === undefined || v === '') return mode === 'ci' ? 'leaf' : 'none';
  if (v === 'leaf' || v === 'ca' || v === 'none') return v;
  throw new Error(`E2E_ROTATE=${v}: must be leaf, ca or none`);
}
