import { ApiObject, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { Fleet, Region, SUBMARINER, labels } from '@stretched-kafka/fleet';
import { Broker } from '../../../imports/submariner-broker-submariner.io';
import { Submariner } from '../../../imports/submariner-submariner.io';
import { BrokerAccess } from './broker';
import { brokerApiServerHost, cableDriverNeedsPsk, exportedServices } from './names';
import type { Component } from '@stretched-kafka/core';

// Submariner's NAT-T/tunnel and IKE ports. The operator copies them into host ports without a
// default, so the CR must name them (subctl always does).
const NATT_PORT = 4500;
const IKE_PORT = 500;

export interface SubmarinerJoinProps {
  readonly fleet: Fleet;
  readonly region: Region;
}

/**
 * Submariner objects of one region: the broker (only in submariner.brokerRegion: the Broker CR
 * plus the access subctl would create, see BrokerAccess), the cluster's join (`Submariner` CR) and
 * the ServiceExports the clusterset names depend on. The operator itself is an add-on installed by
 * the GitOps layer. Credentials stay out of git: the join names the Secret
 * submariner.joinSecretName (keys token and ca.crt, copied from the region's broker token Secret
 * with joinSecretCommand) and, for encrypting cable drivers, the PSK Secret; both are created out
 * of band in the operator namespace.
 */
export class SubmarinerJoin extends Construct {
  constructor(scope: Construct, id: string, props: SubmarinerJoinProps) {
    super(scope, id);
    const { fleet, region } = props;
    const sub = fleet.submariner;
    const objectLabels = labels(fleet, 'submariner', region);

    if (sub.brokerRegion === region.name) {
      new k8s.KubeNamespace(this, 'broker-namespace', { metadata: { name: sub.brokerNamespace, labels: objectLabels } });
      new Broker(this, 'broker', {
        metadata: { name: SUBMARINER.brokerName, namespace: sub.brokerNamespace, labels: objectLabels },
        spec: { components: ['service-discovery', 'connectivity'], globalnetEnabled: false },
      });
      new BrokerAccess(this, 'broker-access', { fleet, labels: objectLabels });
    }

    new k8s.KubeNamespace(this, 'operator-namespace', {
      metadata: {
        name: SUBMARINER.operatorNamespace,
        // The gateway and route agent run privileged on the host network; a restricted default
        // admission level would reject them.
        labels: { ...objectLabels, 'pod-security.kubernetes.io/enforce': 'privileged' },
      },
    });

    new Submariner(this, 'join', {
      metadata: { name: SUBMARINER.joinName, namespace: SUBMARINER.operatorNamespace, labels: objectLabels },
      spec: {
        namespace: SUBMARINER.operatorNamespace,
        clusterId: region.clusterId,
        clusterCidr: region.podCidr,
        serviceCidr: region.serviceCidr,
        // Globalnet off: pods keep their own addresses, which the CIDR guardrails keep distinct.
        globalCidr: '',
        natEnabled: false,
        cableDriver: sub.cableDriver,
        ceIpSecNattPort: NATT_PORT,
        ceIpSecIkePort: IKE_PORT,
        ceIpSecDebug: false,
        ...(cableDriverNeedsPsk(fleet) ? { ceIpSecPskSecret: SUBMARINER.ipsecPskSecret } : {}),
        broker: 'k8s',
        brokerK8SApiServer: brokerApiServerHost(fleet),
        brokerK8SRemoteNamespace: sub.brokerNamespace,
        brokerK8SSecret: sub.joinSecretName,
        // Lighthouse serves the clusterset.local names every peer dials.
        serviceDiscoveryEnabled: true,
        repository: SUBMARINER.repository,
        version: sub.version,
        debug: false,
      },
    });

    for (const service of exportedServices(region)) {
      // ServiceExport stays an ApiObject: its CRD is not among the typed imports.
      new ApiObject(this, `export-${service}`, {
        apiVersion: 'multicluster.x-k8s.io/v1alpha1',
        kind: 'ServiceExport',
        metadata: {
          name: service,
          namespace: fleet.namespace,
          labels: objectLabels,
          // The ServiceExport CRD appears once the operator reconciles the join in this same
          // sync; without this Argo CD's dry run would fail the whole wave.
          annotations: { 'argocd.argoproj.io/sync-options': 'SkipDryRunOnMissingResource=true' },
        },
      });
    }
  }
}

/** Network wave: after PKI, before ZooKeeper and Kafka need clusterset names. */
export const submarinerComponent = {
  name: 'submariner',
  wave: 20,
  build(chart: Chart, fleet: Fleet, region: Region): void {
    new SubmarinerJoin(chart, 'submariner', { fleet, region });
  },
} satisfies Component;
