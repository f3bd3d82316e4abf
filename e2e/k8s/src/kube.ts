// kubectl against one control plane: server-side apply with a tool's field manager, diff,
// reads, auth can-i, deletes. Every call is bounded; apply results are per object.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Result, run } from './proc';
import { Obj, dumpDocs, kubectlName, label } from './tree';

export interface ObjectResult {
  readonly object: Obj;
  readonly ok: boolean;
  /** the API server's (or kubectl's) message for a refused object */
  readonly message: string;
  readonly warnings: string[];
}

export interface ApplyResult {
  readonly results: ObjectResult[];
  readonly code: number;
  readonly output: string;
}

let fileCounter = 0;
/** kubectl calls made and their summed duration, for the summary */
export const kubectlStats = { calls: 0, ms: 0 };

export class Kube {
  constructor(
    readonly kubectl: string,
    readonly kubeconfig: string,
    readonly context: string,
    readonly scratch: string,
  ) {}

  private base(): string[] {
    return [`--kubeconfig=${this.kubeconfig}`, `--context=${this.context}`, `--cache-dir=${this.scratch}/kube-cache-${this.context}`];
  }

  async run(args: readonly string[], opts: { input?: string; timeoutMs?: number; combined?: boolean } = {}): Promise<Result> {
    const r = await run(this.kubectl, [...this.base(), ...args], { timeoutMs: 90_000, ...opts });
    kubectlStats.calls++;
    kubectlStats.ms += r.ms;
    return r;
  }

