export * from './schema';
export * from './defaults';
export * from './validate';
export * from './load';
export * from './naming';
export * from './cli';
export * from './placeholders';
