export * from './names';
export * from './broker';
export * from './submariner';
