import { formatProblem, validateObjects } from '@stretched-kafka/validate';
import { App, Chart } from 'cdk8s';
import { DEFAULT_FLEET, Fleet, Region } from '@stretched-kafka/fleet';

export const clone = (): Fleet => JSON.parse(JSON.stringify(DEFAULT_FLEET));

export interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [k: string]: any;
}

export function synth(build: (chart: Chart, fleet: Fleet, region: Region) => void, fleet: Fleet, region: Region): Obj[] {
  const chart = new Chart(new App(), 'test', { disableResourceNameHashes: true });
  build(chart, fleet, region);
  return chart.toJson() as Obj[];
}

export const podSpecOf = (o: Obj): any => (o.kind === 'Deployment' || o.kind === 'Job' ? o.spec.template.spec : undefined);

/** The restricted Pod Security profile, field by field, for every container. */
export function expectHardened(o: Obj): void {
  const pod = podSpecOf(o);
  expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
  for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
    expect(c.securityContext).toMatchObject({
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(c.resources.requests.cpu).toBeDefined();
    expect(c.resources.requests.memory).toBeDefined();
    expect(c.resources.limits.memory).toBeDefined();
    // a read-only root needs a writable /tmp
    expect(c.volumeMounts.some((m: any) => m.mountPath === '/tmp')).toBe(true);
  }
}

/** Strict validation (unknown fields rejected) against the committed schemas in schemas/, which come from the upstream CRDs. */
export function crdErrors(objects: readonly unknown[]): string[] {
  return validateObjects(objects).map(formatProblem);
}
