import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { Fleet, KAFKA, KRAFT, Region, TLS, TLS_MOUNT, metadataLayout, metricsContainerPorts, selectorLabels } from '@stretched-kafka/fleet';
import { CONFIG_MOUNT, StretchedStatefulSet, antiAffinity, containerSecurityContext, reloadOnSecretChange, resourceRequirements } from '@stretched-kafka/platform';
import { CONTROLLER_CONFIG_KEYS, CONTROLLER_VOLUME_MOUNT, ZOOKEEPER_CLIENT_TLS_MOUNT } from './config';
import { CONTROLLER_CONFIG_MAP } from './controller-config';

export interface ControllerStatefulSetProps {
  readonly fleet: Fleet;
  readonly region: Region;
  /** Checksum of the ConfigMap data, stamped on the pod template. */
  readonly configChecksum: string;
  /**
   * Seconds a controller gets to resign leadership and close its log.
   * @default 60
   */
  readonly terminationGracePeriodSeconds?: number;
}

/** StatefulSet `kafka-controller`: this region's voters of the stretched KRaft quorum. */
export class ControllerStatefulSet extends Construct {
  constructor(scope: Construct, id: string, props: ControllerStatefulSetProps) {
    super(scope, id);
    const { fleet, region } = props;
    const c = fleet.controllers;
    const migrating = metadataLayout(fleet).controllers === 'migration';
    const affinity = antiAffinity(selectorLabels(fleet, KRAFT.name));
    // Softly keep controllers off the brokers' nodes: a node loss then costs one of the two, not both.
    affinity.podAntiAffinity!.preferredDuringSchedulingIgnoredDuringExecution!.push({
      weight: 50,
      podAffinityTerm: { labelSelector: { matchLabels: selectorLabels(fleet, KAFKA.name) }, topologyKey: 'kubernetes.io/hostname' },
    });
    const volumes: k8s.Volume[] = [
      { name: 'config', configMap: { name: CONTROLLER_CONFIG_MAP, defaultMode: 0o555 } },
      { name: 'tls', secret: { secretName: TLS.controller.secret, defaultMode: 0o440 } },
      { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('256Mi') } },
      // Migration phases 1 to 3: the brokers' certificate, the controllers' identity towards
      // ZooKeeper (its znode ACLs name the brokers' subject; controllerProperties explains).
      ...(migrating ? [{ name: 'tls-zookeeper', secret: { secretName: TLS.kafka.secret, defaultMode: 0o440 } }] : []),
    ];
    const port = { tcpSocket: { port: k8s.IntOrString.fromNumber(KRAFT.controllerPort) } };
    new StretchedStatefulSet(this, 'Resource', {
      fleet,
      region,
      component: KRAFT.name,
      replicas: region.controllerReplicas,
      serviceName: KRAFT.headless,
      configChecksum: props.configChecksum,
      terminationGracePeriodSeconds: props.terminationGracePeriodSeconds ?? 60,
      affinity,
      // A controller reads its certificate once, at start. When cert-manager renews it, Reloader
      // rolls the StatefulSet (one pod at a time per region, so at most one voter per region is
      // down: 6 of the reference's 9 stay up, above the majority of 5). With one voter per region,
      // renewals landing in the same minute in every region could stop all of them at once: the
      // quorum pauses until they are back (docs/operations.md, KRaft controllers).
      annotations: reloadOnSecretChange(volumes),
      containers: [
        {
          name: 'controller',
          image: fleet.kafka.image,
          imagePullPolicy: 'IfNotPresent',
          command: ['/bin/bash', `${CONFIG_MOUNT}/${CONTROLLER_CONFIG_KEYS.start}`],
          env: [
            { name: 'HOSTNAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
            { name: 'KAFKA_HEAP_OPTS', value: `-Xms${c.heapMb}m -Xmx${c.heapMb}m` },
          ],
          ports: [{ name: 'controller', containerPort: KRAFT.controllerPort, protocol: 'TCP' }, ...metricsContainerPorts(fleet)],
          resources: resourceRequirements(c.resources),
          securityContext: containerSecurityContext(),
          // The listener opens once the metadata log is loaded. Ready and live = it accepts
          // connections, not "is in a quorum": an isolated region's controllers must not be
          // restarted for lacking a majority, and peers find them regardless (publishNotReadyAddresses).
          startupProbe: { ...port, periodSeconds: 10, failureThreshold: 60 },
          readinessProbe: { ...port, periodSeconds: 10 },
          livenessProbe: { ...port, periodSeconds: 10, failureThreshold: 6 },
          volumeMounts: [
            { name: 'data', mountPath: CONTROLLER_VOLUME_MOUNT },
            { name: 'config', mountPath: CONFIG_MOUNT, readOnly: true },
            { name: 'tls', mountPath: TLS_MOUNT, readOnly: true },
            // Rendered controller.properties, LOG_DIR and the JVM's scratch files (root filesystem is read-only).
            { name: 'tmp', mountPath: '/tmp' },
            ...(migrating ? [{ name: 'tls-zookeeper', mountPath: ZOOKEEPER_CLIENT_TLS_MOUNT, readOnly: true }] : []),
          ],
        },
      ],
      volumes,
      storage: c.storage,
    });
  }
}
