// The GitOps tree on disk: which files validate reads, and which it leaves to Flux.
import { readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/** A path with forward slashes, as problem lines and rendered file paths write them. */
export const slashes = (p: string): string => p.split(sep).join('/');

/** .yaml/.yml files below `root`, sorted, relative to it with forward slashes. */
export function yamlFiles(root: string): string[] {
  const walk = (d: string): string[] =>
    readdirSync(d, { withFileTypes: true })
      .sort((a, b) => a.name.localeCompare(b.name))
      .flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : e.isFile() && /\.ya?ml$/.test(e.name) ? [join(d, e.name)] : []));
  // relative(), not slicing off root.length: join() normalises (`./clusters/x` -> `clusters/x`),
  // so the prefix need not be the text given.
  return walk(root).map((p) => slashes(relative(root, p)));
}

/**
 * Files under DIR that `flux bootstrap` wrote, not synth: `flux/<region>/flux-system/...`.
 *
 * The README bootstraps each cluster with `flux bootstrap git --path=clusters/flux/<region>`, and
 * bootstrap writes only into `<path>/<namespace>/` (gotk-components.yaml: Flux's own CRDs,
 * Deployments, RBAC; gotk-sync.yaml: the flux-system GitRepository and Kustomization;
 * kustomization.yaml), the namespace being flux-system (the generated layers read the
 * `flux-system` GitRepository, so it must be). Flux's docs have users customise Flux by
 * patching in that folder's kustomization.yaml, with patch files next to it: all of it is
 * Flux's configuration, at Flux's versions (older bootstraps write v1beta API versions we have
 * no schema for), so the whole folder is skipped, not just the three file names. Nothing else
 * is: a `flux-system` folder anywhere else was not written by that bootstrap and is checked
 * like any hand-added file. A path synth itself writes is never skipped (main.ts).
 */
export function writtenByFluxBootstrap(path: string): boolean {
  return /^flux\/[^/]+\/flux-system\//.test(path);
}
