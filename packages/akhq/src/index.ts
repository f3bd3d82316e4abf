export * from './config';
export * from './akhq';
