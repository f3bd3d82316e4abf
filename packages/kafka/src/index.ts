export * from './tuning';
export * from './config';
export * from './kafka-config';
export * from './kafka-services';
export * from './kafka-statefulset';
export * from './kafka-network-policy';
export * from './component';
