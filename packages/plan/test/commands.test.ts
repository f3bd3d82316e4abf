import { spawnSync } from 'node:child_process';
import { parse, quote } from 'shell-quote';
import { DEFAULT_FLEET, Fleet, mergeOverride } from '@stretched-kafka/fleet';
import { fluxBootstrapCommand } from '@stretched-kafka/gitops';
import { joinSecretCommand } from '@stretched-kafka/submariner';
import { breakGlassShellCommands, fluxBootstrapShellCommand, joinSecretShellCommand, shellCommand } from '../src/commands';
import { renderPlan } from '../src/report';
import { fleetWith } from './fleets';

// What a shell makes of a pasted line: its words and its operators (shell-quote's own parser).
const words = (line: string) => parse(line);

const HOSTILE = [
  'a; rm -rf ~',
  '$(reboot)',
  '`id`',
  "it's",
  'it\'s $(x) and "y"',
  'a\nb',
  'a\r\nkubectl delete ns kafka',
  '|| true',
  '> /etc/passwd',
  '&& curl x | sh',
  '*',
  '~root',
  '#comment',
  '{{index .data "token"}}',
  '\\',
  '!',
  '--context=evil',
  '',
  ' ',
  'ünïcode',
];

describe('shellCommand: every word reaches the command as one word, nothing else runs', () => {
  // A real shell runs the line: printf prints each argument it got, NUL-terminated.
  const shells = ['bash', 'sh'].filter((sh) => spawnSync(sh, ['-c', 'true']).status === 0);
  const argsSeenBy = (sh: string, line: string) => {
    const res = spawnSync(sh, ['-c', line], { encoding: 'utf8', cwd: __dirname });
    return [res.status, res.stdout.split('\0').slice(0, -1)];
  };
  test.each(HOSTILE)('%j', (hostile) => {
    const argv = ['--context', hostile, `x${hostile}`, `--url=${hostile}`];
    const line = shellCommand(['printf', '%s\\0', ...argv], ['cat']);
    // It is shell-quote's own quoting, stage by stage, not a look-alike.
    expect(line).toBe(`${quote(['printf', '%s\\0', ...argv])} | ${quote(['cat'])}`);
    expect(shells.length).toBeGreaterThan(0);
    for (const sh of shells) expect(argsSeenBy(sh, line)).toEqual([0, argv]);
  });
});

/** Every line of every ```sh block of a plan. */
function shellLines(plan: string): string[] {
  return [...plan.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].flatMap((m) => m[1].split('\n').filter((l) => l !== ''));
}

describe('the plan prints its shell commands through shell-quote only', () => {
  const plans: [string, Fleet][] = [
    ['default fleet', DEFAULT_FLEET],
    ['scp-style repository, branch with a slash, other path', fleetWith({ gitops: { repoUrl: 'git@github.com:corp/kafka.git', revision: 'release/2026-12', path: 'deploy/clusters' } })],
  ];
  test.each(plans)('%s: each line is one of the quoted builders, with the words of the packages that define the commands', (_name, fleet) => {
    const lines = shellLines(renderPlan(fleet));
    const glass = breakGlassShellCommands(fleet);
    const expected = [...fleet.regions.map((r) => joinSecretShellCommand(fleet, r)), ...fleet.regions.map((r) => fluxBootstrapShellCommand(fleet, r)), ...glass.request, ...glass.retire];
    expect(lines).toEqual(expected);
    for (const r of fleet.regions) {
      // Same words as the submariner and gitops packages' own command strings, read by a shell.
      expect(words(joinSecretShellCommand(fleet, r))).toEqual(words(joinSecretCommand(fleet, r)));
      expect(words(fluxBootstrapShellCommand(fleet, r))).toEqual(['flux', '--context', r.name, ...words(fluxBootstrapCommand(fleet, r)).slice(1)]);
    }
  });

  test('hostile values that validation would refuse still cannot break out of their word', () => {
    // Not validated on purpose: the quoting must hold on its own.
    const evil = '$(curl evil|sh)';
    const fleet = mergeOverride(JSON.parse(JSON.stringify(DEFAULT_FLEET)), {
      submariner: { brokerRegion: `us-east4; ${evil}`, brokerNamespace: `ns\`${evil}\``, joinSecretName: `x'"${evil}` },
      gitops: { repoUrl: `https://git.example.com/${evil}.git`, revision: `main && ${evil}`, path: `a b/${evil}` },
    }) as Fleet;
    fleet.regions = fleet.regions.map((r) => ({ ...r, name: `${r.name}\n${evil}` }));
    for (const r of fleet.regions) {
      const join = words(joinSecretShellCommand(fleet, r));
      expect(join.filter((w) => typeof w !== 'string')).toEqual([{ op: '|' }]);
      expect(join.slice(0, 5)).toEqual(['kubectl', '--context', `us-east4; ${evil}`, '-n', `ns\`${evil}\``]);
      expect(join.at(-4)).toBe(r.name);
      const flux = words(fluxBootstrapShellCommand(fleet, r));
      expect(flux.every((w) => typeof w === 'string')).toBe(true);
      expect(flux).toEqual(['flux', '--context', r.name, 'bootstrap', 'git', `--url=https://git.example.com/${evil}.git`, `--branch=main && ${evil}`, `--path=a b/${evil}/flux/${r.name}`]);
    }
  });
});
