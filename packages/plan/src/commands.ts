import { quote } from 'shell-quote';
import { Fleet, GITOPS_FOLDERS, Region, TLS } from '@stretched-kafka/fleet';
import { fluxBootstrapCommand, fluxGitUrl } from '@stretched-kafka/gitops';
import { brokerClientTokenSecret, joinSecretTemplate } from '@stretched-kafka/submariner';

// The shell commands `npm run plan` prints for a user to paste. Every word, fleet values and
// constants alike, goes through shell-quote's quote(), so a value can never end a word, start
// another command or expand anything, whatever validation let through.

/** One command line: each argument quoted as one shell word; `|` joins the stages of a pipeline. */
export function shellCommand(...stages: readonly (readonly string[])[]): string {
  return stages.map((argv) => quote(argv)).join(' | ');
}

/**
 * Copies a region's Submariner broker token into its cluster: the words of the submariner
 * package's joinSecretCommand, quoted (kubectl contexts named after the regions).
 */
export function joinSecretShellCommand(fleet: Fleet, region: Region): string {
  return shellCommand(
    ['kubectl', '--context', fleet.submariner.brokerRegion, '-n', fleet.submariner.brokerNamespace, 'get', 'secret', brokerClientTokenSecret(region), '-o', `go-template=${joinSecretTemplate(fleet)}`],
    ['kubectl', '--context', region.name, 'apply', '-f', '-'],
  );
}

/** `flux bootstrap git` for one region with its kubectl context: the words of the gitops package's fluxBootstrapCommand, quoted. */
export function fluxBootstrapShellCommand(fleet: Fleet, region: Region): string {
  // fluxBootstrapCommand refuses a revision that is not a branch; the words below are its own.
  fluxBootstrapCommand(fleet, region);
  return shellCommand([
    'flux',
    '--context',
    region.name,
    'bootstrap',
    'git',
    `--url=${fluxGitUrl(fleet.gitops.repoUrl)}`,
    `--branch=${fleet.gitops.revision}`,
    `--path=${fleet.gitops.path}/${GITOPS_FOLDERS.flux}/${region.name}`,
  ]);
}

/** File name the break-glass admin Certificate is saved under before `kubectl apply -f`. */
export const BREAK_GLASS_FILE = 'break-glass-admin.yaml';

/**
 * The break-glass admin's life cycle in the management region: request, wait until cert-manager
 * issued it, and (after the task) delete the Certificate and its Secret, so no super-user
 * credential stays behind.
 */
export function breakGlassShellCommands(fleet: Fleet): { request: string[]; retire: string[] } {
  const ctx = ['kubectl', '--context', fleet.topic.managementRegion, '-n', fleet.namespace];
  return {
    request: [
      shellCommand([...ctx, 'apply', '-f', BREAK_GLASS_FILE]),
      shellCommand([...ctx, 'wait', `certificate/${TLS.admin.secret}`, '--for=condition=Ready', '--timeout=120s']),
    ],
    retire: [shellCommand([...ctx, 'delete', 'certificate', TLS.admin.secret]), shellCommand([...ctx, 'delete', 'secret', TLS.admin.secret])],
  };
}
