import { Fleet } from './schema';

/**
 * Names reserved for documentation (RFC 2606 hosts, an `example` registry owner): the built-in
 * fleet uses them where only the user knows the value.
 */
const PLACEHOLDER = /(^|[./@])example\.(com|org|net)([:/]|$)|^[^/]+\/example\//;

/**
 * Fleet fields that still hold a documentation placeholder (API server URLs, the Git repository,
 * the load image, the AKHQ domain, the runbook page). Synth writes them as they are, so a review shows them, but a
 * cluster cannot sync or pull from them.
 */
export function placeholderFields(fleet: Fleet): string[] {
  const fields: Array<[string, string | undefined]> = [
    ...fleet.regions.map((r, i): [string, string] => [`regions[${i}].kubeApiServer`, r.kubeApiServer]),
    ['submariner.brokerApiServer', fleet.submariner.brokerApiServer],
    ['gitops.repoUrl', fleet.gitops.repoUrl],
    ['load.image', fleet.load.image],
    ...(fleet.akhq.exposure === 'none' ? [] : [['akhq.domain', fleet.akhq.domain] as [string, string]]),
    ...(fleet.monitoring.enabled ? [['monitoring.runbookUrl', fleet.monitoring.runbookUrl] as [string, string]] : []),
  ];
  return fields.filter(([, value]) => value !== undefined && PLACEHOLDER.test(value)).map(([field]) => field);
}
