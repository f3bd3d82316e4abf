export * from './render';
export * from './immutable';
export * from './components';
