import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import * as yaml from 'js-yaml';

// Reads the synthesized clusters/ tree back: the harness consumes exactly what GitOps would apply.

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [key: string]: unknown;
}

export interface TreeObject {
  readonly region: string;
  readonly file: string;
  readonly object: K8sObject;
}

export class Tree {
  readonly objects: TreeObject[] = [];

  constructor(readonly root: string) {
    for (const region of readdirSync(root)) {
      const dir = join(root, region);
      if (statSync(dir).isDirectory()) this.collect(region, dir);
    }
  }

  private collect(region: string, dir: string): void {
    for (const entry of readdirSync(dir).sort()) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) this.collect(region, path);
      else if (/\.ya?ml$/.test(entry) && entry !== 'kustomization.yaml') {
        for (const doc of yaml.loadAll(readFileSync(path, 'utf8'))) {
          if (doc && typeof doc === 'object' && 'kind' in doc) this.objects.push({ region, file: relative(this.root, path), object: doc as K8sObject });
        }
      }
    }
  }

  all(kind: string, region?: string): TreeObject[] {
    return this.objects.filter((o) => o.object.kind === kind && (region === undefined || o.region === region));
  }

  find(kind: string, name: string, region: string): TreeObject | undefined {
    return this.objects.find((o) => o.object.kind === kind && o.object.metadata.name === name && o.region === region);
  }

  get(kind: string, name: string, region: string): TreeObject {
    const o = this.find(kind, name, region);
    if (!o) throw new Error(`the synthesized tree has no ${kind} ${name} for region ${region} (under ${this.root}/${region}/)`);
    return o;
  }
}
