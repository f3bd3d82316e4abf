import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { CLIENT_TLS_MOUNT, Fleet, KAFKA, Region, TLS, TLS_MOUNT, TRUST_BUNDLE, TRUST_MOUNT, metadataComponent, metricsContainerPorts, selectorLabels } from '@stretched-kafka/fleet';
import { CONFIG_MOUNT, StretchedStatefulSet, antiAffinity, containerSecurityContext, resourceRequirements } from '@stretched-kafka/platform';
import { KAFKA_CONFIG_KEYS, KAFKA_VOLUME_MOUNT } from './config';
import { KAFKA_CONFIG_MAP } from './kafka-config';

export interface KafkaStatefulSetProps {
  readonly fleet: Fleet;
  readonly region: Region;
  /** Checksum of the ConfigMap data, stamped on the pod template. */
  readonly configChecksum: string;
  /**
   * Seconds a broker gets for controlled shutdown (leadership moves across regions first).
   * @default 120
   */
  readonly terminationGracePeriodSeconds?: number;
}

/** The reload sidecar only launches a short-lived admin client now and then. */
const RELOAD_RESOURCES: k8s.ResourceRequirements = {
  requests: { cpu: k8s.Quantity.fromString('10m'), memory: k8s.Quantity.fromString('192Mi') },
  limits: { memory: k8s.Quantity.fromString('384Mi') },
};

/** StatefulSet `kafka`: this region's brokers, plus the certificate reload sidecar. */
export class KafkaStatefulSet extends Construct {
  constructor(scope: Construct, id: string, props: KafkaStatefulSetProps) {
    super(scope, id);
    const { fleet, region } = props;
    const k = fleet.kafka;
    const selector = selectorLabels(fleet, 'kafka');
    const affinity = antiAffinity(selector);
    // Softly keep brokers off the nodes of ZooKeeper (or the KRaft controllers): a node loss then
    // costs one of the two, not both.
    affinity.podAntiAffinity!.preferredDuringSchedulingIgnoredDuringExecution!.push({
      weight: 50,
      podAffinityTerm: { labelSelector: { matchLabels: selectorLabels(fleet, metadataComponent(fleet)) }, topologyKey: 'kubernetes.io/hostname' },
    });
    const hostname: k8s.EnvVar = { name: 'HOSTNAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } };
    const clientPort = { tcpSocket: { port: k8s.IntOrString.fromNumber(KAFKA.clientPort) } };
    const configMount = { name: 'config', mountPath: CONFIG_MOUNT, readOnly: true };
    const tlsMount = { name: 'tls', mountPath: TLS_MOUNT, readOnly: true };
    const clientTlsMount = { name: 'tls-clients', mountPath: CLIENT_TLS_MOUNT, readOnly: true };
    const trustMount = { name: 'trust', mountPath: TRUST_MOUNT, readOnly: true };
    const tmpMount = { name: 'tmp', mountPath: '/tmp' };
    new StretchedStatefulSet(this, 'Resource', {
      fleet,
      region,
      component: KAFKA.name,
      replicas: region.kafkaReplicas,
      serviceName: KAFKA.headless,
      configChecksum: props.configChecksum,
      terminationGracePeriodSeconds: props.terminationGracePeriodSeconds ?? 120,
      affinity,
      containers: [
        {
          name: 'kafka',
          image: k.image,
          imagePullPolicy: 'IfNotPresent',
          command: ['/bin/bash', `${CONFIG_MOUNT}/${KAFKA_CONFIG_KEYS.start}`],
          env: [hostname, { name: 'KAFKA_HEAP_OPTS', value: `-Xms${k.heapMb}m -Xmx${k.heapMb}m` }],
          ports: [
            { name: 'replication', containerPort: KAFKA.replicationPort, protocol: 'TCP' },
            { name: 'clients', containerPort: KAFKA.clientPort, protocol: 'TCP' },
            ...metricsContainerPorts(fleet),
          ],
          resources: resourceRequirements(k.resources),
          securityContext: containerSecurityContext(),
          // Listeners open only after log recovery, which can take long after a crash.
          startupProbe: { ...clientPort, periodSeconds: 10, failureThreshold: 180 },
          readinessProbe: { ...clientPort, periodSeconds: 10 },
          livenessProbe: { ...clientPort, periodSeconds: 10, failureThreshold: 6 },
          volumeMounts: [{ name: 'data', mountPath: KAFKA_VOLUME_MOUNT }, configMount, tlsMount, clientTlsMount, trustMount, tmpMount],
        },
        {
          name: 'reload-tls',
          image: k.image,
          imagePullPolicy: 'IfNotPresent',
          command: ['/bin/bash', `${CONFIG_MOUNT}/${KAFKA_CONFIG_KEYS.reloadTls}`],
          env: [hostname, { name: 'KAFKA_HEAP_OPTS', value: '-Xms32m -Xmx128m' }],
          resources: RELOAD_RESOURCES,
          securityContext: containerSecurityContext(),
          volumeMounts: [configMount, tlsMount, clientTlsMount, trustMount, tmpMount],
        },
      ],
      volumes: [
        { name: 'config', configMap: { name: KAFKA_CONFIG_MAP, defaultMode: 0o555 } },
        { name: 'tls', secret: { secretName: TLS.kafka.secret, defaultMode: 0o440 } },
        { name: 'tls-clients', secret: { secretName: TLS.kafkaClients.secret, defaultMode: 0o440 } },
        { name: 'trust', configMap: { name: TRUST_BUNDLE.configMap, defaultMode: 0o444 } },
        { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('512Mi') } },
      ],
      storage: k.storage,
    });
  }
}
