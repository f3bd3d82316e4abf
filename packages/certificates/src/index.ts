export * from './sans';
export * from './certificates';
