import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { Fleet, Region, TRUST_BUNDLE, TrustDomain, labels, normalPem } from '@stretched-kafka/fleet';
import { k8s } from 'cdk8s-plus-27';
import { RELOADER_WATCH_LABEL } from '@stretched-kafka/platform';
import {
  Certificate,
  CertificateSpec,
  toJson_CertificateSpec,
  CertificateSpecAdditionalOutputFormatsType,
  CertificateSpecPrivateKeyAlgorithm,
  CertificateSpecPrivateKeyEncoding,
  CertificateSpecPrivateKeyRotationPolicy,
} from '../../../imports/cert-manager-certificate-cert-manager.io';
import { Issuer } from '../../../imports/cert-manager-issuer-cert-manager.io';
import { CertificateRequest, adminCertificateRequest, certificateRequests, usagesOf } from './sans';
import type { Component } from '@stretched-kafka/core';

export interface CertificatesProps {
  readonly fleet: Fleet;
  readonly region: Region;
}

/** cert-manager issuerRef of a trust domain. */
export function issuerRef(fleet: Fleet, trust: TrustDomain): { group: string; kind: string; name: string } {
  const pki = fleet.pki;
  return trust === 'stack'
    ? { group: 'cert-manager.io', kind: 'Issuer', name: pki.internal.issuerName }
    : { group: 'cert-manager.io', kind: pki.issuer.kind, name: pki.issuer.name };
}

/** The Certificate spec of one request (shared by the tree and the break-glass admin manifest). */
export function certificateSpec(fleet: Fleet, req: CertificateRequest, secretLabels: Record<string, string>, lifetime?: { duration: string; renewBefore: string }): CertificateSpec {
  // Reloader watches the Secrets of the tree's certificates; a break-glass Secret (own lifetime) is nobody's to roll.
  const { duration, renewBefore } = lifetime ?? fleet.pki;
  return {
    secretName: req.secretName,
    secretTemplate: { labels: lifetime ? { ...secretLabels } : { ...secretLabels, ...RELOADER_WATCH_LABEL } },
    commonName: req.commonName,
    subject: { organizations: [fleet.name] },
    ...(req.dnsNames.length > 0 ? { dnsNames: [...req.dnsNames] } : {}),
    usages: [...usagesOf(req)],
    duration,
    renewBefore,
    privateKey: {
      algorithm: CertificateSpecPrivateKeyAlgorithm.RSA,
      size: 2048,
      encoding: CertificateSpecPrivateKeyEncoding.PKCS8,
      rotationPolicy: CertificateSpecPrivateKeyRotationPolicy.ALWAYS,
    },
    additionalOutputFormats: [{ type: CertificateSpecAdditionalOutputFormatsType.COMBINED_PEM }],
    issuerRef: issuerRef(fleet, req.trust),
  };
}

/** Lifetime of the break-glass admin certificate: long enough for one maintenance task. */
export const ADMIN_CERTIFICATE = { duration: '8h', renewBefore: '1h' } as const;

/**
 * The break-glass admin Certificate (a super user), never part of the tree: an operator with the
 * right to create Certificates in the stack namespace applies it for a maintenance task and deletes
 * it and its Secret afterwards (`npm run plan` prints the commands). Issued by the internal CA, so
 * only that namespace can obtain it.
 */
export function adminCertificate(fleet: Fleet): { apiVersion: string; kind: string; metadata: { name: string; namespace: string; labels: Record<string, string> }; spec: Record<string, unknown> } {
  const req = adminCertificateRequest();
  const objectLabels = { 'app.kubernetes.io/part-of': fleet.name, 'app.kubernetes.io/name': 'break-glass-admin' };
  return {
    apiVersion: 'cert-manager.io/v1',
    kind: 'Certificate',
    metadata: { name: req.secretName, namespace: fleet.namespace, labels: objectLabels },
    spec: toJson_CertificateSpec(certificateSpec(fleet, req, objectLabels, ADMIN_CERTIFICATE))!,
  };
}

/**
 * cert-manager objects of one region, in two trust domains (README, trust model):
 *
 * - the stack's internal CA: a namespaced `Issuer` over the CA key pair Secret `pki.internal`
 *   (the same key pair in every cluster, provisioned out of band), so only principals that may
 *   create Certificates or CertificateRequests in the stack namespace can obtain a broker,
 *   ZooKeeper, operator or AKHQ identity. The internal listener and ZooKeeper trust only it.
 * - the application-facing issuer `pki.issuer` (a ClusterIssuer such as Vault, or a CA Issuer
 *   emitted here over its own out-of-band Secret): the brokers' client-listener certificate and
 *   the application clients (load producers and consumers). The client listener trusts only it.
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

    new Issuer(this, 'internal-issuer', {
      metadata: { name: pki.internal.issuerName, namespace: fleet.namespace, labels: objectLabels },
      spec: { ca: { secretName: pki.internal.caSecretName } },
    });
    if (pki.issuer.kind === 'Issuer') {
      new Issuer(this, 'issuer', {
        metadata: { name: pki.issuer.name, namespace: fleet.namespace, labels: objectLabels },
        spec: { ca: { secretName: pki.issuer.caSecretName } },
      });
    }

    // The trust bundle (pki.additionalTrust), always present so that the pods mount it from the
    // start: adding a CA later changes the mounted files only (no pod template change, no roll).
    new k8s.KubeConfigMap(this, 'trust-bundle', {
      metadata: { name: TRUST_BUNDLE.configMap, namespace: fleet.namespace, labels: objectLabels },
      data: trustBundleData(fleet),
    });

    for (const req of certificateRequests(fleet, region)) {
      new Certificate(this, req.secretName, {
        metadata: { name: req.secretName, namespace: fleet.namespace, labels: objectLabels },
        spec: certificateSpec(fleet, req, objectLabels),
      });
    }
  }
}

/**
 * The trust ConfigMap's data: per trust domain, the CA certificates of pki.additionalTrust in
 * fleet order, each PEM block once with one newline (an empty key when there are none). The
 * truststore of a listener is the issuing CA's ca.crt followed by this key (start scripts).
 */
export function trustBundleData(fleet: Fleet): Record<string, string> {
  const pems = (list: readonly string[]) => list.map(normalPem).join('');
  return { [TRUST_BUNDLE.keys.stack]: pems(fleet.pki.additionalTrust.internal), [TRUST_BUNDLE.keys.application]: pems(fleet.pki.additionalTrust.issuer) };
}

/** PKI wave: after the namespace, before anything mounts a certificate Secret. */
export const certificatesComponent = {
  name: 'certificates',
  wave: 10,
  build(chart: Chart, fleet: Fleet, region: Region): void {
    new Certificates(chart, 'certificates', { fleet, region });
  },
} satisfies Component;
