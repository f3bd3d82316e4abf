import { Fleet, FleetError, KAFKA, KRAFT, Region, ZOOKEEPER } from '@stretched-kafka/fleet';

/**
 * Headless Services whose per-pod names appear in zoo.cfg, zookeeper.connect, controller.quorum.voters
 * or the advertised listeners, plus the bootstrap Service named in the broker certificate. Lighthouse answers
 * `<pod>.<clusterid>.<svc>.<ns>.svc.clusterset.local` only for exported Services.
 */
export function exportedServices(region: Region): string[] {
  return [...(region.zookeeperReplicas > 0 ? [ZOOKEEPER.headless] : []), ...(region.controllerReplicas > 0 ? [KRAFT.headless] : []), KAFKA.headless, KAFKA.bootstrap];
}

/**
 * The broker API server as the Submariner CR wants it: host[:port] without a scheme, because the
 * gateway and Lighthouse prepend https:// themselves.
 */
export function brokerApiServerHost(fleet: Fleet): string {
  const url = fleet.submariner.brokerApiServer;
  const m = /^https:\/\/([^/\s]+)\/?$/.exec(url);
  if (!m) throw new FleetError('submariner.brokerApiServer', url, 'must be an https://host[:port] URL (Submariner always dials the broker over https)');
  return m[1];
}

/** IPsec (libreswan) and WireGuard derive their tunnel keys from the PSK; VXLAN does not encrypt. */
export function cableDriverNeedsPsk(fleet: Fleet): boolean {
  return fleet.submariner.cableDriver !== 'vxlan';
}
