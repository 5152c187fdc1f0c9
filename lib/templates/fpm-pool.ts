import { HEADER, positiveInt, safe, TemplateValueError } from './directive';

export type PmMode = 'static' | 'dynamic' | 'ondemand';

export type PoolConfig = {
  slug: string;
  user: string;
  group: string;
  /** The socket nginx passes requests to; owned by the app user, readable by nginx's group. */
  socket: string;
  listenGroup: string;
  pm: PmMode;
  maxChildren: number;
  startServers: number;
  minSpareServers: number;
  maxSpareServers: number;
  maxRequests: number;
  memoryLimitMb: number;
  requestTerminateTimeoutS: number;
  uploadMaxMb: number;
  slowlogThresholdS: number;
  slowlogPath: string;
  /** Reachable only through nginx on the server itself (see the vhost). */
  statusPath: string;
};

/** Checks the pm numbers the way php-fpm does, with messages an operator can act on. */
export function poolProblems(c: Pick<PoolConfig, 'pm' | 'maxChildren' | 'startServers' | 'minSpareServers' | 'maxSpareServers'>): string[] {
  const problems: string[] = [];
  if (!Number.isInteger(c.maxChildren) || c.maxChildren < 1) problems.push('max_children must be at least 1');
  if (c.pm === 'dynamic') {
    if (c.minSpareServers < 1) problems.push('min_spare_servers must be at least 1');
    if (c.maxSpareServers < c.minSpareServers) problems.push('max_spare_servers must be ≥ min_spare_servers');
    if (c.startServers < c.minSpareServers || c.startServers > c.maxSpareServers) problems.push('start_servers must lie between min_spare_servers and max_spare_servers');
    if (c.maxSpareServers > c.maxChildren) problems.push('max_spare_servers must be ≤ max_children');
  }
  return problems;
}

export function renderPool(c: PoolConfig): string {
  const problems = poolProblems(c);
  if (problems.length) throw new TemplateValueError(problems.join('; '));
  const lines = [
    `; ${HEADER}`,
    `[${safe('slug', c.slug)}]`,
    `user = ${safe('user', c.user)}`,
    `group = ${safe('group', c.group)}`,
    `listen = ${safe('socket', c.socket)}`,
    `listen.owner = ${safe('user', c.user)}`,
    `listen.group = ${safe('listen group', c.listenGroup)}`,
    'listen.mode = 0660',
    `pm = ${c.pm}`,
    `pm.max_children = ${positiveInt('max_children', c.maxChildren)}`,
    ...(c.pm === 'dynamic'
      ? [
          `pm.start_servers = ${positiveInt('start_servers', c.startServers)}`,
          `pm.min_spare_servers = ${positiveInt('min_spare_servers', c.minSpareServers)}`,
          `pm.max_spare_servers = ${positiveInt('max_spare_servers', c.maxSpareServers)}`,
        ]
      : []),
    ...(c.pm === 'ondemand' ? ['pm.process_idle_timeout = 10s'] : []),
    `pm.max_requests = ${positiveInt('max_requests', c.maxRequests, 0)}`,
    `pm.status_path = ${safe('status path', c.statusPath)}`,
    `request_terminate_timeout = ${positiveInt('request_terminate_timeout', c.requestTerminateTimeoutS, 0)}s`,
    `request_slowlog_timeout = ${positiveInt('slowlog threshold', c.slowlogThresholdS, 0)}s`,
    `slowlog = ${safe('slowlog path', c.slowlogPath)}`,
    `php_admin_value[memory_limit] = ${positiveInt('memory_limit', c.memoryLimitMb)}M`,
    `php_admin_value[upload_max_filesize] = ${positiveInt('upload size', c.uploadMaxMb)}M`,
    `php_admin_value[post_max_size] = ${positiveInt('upload size', c.uploadMaxMb)}M`,
    'php_admin_flag[expose_php] = off',
    'catch_workers_output = yes',
    '',
  ];
  return lines.join('\n');
}
