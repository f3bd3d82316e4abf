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

/** "Written by `command` on <now> at commit <sha>" */
function written(command) {
  return `Written by \`${command}\` on ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')} at commit ${commit()}`;
}

/** The tool's own lines in a code fence, trailing blanks trimmed, and an empty line after it. */
function fenced(lines) {
  return ['```', ...lines.map((l) => l.replace(/\s+$/, '')), '```', ''];
}

/** Writes docs/measurements/<name>.md and returns its path. */
export function record(name, command, lines) {
  const file = join(root, 'docs', 'measurements', `${name}.md`);
  mkdirSync(dirname(file), { recursive: true });
  const text = [`# ${command}`, '', `${written(command)}.`, `Machine: ${machine()}.`, '', ...fenced(lines)].join('\n');
  writeFileSync(file, text);
  return file;
}

/**
 * Replaces the block between `<!-- name:start -->` and `<!-- name:end -->` in a document (the
 * README) with `lines`, headed by when, where and at which commit they were measured. A document
 * without both markers is left alone (returns false).
 */
export function recordBlock(doc, name, command, lines) {
  const file = join(root, doc);
  const text = readFileSync(file, 'utf8');
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  if (a < 0 || b < a) return false;
  const block = [start, `${written(command)}; machine: ${machine()}.`, '', ...fenced(lines)].join('\n');
  writeFileSync(file, text.slice(0, a) + block + text.slice(b));
  return true;
}

