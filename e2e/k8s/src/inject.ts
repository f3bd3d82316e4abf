// Rules only the API server checks, broken on purpose in a copy of a region's tree (negative
// proof: the harness must fail on each, with the API server's message).
import { Obj, clone } from './tree';

export interface Injection {
  readonly id: string;
  readonly what: string;
  /** what the failing checks must contain: the API server's (or admission's) words */
  readonly expect: RegExp;
  /** a copy of the units' objects with the rule broken in one object (returned as `changed`) */
  apply(units: readonly Obj[][]): { units: Obj[][]; changed: Obj };
}

function first(units: Obj[][], kind: string, pick?: (o: Obj) => boolean): Obj {
  for (const u of units) for (const o of u) if (o.kind === kind && (!pick || pick(o))) return o;
  throw new Error(`inject: the tree has no ${kind}`);
}

export const INJECTIONS: readonly Injection[] = [
  {
    id: 'immutable',
    what: 'StatefulSet serviceName changed on a live StatefulSet (immutable)',
    expect: /updates to statefulset spec for fields other than/,
    apply(units) {
      const copy = clone(units) as Obj[][];
      const sts = first(copy, 'StatefulSet');
      sts.spec.serviceName = `${sts.spec.serviceName}-renamed`;
      return { units: copy, changed: sts };
    },
  },
  {
    id: 'port-name',
    what: 'container port name of 16 characters (IANA_SVC_NAME: at most 15)',
    expect: /must be no more than 15 characters/,
    apply(units) {
      const copy = clone(units) as Obj[][];
      const sts = first(copy, 'StatefulSet', (o) => !!o.spec?.template?.spec?.containers?.[0]?.ports?.length);
      sts.spec.template.spec.containers[0].ports[0].name = 'sixteen-chars-xx';
      return { units: copy, changed: sts };
    },
  },
  {
    id: 'privileged',
    what: 'privileged container in a namespace that enforces Pod Security "restricted"',
    expect: /violate[s]? PodSecurity/,
    apply(units) {
      const copy = clone(units) as Obj[][];
      const dep = first(copy, 'Deployment');
      const c = dep.spec.template.spec.containers[0];
      c.securityContext = { ...(c.securityContext ?? {}), privileged: true, allowPrivilegeEscalation: true };
      return { units: copy, changed: dep };
    },
  },
  {
    id: 'rbac',
    what: "the Topic Operator's Role also grants reading Secrets (more than the operator needs)",
    expect: /get secrets -n \S+: allowed, want denied/,
    apply(units) {
      const copy = clone(units) as Obj[][];
      const role = first(copy, 'Role', (o) => o.metadata?.name === 'topic-operator');
      role.rules = [...role.rules, { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list'] }];
      return { units: copy, changed: role };
    },
  },
];
