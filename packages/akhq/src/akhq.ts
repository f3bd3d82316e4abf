import { createHash } from 'node:crypto';
import { ApiObject, Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Fleet, KAFKA_CLIENT_LABEL, Region, TLS, labels, selectorLabels } from '@stretched-kafka/fleet';
import { containerSecurityContext, podSecurityContext, resourceRequirements } from '@stretched-kafka/platform';
import { AKHQ_CONFIG_DIR, AKHQ_MANAGEMENT_PORT, AKHQ_PORT, AKHQ_TLS_DIR, akhqConfigYaml, akhqHost } from './config';

export const AKHQ = 'akhq';
/** Secret cert-manager's ingress-shim fills for the UI host (exposure: ingress). */
export const AKHQ_INGRESS_TLS_SECRET = 'akhq-ui-tls';

/** AKHQ in every region: ConfigMap, Deployment, Service, NetworkPolicy and, per fleet.akhq.exposure, an Ingress or an OpenShift Route. */
export const akhqComponent = {
  name: 'akhq',
  wave: 60,
  build(chart: Chart, fleet: Fleet, region: Region): void {
    const meta = { name: AKHQ, namespace: fleet.namespace, labels: labels(fleet, AKHQ, region) };
    const match = selectorLabels(fleet, AKHQ);
    const config = akhqConfigYaml(fleet, region);

    new k8s.KubeConfigMap(chart, 'config', { metadata: meta, data: { 'application.yml': config } });

    const probe = (initialDelaySeconds: number): k8s.Probe => ({
      httpGet: { path: '/health', port: k8s.IntOrString.fromString('management') },
      initialDelaySeconds,
      periodSeconds: 15,
      timeoutSeconds: 5,
    });
    new k8s.KubeDeployment(chart, 'deployment', {
      metadata: meta,
      spec: {
        replicas: 1,
        selector: { matchLabels: match },
        template: {
          metadata: {
            labels: { ...labels(fleet, AKHQ, region), ...KAFKA_CLIENT_LABEL },
            // A config change must restart AKHQ: it reads application.yml once.
            annotations: { 'stretched-kafka.io/config-sha256': createHash('sha256').update(config).digest('hex') },
          },
          spec: {
            automountServiceAccountToken: false,
            securityContext: podSecurityContext(),
            volumes: [
              { name: 'config', configMap: { name: AKHQ } },
              { name: 'tls', secret: { secretName: TLS.akhq.secret, items: [{ key: 'ca.crt', path: 'ca.crt' }, { key: 'tls-combined.pem', path: 'tls-combined.pem' }] } },
              { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('256Mi') } },
            ],
            containers: [
              {
                name: AKHQ,
                image: fleet.akhq.image,
                imagePullPolicy: 'IfNotPresent',
                env: [
                  { name: 'MICRONAUT_CONFIG_FILES', value: `${AKHQ_CONFIG_DIR}/application.yml` },
                  { name: 'JAVA_TOOL_OPTIONS', value: '-XX:MaxRAMPercentage=70.0 -Djava.io.tmpdir=/tmp' },
                ],
                ports: [
                  { name: 'http', containerPort: AKHQ_PORT },
                  { name: 'management', containerPort: AKHQ_MANAGEMENT_PORT },
                ],
                volumeMounts: [
                  { name: 'config', mountPath: AKHQ_CONFIG_DIR, readOnly: true },
                  { name: 'tls', mountPath: AKHQ_TLS_DIR, readOnly: true },
                  { name: 'tmp', mountPath: '/tmp' },
                ],
                readinessProbe: probe(20),
                livenessProbe: { ...probe(90), failureThreshold: 4 },
                securityContext: containerSecurityContext(),
                resources: resourceRequirements({ cpu: '250m', memory: '1Gi', memoryLimit: '1Gi' }),
              },
            ],
          },
        },
      },
    });

    new k8s.KubeService(chart, 'service', {
      metadata: meta,
      spec: { type: 'ClusterIP', selector: match, ports: [{ name: 'http', port: AKHQ_PORT, targetPort: k8s.IntOrString.fromString('http') }] },
    });

    // The UI port from anywhere in the cluster: ingress controllers and the OpenShift router live
    // in namespaces this project does not know. The management port stays closed (kubelet probes only).
    new k8s.KubeNetworkPolicy(chart, 'netpol', {
      metadata: meta,
      spec: {
        podSelector: { matchLabels: match },
        policyTypes: ['Ingress'],
        ingress: [{ from: [{ namespaceSelector: {} }], ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(AKHQ_PORT) }] }],
      },
    });

    const host = akhqHost(fleet, region);
    if (fleet.akhq.exposure === 'ingress') {
      const issuer = fleet.pki.issuer;
      new k8s.KubeIngress(chart, 'ingress', {
        metadata: {
          ...meta,
          annotations: { [issuer.kind === 'ClusterIssuer' ? 'cert-manager.io/cluster-issuer' : 'cert-manager.io/issuer']: issuer.name },
        },
        spec: {
          tls: [{ hosts: [host], secretName: AKHQ_INGRESS_TLS_SECRET }],
          rules: [
            {
              host,
              http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: AKHQ, port: { name: 'http' } } } }] },
            },
          ],
        },
      });
    } else if (fleet.akhq.exposure === 'route') {
      new ApiObject(chart, 'route', {
        apiVersion: 'route.openshift.io/v1',
        kind: 'Route',
        metadata: meta,
        spec: {
          host,
          to: { kind: 'Service', name: AKHQ, weight: 100 },
          port: { targetPort: 'http' },
          tls: { termination: 'edge', insecureEdgeTerminationPolicy: 'Redirect' },
          wildcardPolicy: 'None',
        },
      });
    }
  },
};
