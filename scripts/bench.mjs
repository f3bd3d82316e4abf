// `npm run bench`: prints timings, asserts nothing. Synth for the default fleet and for a generated
// 30-region fleet, as a whole process (what a user waits for) and in process (render only, to
// separate the generator's own cost from Node start-up and module loading). Output goes to temp
// folders, never to clusters/. BENCH_RUNS sets the number of runs per figure (default 5);
// BENCH_KAFKA=0 skips the Kafka part; BENCH_RECORD=0 prints without writing docs/measurements/bench.md.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { record, recordBlock } from './record.mjs';

// Everything printed is also recorded into docs/measurements/bench.md (BENCH_RECORD=0: print only).
const printed = [];
const print = console.log;
console.log = (...args) => {
  const line = args.join(' ');
  printed.push(...line.split('\n'));
  print(line);
};

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const runs = Math.max(1, Number(process.env.BENCH_RUNS ?? 5));
const work = mkdtempSync(join(tmpdir(), 'stretched-kafka-bench-'));

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const ms = (x) => (x === undefined ? '-' : x.toFixed(1));

/**
 * 30 regions of 1 broker; ZooKeeper 1 in each of the first 15 (15 in total, odd, at most 15, no
 * region with a majority, ids below 256); 90 partitions (a multiple of 30 brokers); disjoint CIDRs.
 */
function thirtyRegionFleet() {
  const pad = (i) => String(i + 1).padStart(2, '0');
  const regions = Array.from({ length: 30 }, (_, i) => ({
    name: `region-${pad(i)}`,
    clusterId: `cluster${pad(i)}`,
    idBlock: i,
    podCidr: `10.${i * 4}.0.0/14`,
    serviceCidr: `10.${128 + i}.0.0/16`,
    zookeeperReplicas: i < 15 ? 1 : 0,
    kafkaReplicas: 1,
    producers: 1,
    consumers: 1,
    kubeApiServer: `https://api.cluster${pad(i)}.example.com:6443`,
  }));
  return {
    regions,
    kafka: { defaultPartitions: 30 },
    topic: { partitions: 90, managementRegion: regions[0].name },
    submariner: { brokerRegion: regions[0].name, brokerApiServer: regions[0].kubeApiServer },
  };
}

// JSON is YAML, so the override file needs no YAML writer.
const fleets = [
  // An empty override, so a fleet.yaml in the working tree does not change the baseline.
  { label: 'default (3 regions)', file: join(work, 'fleet-default.yaml'), override: {} },
  { label: '30 regions', file: join(work, 'fleet-30.yaml'), override: thirtyRegionFleet() },
];
for (const f of fleets) if (f.override) writeFileSync(f.file, JSON.stringify(f.override, null, 2));

// The synth CLI runs main() on load, so the in-process figures use their own small bundle of the
// same loadFleet + render the CLI calls.
const renderBundle = join(work, 'render.cjs');
await build({
  stdin: {
    contents: "export { loadFleet } from './packages/fleet/src/index.ts';\nexport { render } from './packages/synth/src/render.ts';\n",
    resolveDir: root,
    loader: 'ts',
  },
  outfile: renderBundle,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  logLevel: 'warning',
  external: ['lz4-napi'],
  loader: { '.sh': 'text' },
});
const { loadFleet, render } = createRequire(import.meta.url)(renderBundle);

const synthJs = join(root, 'dist', 'synth.js');
if (!existsSync(synthJs)) spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs'), 'synth'], { cwd: root, stdio: 'inherit' });

function wholeProcess(fleetFile) {
  const walls = [];
  const reported = [];
  for (let i = 0; i < runs; i++) {
    // A fresh folder each run: every file is written, as on a first synth.
    const out = mkdtempSync(join(work, 'out-'));
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [synthJs, '--fleet', fleetFile, '--out', out], { cwd: root, encoding: 'utf8' });
    walls.push(performance.now() - t0);
    rmSync(out, { recursive: true, force: true });
    if (r.status !== 0) return { error: (r.stderr || r.stdout).trim().split('\n')[0] };
    const m = / in (\d+) ms/.exec(r.stdout);
    if (m) reported.push(Number(m[1]));
  }
  return { wall: median(walls), reported: reported.length ? median(reported) : undefined };
}

function inProcess(fleetFile) {
  try {
    const t0 = performance.now();
    const fleet = loadFleet(fleetFile);
    const first = render(fleet);
    const cold = performance.now() - t0;
    const warm = [];
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      render(loadFleet(fleetFile));
      warm.push(performance.now() - t);
    }
    return { cold, warm: median(warm), files: first.files.length, objects: first.objectCount };
  } catch (e) {
    return { error: String(e.message ?? e).split('\n')[0] };
  }
}

const nodeStart = median(Array.from({ length: runs }, () => {
  const t0 = performance.now();
  spawnSync(process.execPath, ['-e', ''], { stdio: 'ignore' });
  return performance.now() - t0;
}));

