// Summarises V8 CPU profiles (node --cpu-prof) of the load program: self time by source module
// and by the functions that cost most. The program runs as one esbuild bundle, whose comment
// lines `// node_modules/kafkajs/src/...` mark where each module starts; a sample's line number
// names its module through them.
//
//   node scripts/cpuprofile-summary.mjs [--top N] FILE.cpuprofile...
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
let top = 15;
const files = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--top') top = Number(args[++i]);
  else files.push(args[i]);
}
if (files.length === 0 || !Number.isInteger(top) || top < 1) {
  console.error('usage: node scripts/cpuprofile-summary.mjs [--top N] FILE.cpuprofile...');
  process.exit(2);
}

/** Module start lines of a bundle, sorted: [[line, module], ...] (line numbers 0-based as V8's). */
const bundles = new Map();
function modulesOf(url) {
  if (!bundles.has(url)) {
    let starts = [];
    const path = url.startsWith('file://') ? fileURLToPath(url) : url;
    if (path && existsSync(path)) {
      starts = readFileSync(path, 'utf8')
        .split('\n')
        .map((l, i) => [i, /^\/\/ ((?:node_modules|packages|e2e|scripts)\/\S+)$/.exec(l)?.[1]])
        .filter(([, m]) => m);
    }
    bundles.set(url, starts);
  }
  return bundles.get(url);
}

function moduleOf({ url, lineNumber, functionName }) {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const starts = modulesOf(url);
  let found;
  for (const [line, m] of starts) {
    if (line > lineNumber) break;
    found = m;
  }
  return found ?? url.replace(/^file:\/\//, '').replace(/^node:/, 'node:');
}

const byModule = new Map();
const byFunction = new Map();
let total = 0;
for (const file of files) {
  const p = JSON.parse(readFileSync(file, 'utf8'));
  const nodes = new Map(p.nodes.map((n) => [n.id, n]));
  for (let i = 0; i < p.samples.length; i++) {
    const dt = p.timeDeltas[i] ?? 0;
    const n = nodes.get(p.samples[i]);
    if (!n) continue;
    total += dt;
    const m = moduleOf(n.callFrame);
    byModule.set(m, (byModule.get(m) ?? 0) + dt);
    const f = `${n.callFrame.functionName || '(anonymous)'}  ${m}`;
    byFunction.set(f, (byFunction.get(f) ?? 0) + dt);
  }
}

const pct = (x) => `${((100 * x) / total).toFixed(1).padStart(5)} %`;
const sec = (x) => `${(x / 1e6).toFixed(2).padStart(7)} s`;
console.log(`${files.length} profile(s), ${(total / 1e6).toFixed(2)} s sampled (wall time of every profiled thread, idle included)`);
console.log('');
console.log('self time by module:');
for (const [m, t] of [...byModule].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${sec(t)} ${pct(t)}  ${m}`);
console.log('');
console.log('self time by function:');
for (const [f, t] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${sec(t)} ${pct(t)}  ${f}`);
