export * from './versions';
export * from './addons';
export * from './argocd';
export * from './flux';
export * from './gitops';
