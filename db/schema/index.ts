export * from './users';
export * from './audit-events';
export * from './settings';
export * from './login-throttle';
export * from './servers';
export * from './recipe-runs';
export * from './server-samples';
export * from './apps';
