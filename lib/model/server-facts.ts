/** What provisioning learns about a server (lib/recipes/provision/detect-system.ts) and the plan reads. */
export type ServerFacts = { os: string; osVersion: string; init: 'systemd' | 'none'; cpus: number; memoryMb: number; diskGb: number };
export type ServiceState = { name: string; running: boolean };