  async json(args: readonly string[]): Promise<Obj> {
    const r = await this.run([...args, '-o', 'json']);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} (${this.context}): ${r.stderr.trim()}`);
    return JSON.parse(r.stdout) as Obj;
  }

  /** Writes objects to a scratch file (kubectl -f), returning its path. */
  file(objs: readonly Obj[], tag: string): string {
    const f = join(this.scratch, `${this.context.replace(/[^\w.-]/g, '_')}-${tag}-${fileCounter++}.yaml`);
    writeFileSync(f, dumpDocs(objs));
    return f;
  }

  /**
   * Server-side apply of `objs` in order, in one kubectl call (kubectl applies them one after the
   * other and goes on after a refusal). Per object: accepted or refused with the message, and the
   * warnings the API server returned (kubectl prints a warning before the object's name line).
   */
  async apply(objs: readonly Obj[], manager: string, opts: { force?: boolean; dryRun?: boolean; tag?: string } = {}): Promise<ApplyResult> {
    if (objs.length === 0) return { results: [], code: 0, output: '' };
    const f = this.file(objs, opts.tag ?? 'apply');
    const args = ['apply', '--server-side', `--field-manager=${manager}`, '-o', 'name', '-f', f];
    if (opts.force !== false) args.push('--force-conflicts');
    if (opts.dryRun) args.push('--dry-run=server');
    const r = await this.run(args, { combined: true, timeoutMs: 180_000 });
    return { results: attribute(objs, r.combined), code: r.code, output: r.combined };
  }

  /**
   * Argo CD's Replace=true: `kubectl create` when the object is missing, else `kubectl replace`
   * (with Force=true `replace --force`: delete, then create).
   */
  async createOrReplace(o: Obj, manager: string, force: boolean, dryRun = false): Promise<ObjectResult & { verb: string }> {
    const f = this.file([o], 'replace');
    const exists = (await this.run(['get', '-f', f, '-o', 'name', '--ignore-not-found'])).stdout.trim() !== '';
    const verb = exists ? (force ? 'replace --force' : 'replace') : 'create';
    const args = [...verb.split(' '), `--field-manager=${manager}`, '-o', 'name', '-f', f];
    if (dryRun) args.push('--dry-run=server');
    const r = await this.run(args, { combined: true, timeoutMs: 180_000 });
    return { ...attribute([o], r.combined)[0], verb };
  }

  /** Deletes one object and waits until it is gone (Flux's force: recreate after an immutable-field refusal). */
  async deleteAndWait(o: Obj): Promise<Result> {
    const f = this.file([o], 'recreate');
    return this.run(['delete', '--ignore-not-found', '--wait=true', '--timeout=60s', '-f', f], { combined: true });
  }

  /** kubectl diff --server-side as `manager`: exit 0 no diff, 1 diff (then the objects that differ), >1 error. */
  async diff(objs: readonly Obj[], manager: string): Promise<{ code: number; objects: string[]; output: string }> {
    if (objs.length === 0) return { code: 0, objects: [], output: '' };
    const f = this.file(objs, 'diff');
    const r = await this.run(['diff', '--server-side', `--field-manager=${manager}`, '--force-conflicts', '-f', f], { timeoutMs: 180_000 });
    const objects = [...r.stdout.matchAll(/^diff -u -N \S+\/(\S+) \S+$/gm)].map((m) => m[1]);
    return { code: r.code, objects, output: r.stdout + r.stderr };
  }

  /** `kubectl auth can-i <verb> <resource> -n <ns> --as=<user>`: yes / no (anything else is an error). */
  async canI(user: string, verb: string, resource: string, namespace?: string, subresource?: string): Promise<boolean> {
    const args = ['auth', 'can-i', verb, resource, `--as=${user}`];
    if (subresource) args.push(`--subresource=${subresource}`);
    args.push(namespace === undefined ? '--all-namespaces' : `--namespace=${namespace}`);
    const r = await this.run(args);
    const out = r.stdout.trim();
    if (out === 'yes') return true;
    if (out === 'no' || out.startsWith('no')) return false;
    throw new Error(`kubectl auth can-i ${verb} ${resource} as ${user} (${this.context}): ${r.stderr.trim() || out}`);
  }

  /**
   * Many SubjectAccessReviews in one kubectl call (a List created at once): what the API server's
   * authorizer answers for a ServiceAccount, as `kubectl auth can-i --as` asks it one at a time.
   */
  async reviews(sa: { namespace: string; name: string }, probes: readonly { verb: string; group: string; resource: string; subresource?: string; name?: string; namespace?: string }[]): Promise<boolean[]> {
    const user = `system:serviceaccount:${sa.namespace}:${sa.name}`;
    const groups = ['system:serviceaccounts', `system:serviceaccounts:${sa.namespace}`, 'system:authenticated'];
    const items = probes.map((p) => ({
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      spec: { user, groups, resourceAttributes: { verb: p.verb, group: p.group, resource: p.resource, subresource: p.subresource, name: p.name, namespace: p.namespace } },
    }));
    const f = this.file([{ apiVersion: 'v1', kind: 'List', items }], 'sar');
    const r = await this.run(['create', '--validate=false', '-f', f, '-o', 'jsonpath={.status.allowed}{"\\n"}']);
    const answers = r.stdout.split('\n').filter((l) => l.trim() !== '');
    if (r.code !== 0 || answers.length !== probes.length) throw new Error(`SubjectAccessReviews as ${user} (${answers.length} answers for ${probes.length}): ${r.stderr.trim()}`);
    return answers.map((a) => a.trim() === 'true');
  }

  /** Deletes objects (kubectl delete -f, not waiting for finalizers); the output. */
  async delete(objs: readonly Obj[]): Promise<Result> {
    const f = this.file(objs.map((o) => ({ apiVersion: o.apiVersion, kind: o.kind, metadata: { name: o.metadata.name, namespace: o.metadata.namespace } })), 'delete');
    return this.run(['delete', '--ignore-not-found', '--wait=false', '-f', f], { combined: true });
  }
}

/**
 * Splits kubectl apply's interleaved output into per-object results. Successes print
 * `<kind>.<group>/<name>` in file order, each preceded by its warnings; refusals print
 * `Error from server ...` / `error: ...` blocks (at the end, in file order) naming the object.
 */
export function attribute(objs: readonly Obj[], output: string): ObjectResult[] {
  const lines = output.split('\n');
  const successes: { name: string; warnings: string[] }[] = [];
  const errors: string[] = [];
  let pending: string[] = [];
  for (const line of lines) {
    if (line.trim() === '') continue;
    if (line.startsWith('Warning: ')) {
      pending.push(line.slice('Warning: '.length));
    } else if (/^[a-z0-9.-]+\/[a-z0-9.-]+( \(server dry run\))?$/.test(line.trim())) {
      successes.push({ name: line.trim().replace(/ \(server dry run\)$/, ''), warnings: pending });
      pending = [];
    } else if (/^(Error from server|error:|Error:|resource mapping not found|The \S+ "[^"]*" is invalid|Apply failed with)/.test(line) || errors.length === 0) {
      // kubectl prints each refusal as one block, at the end, in file order
      errors.push(line);
    } else {
      errors[errors.length - 1] += `\n${line}`;
    }
  }
  const results: ObjectResult[] = [];
  let s = 0;
  const failed: number[] = [];
  for (let i = 0; i < objs.length; i++) {
    const o = objs[i];
    if (s < successes.length && successes[s].name === kubectlName(o)) {
      results.push({ object: o, ok: true, message: '', warnings: successes[s].warnings });
      s++;
    } else {
      failed.push(i);
      results.push({ object: o, ok: false, message: '', warnings: [] });
    }
  }
  // a failed object's message: the error block that quotes its name, else the next unclaimed one in order
  const unclaimed = errors.map((_e, i) => i);
  for (const i of failed) {
    const o = objs[i];
    const name = `"${o.metadata?.name}"`;
    let pick = unclaimed.find((e) => errors[e].includes(name) && errors[e].toLowerCase().includes(String(o.kind).toLowerCase()));
    if (pick === undefined) pick = unclaimed.find((e) => errors[e].includes(name));
    if (pick === undefined) pick = unclaimed[0];
    if (pick !== undefined) unclaimed.splice(unclaimed.indexOf(pick), 1);
    const message = pick === undefined ? `no result for ${label(o)} in kubectl's output` : errors[pick];
    results[i] = { object: o, ok: false, message: message.trim(), warnings: [] };
  }
  if (pending.length > 0) {
    // warnings after the last success belong to a refused object (or to the run): keep them visible
    const last = results[results.length - 1];
    results[results.length - 1] = { ...last, warnings: [...last.warnings, ...pending] };
  }
  return results;
}
