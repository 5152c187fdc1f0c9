export * from './users';
export * from './audit-events';
export * from './settings';
export * from './login-throttle';
