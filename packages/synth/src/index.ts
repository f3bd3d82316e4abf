export * from './render';
export * from './immutable';