const rows = fleets.map((f) => ({ label: f.label, proc: wholeProcess(f.file), inproc: inProcess(f.file) }));

// What a user waits for: `npm run synth` with the bundle already built (the build script reuses
// it when no input changed), default fleet, into a temp folder, median of 7 runs.
const npmOut = join(work, 'npm-synth');
spawnSync('npm', ['run', '-s', 'synth', '--', '--out', npmOut], { cwd: root, stdio: 'ignore' });
const npmSynth = median(Array.from({ length: 7 }, () => {
  const t0 = performance.now();
  const r = spawnSync('npm', ['run', '-s', 'synth', '--', '--out', npmOut], { cwd: root, stdio: 'ignore' });
  if (r.status !== 0) throw new Error(`npm run synth exited ${r.status}`);
  return performance.now() - t0;
}));

console.log(`npm run synth (default fleet, bundle reused), median of 7 runs: ${ms(npmSynth)} ms.`);
console.log(`Synth timings, median of ${runs} runs (ms). Node start-up alone: ${ms(nodeStart)} ms.`);
console.log('');
const header = ['fleet', 'files', 'objects', 'process wall', 'synth reports', 'render cold', 'render warm'];
const table = rows.map((r) => [
  r.label,
  r.inproc.files ?? '-',
  r.inproc.objects ?? '-',
  ms(r.proc.wall),
  ms(r.proc.reported),
  ms(r.inproc.cold),
  ms(r.inproc.warm),
].map(String));
const widths = header.map((h, i) => Math.max(h.length, ...table.map((t) => t[i].length)));
const fmt = (cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
console.log(fmt(header));
for (const t of table) console.log(fmt(t));
for (const r of rows) {
  if (r.proc.error) console.log(`${r.label}: synth process failed: ${r.proc.error}`);
  if (r.inproc.error) console.log(`${r.label}: in-process render failed: ${r.inproc.error}`);
}
console.log('');
console.log('process wall = node dist/synth.js into an empty temp folder; synth reports = its own "in N ms" (load + render + write);');
console.log('render cold = first loadFleet + render in this process; render warm = later calls.');

rmSync(work, { recursive: true, force: true });

// ---------------------------------------------------------------------------------------------
// HOOK: load program vs Kafka's own perf tool. The real-Kafka harness owns e2e/bench-kafka.sh;
// this section only runs it and passes its output through.
// ---------------------------------------------------------------------------------------------
console.log('');
const kafkaBench = join(root, 'e2e', 'bench-kafka.sh');
/** The Kafka part's ratio lines and setting, for the README's block. */
let kafkaSummary = [];
if (process.env.BENCH_KAFKA === '0') {
  console.log('load program vs kafka-producer-perf-test: skipped (BENCH_KAFKA=0)');
} else if (existsSync(kafkaBench)) {
  console.log('load program vs kafka-producer-perf-test (e2e/bench-kafka.sh):');
  const r = spawnSync('bash', [kafkaBench], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  if (r.stdout) console.log(r.stdout.trimEnd());
  if (r.status !== 0) console.log(`e2e/bench-kafka.sh exited with ${r.status ?? r.signal}`);
  kafkaSummary = (r.stdout ?? '').split('\n').filter((l) => /^ratio |load average at the end|^bench-kafka: Kafka |^bench-kafka: acks=all/.test(l));
} else {
  console.log('load program vs kafka-producer-perf-test: run needs e2e/bench-kafka.sh');
}

// The failover figures are the region-cut harness's (it measures them, with Kafka's own failover
// beside them); quoted here from its last record so the bench shows both sides of item 12.
const stallLines = [];
for (const mode of ['ci', 'full']) {
  const file = join(root, 'docs', 'measurements', `e2e-${mode}.md`);
  if (!existsSync(file)) continue;
  const text = readFileSync(file, 'utf8').split('\n');
  const when = text.find((l) => l.startsWith('Written by'))?.replace(/^Written by `[^`]*` /, '') ?? '';
  stallLines.push(`region cut, E2E_MODE=${mode} harness (docs/measurements/e2e-${mode}.md, ${when.replace(/\.$/, '')}):`);
  for (const l of text.filter((x) => /longest produce stall|longest partition stall|Kafka failover after cut|lost records|reordered records/.test(x))) stallLines.push(`  ${l.replace(/^e2e:\s+/, '')}`);
}
console.log('');
if (stallLines.length) for (const l of stallLines) console.log(l);
else console.log('region cut stall figures: no harness record yet (E2E_MODE=ci npm run test:e2e writes docs/measurements/e2e-ci.md)');

if (process.env.BENCH_RECORD !== '0') {
  print(`bench: recorded in ${record('bench', 'npm run bench', printed)}`);
  if (kafkaSummary.length && recordBlock('README.md', 'bench-ratios', 'npm run bench', [...kafkaSummary, ...stallLines])) print('bench: README.md ratios block updated');
}
