import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as yaml from 'js-yaml';
import Ajv from 'ajv';
import { App, Chart } from 'cdk8s';
import { DEFAULT_FLEET, Fleet, Region, validateFleet } from '@stretched-kafka/fleet';

export const clone = (): Fleet => JSON.parse(JSON.stringify(DEFAULT_FLEET));

/** The reference fleet plus a fourth region without ZooKeeper, and another namespace and domain. */
export function fourRegionFleet(): Fleet {
  const f = clone();
  f.namespace = 'streaming';
  f.network.clusterDomain = 'corp.internal';
  f.kafka.defaultPartitions = 12;
  f.regions.push({ ...f.regions[0], name: 'eu-west1', clusterId: 'cluster4', idBlock: 3, podCidr: '10.140.0.0/14', serviceCidr: '172.28.0.0/16', zookeeperReplicas: 0 });
  return validateFleet(f);
}

export interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: any;
}

export function synth(build: (chart: Chart, fleet: Fleet, region: Region) => void, fleet: Fleet, region: Region): Obj[] {
  const chart = new Chart(new App(), 'test', { disableResourceNameHashes: true });
  build(chart, fleet, region);
  return chart.toJson() as Obj[];
}

// The upstream CRD copies (same lookup as scripts/import-crds.mjs); absent outside the workspace.
export const CRD_DIR = process.env.CRD_DIR ?? join(__dirname, '..', '..', '..', '..', 'shared', 'crds');
export const haveCrds = existsSync(CRD_DIR);

/** Validates objects against the storage version of an upstream CRD; returns ajv's messages. */
export function crdErrors(file: string, objects: readonly Obj[]): string[] {
  const crd = yaml.load(readFileSync(join(CRD_DIR, file), 'utf8')) as any;
  const version = crd.spec.versions.find((v: any) => v.storage);
  const validate = new Ajv({ strict: false, validateFormats: false, allErrors: true }).compile(version.schema.openAPIV3Schema);
  // Called through a plain signature: ajv's type guard would narrow `o` to never on failure.
  const valid: (data: unknown) => boolean = validate;
  return objects.flatMap((o) => (valid(o) ? [] : (validate.errors ?? []).map((e) => `${o.kind}/${o.metadata.name}${e.instancePath} ${e.message}`)));
}
