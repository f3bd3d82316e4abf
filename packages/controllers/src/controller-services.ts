import { Construct } from 'constructs';
import { KRAFT } from '@stretched-kafka/fleet';
import type { RegionProps } from '@stretched-kafka/core';
import { StatefulServices } from '@stretched-kafka/platform';

/**
 * Headless `kafka-controllers` only (exported through Submariner; the per-pod names are the
 * voters of controller.quorum.voters). No ClusterIP Service: controllers and brokers dial every
 * voter by name, and no other client reaches the quorum.
 */
export class ControllerServices extends Construct {
  constructor(scope: Construct, id: string, props: RegionProps) {
    super(scope, id);
    new StatefulServices(this, 'Resource', { ...props, component: KRAFT.name, headless: { name: KRAFT.headless, ports: [{ name: 'controller', port: KRAFT.controllerPort }] } });
  }
}
