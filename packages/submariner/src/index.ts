export * from './names';
export * from './submariner';
