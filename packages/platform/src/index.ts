export * from './security';
export * from './namespace';
