export * from './placement';
export * from './loss';
export * from './buffers';
export * from './cost';
export * from './inventory';
export * from './report';
export * from './changes';
export * from './quorum';
