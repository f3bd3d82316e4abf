import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { Fleet, Region, labels } from '@stretched-kafka/fleet';
import {
  Certificate,
  CertificateSpecAdditionalOutputFormatsType,
  CertificateSpecPrivateKeyAlgorithm,
  CertificateSpecPrivateKeyEncoding,
  CertificateSpecPrivateKeyRotationPolicy,
} from '../../../imports/cert-manager-certificate-cert-manager.io';
import { Issuer } from '../../../imports/cert-manager-issuer-cert-manager.io';
import { USAGES, certificateRequests } from './sans';

export interface CertificatesProps {
  readonly fleet: Fleet;
  readonly region: Region;
}

/**
 * cert-manager objects of one region: a CA Issuer when the fleet uses one (its key pair Secret is
 * provisioned out of band in every cluster, so all regions share one trust root), and one
 * Certificate per server and client identity.
 *
 * Keys are PKCS#8 RSA 2048 without a password, and every Secret also carries tls-combined.pem
 * (key then chain), the single-file PEM keystore Kafka and ZooKeeper read; ca.crt is the
 * truststore. RSA because ZooKeeper's PEM reader accepts RSA, EC and DSA keys only, and only PKCS#8.
 *
 * Rotation contract: cert-manager re-issues each certificate renewBefore ahead of expiry with a
 * fresh key (rotationPolicy Always) and rewrites the Secret in place; the kubelet refreshes the
 * mounted files within its sync period. ZooKeeper reloads its quorum key and trust files itself
 * (sslQuorumReloadCertFiles). Brokers and clients do not: the Kafka component must reload the
 * listener keystores (dynamic SSL update or ordered restart) before the old certificate expires,
 * so renewBefore must leave time for that.
 */
export class Certificates extends Construct {
  constructor(scope: Construct, id: string, props: CertificatesProps) {
    super(scope, id);
    const { fleet, region } = props;
    const pki = fleet.pki;
    const objectLabels = labels(fleet, 'certificates', region);

    if (pki.issuer.kind === 'Issuer') {
      new Issuer(this, 'issuer', {
        metadata: { name: pki.issuer.name, namespace: fleet.namespace, labels: objectLabels },
        spec: { ca: { secretName: pki.issuer.caSecretName } },
      });
    }

    for (const req of certificateRequests(fleet, region)) {
      new Certificate(this, req.secretName, {
        metadata: { name: req.secretName, namespace: fleet.namespace, labels: objectLabels },
        spec: {
          secretName: req.secretName,
          secretTemplate: { labels: objectLabels },
          commonName: req.commonName,
          subject: { organizations: [fleet.name] },
          ...(req.dnsNames.length > 0 ? { dnsNames: [...req.dnsNames] } : {}),
          usages: [...USAGES[req.role]],
          duration: pki.duration,
          renewBefore: pki.renewBefore,
          privateKey: {
            algorithm: CertificateSpecPrivateKeyAlgorithm.RSA,
            size: 2048,
            encoding: CertificateSpecPrivateKeyEncoding.PKCS8,
            rotationPolicy: CertificateSpecPrivateKeyRotationPolicy.ALWAYS,
          },
          additionalOutputFormats: [{ type: CertificateSpecAdditionalOutputFormatsType.COMBINED_PEM }],
          issuerRef: { group: 'cert-manager.io', kind: pki.issuer.kind, name: pki.issuer.name },
        },
      });
    }
  }
}

/** PKI wave: after the namespace, before anything mounts a certificate Secret. */
export const certificatesComponent = {
  name: 'certificates',
  wave: 10,
  build(chart: Chart, fleet: Fleet, region: Region): void {
    new Certificates(chart, 'certificates', { fleet, region });
  },
};
