import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { DEFAULT_FLEET, Fleet, validateFleet } from '@stretched-kafka/fleet';
import { kafkaConfigData } from '@stretched-kafka/kafka';
import { GENERATED_MARKER, podScript } from '@stretched-kafka/platform';
import { zookeeperConfigData } from '@stretched-kafka/zookeeper';

// shellcheck over every shell script of the repository: the script files of the packages, the
// scripts as the ConfigMaps carry them (generated block filled in, for every region of the
// reference fleet and of the harness's reduced fleet), and the harness and tool scripts.
// shellcheck is a prerequisite of `npm test`: without it this test fails, it does not skip.

const ROOT = join(__dirname, '..');

function shellFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules' || name === 'dist') return [];
    if (statSync(path).isDirectory()) return shellFiles(path);
    return name.endsWith('.sh') ? [path] : [];
  });
}

/** The `.sh` files directly in dir (not below it). */
function listed(dir: string): string[] {
  const path = join(ROOT, dir);
  return existsSync(path) ? readdirSync(path).filter((n) => n.endsWith('.sh')).map((n) => join(path, n)) : [];
}

/** shellcheck's findings (gcc format) for files, or for one script on stdin named `name`; '' when clean. */
function shellcheck(args: readonly string[], input?: { name: string; text: string }): string {
  const r = spawnSync('shellcheck', ['--format=gcc', ...(input ? ['--shell=bash', '-'] : args)], { cwd: ROOT, input: input?.text, encoding: 'utf8' });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') {
    throw new Error('shellcheck is not installed; it is a prerequisite of npm test: apt-get install shellcheck');
  }
  if (r.error) throw r.error;
  const out = `${r.stdout}${r.stderr}`.trim();
  if (r.status !== 0 && out === '') throw new Error(`shellcheck exited ${r.status} without findings`);
  return input ? out.replace(/^-:/gm, `${input.name}:`) : out;
}

const referenceFleet = (): Fleet => JSON.parse(JSON.stringify(DEFAULT_FLEET));
function reducedFleet(): Fleet {
  const f = referenceFleet();
  for (const r of f.regions) {
    r.zookeeperReplicas = 1;
    r.kafkaReplicas = 1;
  }
  return validateFleet(f);
}

/** Every `.sh` key of the kafka and zookeeper ConfigMaps, per fleet and region. */
function renderedScripts(): { name: string; text: string; data: Record<string, string> }[] {
  return [['reference', referenceFleet()], ['reduced', reducedFleet()]].flatMap(([label, fleet]) =>
    (fleet as Fleet).regions.flatMap((region) =>
      [['kafka-config', kafkaConfigData(fleet as Fleet, region)], ['zookeeper-config', zookeeperConfigData(fleet as Fleet, region)]].flatMap(([cm, data]) =>
        Object.entries(data as Record<string, string>)
          .filter(([key]) => key.endsWith('.sh'))
          .map(([key, text]) => ({ name: `${label} fleet, ${region.name}, ConfigMap ${cm}, ${key}`, text, data: data as Record<string, string> })),
      ),
    ),
  );
}

describe('shellcheck', () => {
  it('is installed (apt-get install shellcheck)', () => {
    expect(shellcheck(['--version'])).toMatch(/version/);
  });

  it('finds nothing in the script files of the packages', () => {
    const files = shellFiles(join(ROOT, 'packages'));
    expect(files.map((f) => relative(ROOT, f))).toEqual(expect.arrayContaining(['packages/kafka/src/scripts/start.sh', 'packages/zookeeper/src/scripts/health.sh']));
    // SC2154 (lower-case variable used but never assigned) is left to the rendered scripts below:
    // in a file, myid, restart_slot and the like are assigned by the generated block only.
    expect(shellcheck(['--exclude=SC2154', ...files.map((f) => relative(ROOT, f))])).toBe('');
  });

  it('finds nothing in the scripts as the ConfigMaps carry them, generated block filled in', () => {
    const scripts = renderedScripts();
    expect(scripts.length).toBeGreaterThan(6);
    const findings = scripts.map((s) => shellcheck([], s)).filter((f) => f !== '');
    expect(findings.join('\n')).toBe('');
  });

  it('finds nothing in the harness and tool scripts (e2e/)', () => {
    const files = ['e2e', 'e2e/kafka-home/bin', 'e2e/k8s'].flatMap(listed);
    expect(files.length).toBeGreaterThan(0);
    expect(shellcheck(files.map((f) => relative(ROOT, f)))).toBe('');
  });
});

describe('the scripts as the ConfigMaps carry them', () => {
  it('have the generated block in place of the marker, and read only files of their own ConfigMap', () => {
    for (const { name, text, data } of renderedScripts()) {
      expect({ name, marker: text.split('\n').includes(GENERATED_MARKER) }).toEqual({ name, marker: false });
      expect({ name, start: text.startsWith('#!/usr/bin/env bash\n') }).toEqual({ name, start: true });
      for (const [, key] of text.matchAll(/\$CONFIG_DIR\/([A-Za-z0-9._-]+)/g)) expect({ name, key, present: key in data }).toEqual({ name, key, present: true });
    }
  });

  it('podScript wants the marker exactly once, on a line of its own', () => {
    expect(podScript(`a\n${GENERATED_MARKER}\nb\n`, 'x.sh', 'r1', ['X=1'])).toBe('a\n# --- generated by stretched-kafka for region r1 into x.sh ---\nX=1\n# --- end of the generated block ---\nb\n');
    expect(() => podScript('a\nb\n', 'x.sh', undefined, [])).toThrow('x.sh: expected one line "# @generated", found 0');
    expect(() => podScript(`${GENERATED_MARKER}\n${GENERATED_MARKER}\n`, 'x.sh', undefined, [])).toThrow('found 2');
    expect(() => podScript(`  ${GENERATED_MARKER}\n`, 'x.sh', undefined, [])).toThrow('found 0');
  });
});

