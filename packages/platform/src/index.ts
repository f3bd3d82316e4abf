export * from './security';
export * from './namespace';
export * from './disruption-budget';
export * from './start-script';
export * from './stateful-services';
export * from './peer-network-policy';
export * from './stretched-statefulset';
export * from './kafka-properties';
