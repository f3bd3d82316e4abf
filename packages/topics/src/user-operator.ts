import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { TLS, bootstrapServers, labels, strimziClusterLabel, usersNamespace } from '@stretched-kafka/fleet';
import { OperatorPod } from './operator-pod';
import type { RegionProps } from '@stretched-kafka/core';

export const USER_OPERATOR = 'user-operator';

const IDENTITY_DIR = '/etc/user-operator/tls';

/**
 * Names the User Operator insists on (STRIMZI_CA_CERT_NAME / STRIMZI_CA_KEY_NAME are mandatory)
 * but that name no Secret. Strimzi 0.45's KafkaUserOperator reads the clients CA only to mint
 * certificates for `authentication.type: tls` users; every user here is `tls-external` (cert-manager
 * issues the certificates), so the CA key never exists in any cluster. A `tls` user added by
 * mistake fails with "Secret ... not found" instead of minting certificates.
 */
export const UNUSED_CLIENTS_CA = { cert: 'clients-ca-cert-not-used', key: 'clients-ca-key-not-used' } as const;

/**
 * Strimzi's standalone User Operator: applies the ACLs declared in KafkaUser resources through the
 * Kafka Admin API, as `user-operator` over mTLS, holding no CA private key.
 *
 * Its TLS material: the trust set is read through the Kubernetes API from the Secret named by
 * STRIMZI_CLUSTER_CA_CERT_SECRET_NAME (every `*.crt` key: ca.crt, and its own tls.crt, which as an
 * extra anchor only matches a server presenting the operator's own certificate). Its client
 * identity cannot come from STRIMZI_EO_KEY_SECRET_NAME, which wants `entity-operator.crt/.key`
 * keys, so it is the mounted `tls-combined.pem` given as a PEM keystore through
 * STRIMZI_KAFKA_ADMIN_CLIENT_CONFIGURATION: no keystore, no password.
 *
 * It watches KafkaUsers in a namespace of their own, where its Secret permissions reach nothing
 * (see usersNamespace); in the fleet namespace it may read only its own certificate Secret.
 */
export class UserOperator extends Construct {
  constructor(scope: Construct, id: string, props: RegionProps) {
    super(scope, id);
    const { fleet, region } = props;
    const adminClientConfig = [
      'security.protocol=SSL',
      'ssl.endpoint.identification.algorithm=https',
      'ssl.keystore.type=PEM',
      `ssl.keystore.location=${IDENTITY_DIR}/tls-combined.pem`,
    ].join('\n');
    const env: k8s.EnvVar[] = [
      { name: 'STRIMZI_NAMESPACE', value: usersNamespace(fleet) },
      { name: 'STRIMZI_LABELS', value: Object.entries(strimziClusterLabel(fleet)).map(([k, v]) => `${k}=${v}`).join(',') },
      { name: 'STRIMZI_KAFKA_BOOTSTRAP_SERVERS', value: bootstrapServers(fleet, region, 'stack') },
      { name: 'STRIMZI_CA_NAMESPACE', value: fleet.namespace },
      { name: 'STRIMZI_CLUSTER_CA_CERT_SECRET_NAME', value: TLS.userOperator.secret },
      { name: 'STRIMZI_CA_CERT_NAME', value: UNUSED_CLIENTS_CA.cert },
      { name: 'STRIMZI_CA_KEY_NAME', value: UNUSED_CLIENTS_CA.key },
      { name: 'STRIMZI_KAFKA_ADMIN_CLIENT_CONFIGURATION', value: adminClientConfig },
      // Only Secrets with this prefix are ever the operator's; tls-external users get none.
      { name: 'STRIMZI_SECRET_PREFIX', value: 'kafkauser-' },
      { name: 'STRIMZI_ACLS_ADMIN_API_SUPPORTED', value: 'true' },
      { name: 'STRIMZI_FULL_RECONCILIATION_INTERVAL_MS', value: '120000' },
    ];
    new OperatorPod(this, 'pod', fleet, region, {
      name: USER_OPERATOR,
      runScript: '/opt/strimzi/bin/user_operator_run.sh',
      healthPort: 8081,
      env,
      volumes: [{ name: 'identity', secret: { secretName: TLS.userOperator.secret, items: [{ key: 'tls-combined.pem', path: 'tls-combined.pem' }] } }],
      volumeMounts: [{ name: 'identity', mountPath: IDENTITY_DIR, readOnly: true }],
    });

    const subjects = [{ kind: 'ServiceAccount', name: USER_OPERATOR, namespace: fleet.namespace }];
    const usersMeta = { name: USER_OPERATOR, namespace: usersNamespace(fleet), labels: labels(fleet, USER_OPERATOR, region) };
    new k8s.KubeRole(this, 'users-role', {
      metadata: usersMeta,
      rules: [
        { apiGroups: ['kafka.strimzi.io'], resources: ['kafkausers'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: ['kafka.strimzi.io'], resources: ['kafkausers/status'], verbs: ['get', 'patch', 'update'] },
        // Its Secret informer lists/watches the whole namespace; that is why the namespace holds nothing else.
        { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch', 'create', 'patch', 'update', 'delete'] },
      ],
    });
    new k8s.KubeRoleBinding(this, 'users-binding', {
      metadata: usersMeta,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: USER_OPERATOR },
      subjects,
    });
    const ownMeta = { name: `${USER_OPERATOR}-tls`, namespace: fleet.namespace, labels: labels(fleet, USER_OPERATOR, region) };
    new k8s.KubeRole(this, 'tls-role', {
      metadata: ownMeta,
      rules: [{ apiGroups: [''], resources: ['secrets'], resourceNames: [TLS.userOperator.secret], verbs: ['get'] }],
    });
    new k8s.KubeRoleBinding(this, 'tls-binding', {
      metadata: ownMeta,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: ownMeta.name },
      subjects,
    });
  }
}
