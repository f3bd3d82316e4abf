export * from './config';
export * from './controller-config';
export * from './controller-services';
export * from './controller-statefulset';
export * from './controller-network-policy';
export * from './component';
