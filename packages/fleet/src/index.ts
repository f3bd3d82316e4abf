export * from './schema';
export * from './grammar';
export * from './defaults';
export * from './validate';
export * from './load';
export * from './naming';
export * from './cli';
export * from './placeholders';
