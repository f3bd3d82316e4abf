export * from './acls';
export * from './operator-pod';
export * from './topic-operator';
export * from './user-operator';
export * from './topics';
