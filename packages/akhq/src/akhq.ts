import { Construct } from 'constructs';
import { ApiObject, Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Fleet, Region, STACK_CLIENT_LABEL, TLS, labels, parseLabelSelector, selectorLabels } from '@stretched-kafka/fleet';
import { CONFIG_CHECKSUM_ANNOTATION, checksum, containerSecurityContext, podSecurityContext, reloadOnSecretChange, resourceRequirements } from '@stretched-kafka/platform';
import { AKHQ_CONFIG_DIR, AKHQ_MANAGEMENT_PORT, AKHQ_PORT, AKHQ_TLS_DIR, akhqConfigYaml, akhqHost } from './config';
import type { Component, RegionProps } from '@stretched-kafka/core';

export const AKHQ = 'akhq';
/** Secret cert-manager's ingress-shim fills for the UI host (exposure: ingress). */
export const AKHQ_INGRESS_TLS_SECRET = 'akhq-ui-tls';

/** Namespaces of OpenShift's ingress controllers (the router), host-networked or not, carry this label. */
export const OPENSHIFT_INGRESS_NAMESPACE_LABELS: Readonly<Record<string, string>> = { 'policy-group.network.openshift.io/ingress': '' };

/**
 * Namespaces of the controller that serves an Ingress: akhq.ingressNamespaceSelector, else the
 * platform's usual one (OpenShift's router also serves Ingresses; on Kubernetes, ingress-nginx by
 * the name label every namespace carries since 1.22).
 */
export function akhqIngressNamespaceLabels(fleet: Fleet): Record<string, string> {
  const selector = fleet.akhq.ingressNamespaceSelector;
  if (selector !== undefined) return parseLabelSelector(selector) ?? {};
  return fleet.platform === 'openshift' ? { ...OPENSHIFT_INGRESS_NAMESPACE_LABELS } : { 'kubernetes.io/metadata.name': 'ingress-nginx' };
}

/**
 * Who may reach the UI port: the namespaces of whatever serves the exposure (OpenShift's router
 * for a Route, the ingress controller for an Ingress), nobody for `none`.
 */
export function akhqUiPeers(fleet: Fleet): k8s.NetworkPolicyPeer[] {
  const namespaceLabels = {
    route: OPENSHIFT_INGRESS_NAMESPACE_LABELS,
    ingress: akhqIngressNamespaceLabels(fleet),
    none: undefined,
  }[fleet.akhq.exposure];
  return namespaceLabels ? [{ namespaceSelector: { matchLabels: { ...namespaceLabels } } }] : [];
}

/** AKHQ in every region: ConfigMap, Deployment, Service, NetworkPolicy and, per fleet.akhq.exposure, an Ingress or an OpenShift Route. */
export class Akhq extends Construct {
  constructor(scope: Construct, id: string, props: RegionProps) {
    super(scope, id);
    const { fleet, region } = props;
    const meta = { name: AKHQ, namespace: fleet.namespace, labels: labels(fleet, AKHQ, region) };
    const match = selectorLabels(fleet, AKHQ);
    const data = { 'application.yml': akhqConfigYaml(fleet, region) };

    new k8s.KubeConfigMap(this, 'config', { metadata: meta, data });

    const probe = (initialDelaySeconds: number): k8s.Probe => ({
      httpGet: { path: '/health', port: k8s.IntOrString.fromString('management') },
      initialDelaySeconds,
      periodSeconds: 15,
      timeoutSeconds: 5,
    });
    const volumes: k8s.Volume[] = [
      { name: 'config', configMap: { name: AKHQ } },
      { name: 'tls', secret: { secretName: TLS.akhq.secret, items: [{ key: 'ca.crt', path: 'ca.crt' }, { key: 'tls-combined.pem', path: 'tls-combined.pem' }] } },
      { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('256Mi') } },
    ];
    new k8s.KubeDeployment(this, 'deployment', {
      // AKHQ reads its certificate files once at start: a renewal reaches it by a rollout.
      metadata: { ...meta, annotations: reloadOnSecretChange(volumes) },
      spec: {
        replicas: 1,
        selector: { matchLabels: match },
        template: {
          metadata: {
            labels: { ...labels(fleet, AKHQ, region), ...STACK_CLIENT_LABEL },
            // A config change must restart AKHQ: it reads application.yml once.
            annotations: { [CONFIG_CHECKSUM_ANNOTATION]: checksum(data) },
          },
          spec: {
            automountServiceAccountToken: false,
            securityContext: podSecurityContext(fleet),
            volumes,
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

    new k8s.KubeService(this, 'service', {
      metadata: meta,
      spec: { type: 'ClusterIP', selector: match, ports: [{ name: 'http', port: AKHQ_PORT, targetPort: k8s.IntOrString.fromString('http') }] },
    });

    // The UI port from the exposure's ingress controller only; with exposure none, from nobody.
    // Probes still work: an isolated pod always admits connections from its own node (the kubelet),
    // as the NetworkPolicy API defines and the common CNIs (OVN-Kubernetes, Calico, Cilium)
    // implement. `kubectl port-forward` still works: the container runtime connects from inside the
    // pod's network namespace, which NetworkPolicy does not filter. The management port: probes only.
    const peers = akhqUiPeers(fleet);
    new k8s.KubeNetworkPolicy(this, 'netpol', {
      metadata: meta,
      spec: {
        podSelector: { matchLabels: match },
        policyTypes: ['Ingress'],
        ingress: peers.length > 0 ? [{ from: peers, ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(AKHQ_PORT) }] }] : [],
      },
    });

    const host = akhqHost(fleet, region);
    if (fleet.akhq.exposure === 'ingress') {
      const issuer = fleet.pki.issuer;
      new k8s.KubeIngress(this, 'ingress', {
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
      new ApiObject(this, 'route', {
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
  }
}

export const akhqComponent = {
  name: 'akhq',
  wave: 60,
  build(chart: Chart, fleet: Fleet, region: Region): void {
    new Akhq(chart, 'akhq', { fleet, region });
  },
} satisfies Component;
