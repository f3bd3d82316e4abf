// Writes a measurement into docs/measurements/<name>.md: the tool that measured it, when, on
// which machine, and its own output, so figures in the docs are never edited by hand.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';

// npm scripts, e2e/run.sh and the bench all run from the repository root (the harness bundles
// this file as CommonJS, where import.meta is empty).
const root = process.cwd();

/** One line naming the machine: CPU model and count, memory, kernel, Node. */
export function machine() {
  const cpu = cpus();
  let kernel = '';
  try {
    kernel = readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim();
  } catch {
    kernel = process.platform;
  }
  return `${cpu.length} x ${cpu[0]?.model?.trim() ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Linux ${kernel}, Node ${process.version}`;
}

function commit() {
  try {
    return execFileSync('git', ['-C', root, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

/** Writes docs/measurements/<name>.md and returns its path. */
export function record(name, command, lines) {
  const file = join(root, 'docs', 'measurements', `${name}.md`);
  mkdirSync(dirname(file), { recursive: true });
  const text = [
    `# ${command}`,
    '',
    `Written by \`${command}\` on ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')} at commit ${commit()}.`,
    `Machine: ${machine()}.`,
    '',
    '```',
    ...lines.map((l) => l.replace(/\s+$/, '')),
    '```',
    '',
  ].join('\n');
  writeFileSync(file, text);
  return file;
}
