import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { TLS, bootstrapServers, labels, strimziClusterLabel } from '@stretched-kafka/fleet';
import { OperatorPod } from './operator-pod';
import type { RegionProps } from '@stretched-kafka/core';

export const TOPIC_OPERATOR = 'topic-operator';

/** Where the operator image's start script looks for PEM files to build its keystores from. */
const TRUST_DIR = '/etc/tls-sidecar/cluster-ca-certs';
const IDENTITY_DIR = '/etc/tls-sidecar/eo-certs';

/**
 * Strimzi's standalone (unidirectional) Topic Operator, reconciling the KafkaTopics labelled for
 * this fleet in the fleet namespace over mTLS as `topic-operator`.
 *
 * The operator's Kafka client takes only PKCS#12/JKS stores with a password. No password is
 * written anywhere: with STRIMZI_TLS_ENABLED and STRIMZI_TLS_AUTH_ENABLED the image's own
 * topic_operator_run.sh draws a random password at every start and converts the PEM files below
 * into PKCS#12 stores under /tmp (a memory emptyDir), so the cert-manager Secret is only
 * re-projected into the file names that script expects. Hostname verification stays on (HTTPS).
 */
export class TopicOperator extends Construct {
  constructor(scope: Construct, id: string, props: RegionProps) {
    super(scope, id);
    const { fleet, region } = props;
    const env: k8s.EnvVar[] = [
      { name: 'STRIMZI_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
      { name: 'STRIMZI_RESOURCE_LABELS', value: Object.entries(strimziClusterLabel(fleet)).map(([k, v]) => `${k}=${v}`).join(',') },
      { name: 'STRIMZI_KAFKA_BOOTSTRAP_SERVERS', value: bootstrapServers(fleet, region, 'stack') },
      { name: 'STRIMZI_CLIENT_ID', value: TOPIC_OPERATOR },
      { name: 'STRIMZI_SECURITY_PROTOCOL', value: 'SSL' },
      { name: 'STRIMZI_TLS_ENABLED', value: 'true' },
      { name: 'STRIMZI_TLS_AUTH_ENABLED', value: 'true' },
      { name: 'STRIMZI_SSL_ENDPOINT_IDENTIFICATION_ALGORITHM', value: 'HTTPS' },
      { name: 'STRIMZI_FULL_RECONCILIATION_INTERVAL_MS', value: '120000' },
      { name: 'STRIMZI_USE_FINALIZERS', value: 'true' },
    ];
    const secret = TLS.topicOperator.secret;
    new OperatorPod(this, 'pod', fleet, region, {
      name: TOPIC_OPERATOR,
      runScript: '/opt/strimzi/bin/topic_operator_run.sh',
      healthPort: 8080,
      env,
      volumes: [
        { name: 'trust', secret: { secretName: secret, items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        {
          name: 'identity',
          secret: { secretName: secret, items: [{ key: 'tls.crt', path: 'entity-operator.crt' }, { key: 'tls.key', path: 'entity-operator.key' }] },
        },
      ],
      volumeMounts: [
        { name: 'trust', mountPath: TRUST_DIR, readOnly: true },
        { name: 'identity', mountPath: IDENTITY_DIR, readOnly: true },
      ],
    });
    const meta = { name: TOPIC_OPERATOR, namespace: fleet.namespace, labels: labels(fleet, TOPIC_OPERATOR, region) };
    // Unidirectional: it never creates or deletes KafkaTopics, it only adds/removes its finalizer and writes status.
    new k8s.KubeRole(this, 'role', {
      metadata: meta,
      rules: [
        { apiGroups: ['kafka.strimzi.io'], resources: ['kafkatopics'], verbs: ['get', 'list', 'watch', 'patch', 'update'] },
        { apiGroups: ['kafka.strimzi.io'], resources: ['kafkatopics/status'], verbs: ['get', 'patch', 'update'] },
        { apiGroups: ['kafka.strimzi.io'], resources: ['kafkatopics/finalizers'], verbs: ['update'] },
      ],
    });
    new k8s.KubeRoleBinding(this, 'binding', {
      metadata: meta,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: TOPIC_OPERATOR },
      subjects: [{ kind: 'ServiceAccount', name: TOPIC_OPERATOR, namespace: fleet.namespace }],
    });
  }
}
