export * from './config';
export * from './zookeeper-config';
export * from './zookeeper-services';
export * from './zookeeper-statefulset';
export * from './zookeeper-network-policy';
export * from './component';
