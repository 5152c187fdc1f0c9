import { poolProblems, type PmMode } from '@/lib/model/fpm-pool';
import { HEADER, positiveInt, safe, TemplateValueError } from './directive';

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
