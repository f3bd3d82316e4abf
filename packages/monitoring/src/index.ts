export * from './alerts';
export * from './monitors';
export * from './dashboard';
export * from './component';
