import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { Fleet, Region, SUBMARINER } from '@stretched-kafka/fleet';

// What `subctl deploy-broker` and `subctl join` create in the broker namespace besides the Broker
// CR (subctl pkg/broker/ensure.go and rbac.go). The operator's Broker reconciler only installs the
// CRDs and the globalnet ConfigMap, so without these objects no cluster could authenticate to the
// broker when everything comes from git.

/** Role every joining cluster is bound to (submariner-operator config/broker/broker-client/role.yaml). */
export const BROKER_CLUSTER_ROLE = 'submariner-k8s-broker-cluster';

const BROKER_CLIENT_VERBS = ['create', 'get', 'list', 'watch', 'patch', 'update', 'delete'];

/** The Role's rules: what the gateway and Lighthouse agents of a joined cluster sync through the broker. */
export const BROKER_CLUSTER_RULES: readonly k8s.PolicyRule[] = [
  { apiGroups: ['submariner.io'], resources: ['clusters', 'endpoints'], verbs: BROKER_CLIENT_VERBS },
  { apiGroups: ['multicluster.x-k8s.io'], resources: ['*'], verbs: BROKER_CLIENT_VERBS },
  { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices', 'endpointslices/restricted'], verbs: BROKER_CLIENT_VERBS },
];

/** A joining cluster's ServiceAccount in the broker namespace, named as subctl names it (submariner-operator names.ForClusterSA). */
export function brokerClientServiceAccount(region: Region): string {
  return `cluster-${region.clusterId}`;
}

/**
 * The ServiceAccount's long-lived token Secret. subctl lets the API server generate a suffix;
 * git needs a stable name.
 */
export function brokerClientTokenSecret(region: Region): string {
  return `${brokerClientServiceAccount(region)}-token`;
}

/** subctl names the binding `<serviceaccount>-<role>` (NewBrokerRoleBinding). */
export function brokerClientRoleBinding(region: Region): string {
  return `${brokerClientServiceAccount(region)}-${BROKER_CLUSTER_ROLE}`;
}

/**
 * The go-template that turns a token Secret of the broker into the join Secret a cluster's
 * operator mounts: only `token` and `ca.crt`, the two files the broker syncer reads
 * (admiral pkg/syncer/broker: `<SecretPath>/token`, `<SecretPath>/ca.crt`). The base64 values
 * are copied as they are, so no shell decoding or jq is involved.
 */
export function joinSecretTemplate(fleet: Fleet): string {
  const secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: fleet.submariner.joinSecretName, namespace: SUBMARINER.operatorNamespace },
    type: 'Opaque',
    data: { token: '@TOKEN@', 'ca.crt': '@CA@' },
  };
  return JSON.stringify(secret).replace('@TOKEN@', '{{index .data "token"}}').replace('@CA@', '{{index .data "ca.crt"}}');
}

export interface KubeContexts {
  /** kubectl context of the broker cluster (default: the broker region's name). */
  readonly broker?: string;
  /** kubectl context of the joining cluster (default: its region's name). */
  readonly cluster?: string;
}

/**
 * The one command a user runs once per region, after the broker region's submariner layer is
 * synced (Kubernetes has then filled the token Secret): it copies that region's broker token and
 * CA into the join Secret `submariner.joinSecretName` of the region's operator namespace.
 * Nothing secret passes through git or the shell's arguments.
 */
export function joinSecretCommand(fleet: Fleet, region: Region, contexts: KubeContexts = {}): string {
  const broker = contexts.broker ?? fleet.submariner.brokerRegion;
  const cluster = contexts.cluster ?? region.name;
  return (
    `kubectl --context ${broker} -n ${fleet.submariner.brokerNamespace} get secret ${brokerClientTokenSecret(region)} ` +
    `-o go-template='${joinSecretTemplate(fleet)}' | kubectl --context ${cluster} apply -f -`
  );
}

export interface BrokerAccessProps {
  readonly fleet: Fleet;
  readonly labels: Record<string, string>;
}

/** The broker Role and, for every region of the fleet (the broker's own included), its ServiceAccount, binding and token Secret. */
export class BrokerAccess extends Construct {
  constructor(scope: Construct, id: string, props: BrokerAccessProps) {
    super(scope, id);
    const { fleet, labels } = props;
    const namespace = fleet.submariner.brokerNamespace;
    new k8s.KubeRole(this, 'role', { metadata: { name: BROKER_CLUSTER_ROLE, namespace, labels }, rules: [...BROKER_CLUSTER_RULES] });
    for (const region of fleet.regions) {
      const sa = brokerClientServiceAccount(region);
      new k8s.KubeServiceAccount(this, `sa-${region.name}`, { metadata: { name: sa, namespace, labels } });
      new k8s.KubeRoleBinding(this, `binding-${region.name}`, {
        metadata: { name: brokerClientRoleBinding(region), namespace, labels },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: BROKER_CLUSTER_ROLE },
        subjects: [{ kind: 'ServiceAccount', name: sa, namespace }],
      });
      // No data: the API server's token controller writes token, ca.crt and namespace into a
      // Secret of this type that names an existing ServiceAccount. GitOps tools apply
      // ServiceAccounts before Secrets, so the account exists when the Secret arrives.
      new k8s.KubeSecret(this, `token-${region.name}`, {
        metadata: { name: brokerClientTokenSecret(region), namespace, labels, annotations: { 'kubernetes.io/service-account.name': sa } },
        type: 'kubernetes.io/service-account-token',
      });
    }
  }
}
