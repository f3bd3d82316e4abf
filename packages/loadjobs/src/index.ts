export * from './args';
export * from './loadjobs';
