export * from './render';
export * from './immutable';
export * from './components';
export * from './migration';
