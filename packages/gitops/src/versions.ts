import { Fleet, VERSIONS, strimziRelease } from '@stretched-kafka/fleet';

/**
 * Add-on sources. Charts are pinned to exact versions (no ranges), taken from versions.json: a
 * chart bump is a reviewed diff, never a surprise on the next reconcile.
 */
export const CERT_MANAGER = {
  repoUrl: 'https://charts.jetstack.io',
  chart: 'cert-manager',
  // AdditionalCertificateOutputFormats (the CombinedPEM file the brokers read) is GA since
  // v1.18, so this version needs no feature gate on the controller or the webhook.
  version: VERSIONS.certManager,
  namespace: 'cert-manager',
} as const;

export const SUBMARINER_CHARTS = {
  repoUrl: 'https://submariner-io.github.io/submariner-charts/charts',
  chart: 'submariner-operator',
} as const;

/**
 * stakater Reloader restarts the Deployments that name a Secret in `secret.reloader.stakater.com/reload`
 * when cert-manager renews it. The pinned chart (versions.json) carries Reloader v1.4.22 (stakater/Reloader PR #1218).
 * It is installed into the fleet's namespace (see addons.ts), so no namespace is pinned here.
 */
export const RELOADER = {
  repoUrl: 'https://stakater.github.io/stakater-charts',
  chart: 'reloader',
  version: VERSIONS.reloader,
} as const;

export const STRIMZI_REPO = 'https://github.com/strimzi/strimzi-kafka-operator.git';

/** Strimzi release whose KafkaTopic/KafkaUser CRDs match the standalone operators the topics component runs (per metadata mode). */
export function strimziVersion(fleet: Fleet): string {
  return strimziRelease(fleet.metadata.mode).version;
}

/** The operator chart follows Submariner's releases, so the fleet's Submariner version pins it. */
export function submarinerChartVersion(fleet: Fleet): string {
  return fleet.submariner.version;
}
