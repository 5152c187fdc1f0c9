import { z } from 'zod';
import { isSshRepository } from './git-ssh-url';
import { singleLine, trimmedLine } from './text';

/**
 * The single fields of an app's configuration (lib/model/app-config.ts): strict patterns shared by
 * the forms, the actions and the stored config. The renderers check their values again
 * (lib/templates/directive.ts).
 */
const RESERVED_USERS = new Set([
  'root',
  'www-data',
  'nobody',
  'daemon',
  'bin',
  'sys',
  'sync',
  'games',
  'man',
  'mail',
  'news',
  'backup',
  'postgres',
  'redis',
  'sshd',
  'berth',
  // Debian's base groups and common service accounts: an app user made with one of these as its
  // group would get the group's rights (docker, sudo, adm, disk, shadow…).
  ...['adm', 'tty', 'disk', 'lp', 'uucp', 'proxy', 'kmem', 'dialout', 'fax', 'voice', 'cdrom', 'floppy', 'tape'],
  ...['sudo', 'audio', 'dip', 'operator', 'list', 'irc', 'src', 'gnats', 'shadow', 'utmp', 'video', 'sasl'],
  ...['plugdev', 'staff', 'users', 'nogroup', 'docker', 'lxd', 'wheel', 'admin', 'ssh', 'crontab', 'messagebus'],
  ...['netdev', 'mysql', 'systemd-journal', 'systemd-network', 'systemd-resolve', 'ssl-cert', 'input', 'render', 'kvm'],
]);

export const slugInput = trimmedLine(64)
  .regex(/^[a-z][a-z0-9-]{0,31}$/, 'A slug is a lowercase letter, then up to 31 lowercase letters, digits or dashes')
  .refine((s) => !RESERVED_USERS.has(s), 'This slug is reserved (it would clash with a system user)');

const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
export const domainInput = trimmedLine(300)
  .toLowerCase()
  .regex(new RegExp(`^(?=.{1,253}$)${LABEL}(?:\\.${LABEL})+$`), 'Enter a domain name such as shop.example.com');

/** A path inside the app (shared or writable paths, the web root): relative, no `..`, no odd characters. */
export const appPathInput = trimmedLine(200)
  .regex(/^[A-Za-z0-9._-]+(?:\/[A-Za-z0-9._-]+)*$/, 'Use a relative path of letters, digits, dots, dashes and underscores')
  .refine((p) => !p.split('/').some((part) => part === '..' || part === '.'), 'A path may not contain . or .. parts');

/** A command as argv: no shell, so each word reaches the program as one argument. */
export const argvInput = z.array(singleLine(500).min(1)).min(1, 'Enter a command').max(100, 'At most 100 words in a command');

/**
 * ssh (git@host:org/repo.git or ssh://[user@]host[:port]/path, fetched with the app's deploy key),
 * public https, or an absolute local path (tests, mirrors on the panel host).
 */
export const repositoryInput = trimmedLine(500)
  // A token in the URL would sit in the stored config, the page and git's argv: use a deploy key.
  .refine((r) => !/^https:\/\/[^/@]*@/.test(r) && !/^ssh:\/\/[^/@]*:[^/@]*@/.test(r), {
    message: 'Remove the credentials from the URL: Berth fetches over ssh with a deploy key, or public https',
    abort: true,
  })
  .refine(
    (r) => /^https:\/\/[^\s'"`$;&|<>\\]+$/.test(r) || /^\/[A-Za-z0-9._/-]+$/.test(r) || isSshRepository(r),
    'Use git@host:org/repo.git, ssh://[user@]host[:port]/path, https://… or an absolute local path (names, dots, dashes and slashes only)',
  );

/** A branch name as git allows it, minus what would read as an option or a range. */
export const branchInput = trimmedLine(200)
  .regex(/^(?!-)(?!.*\.\.)(?!.*\/\/)[A-Za-z0-9._/-]{1,100}$/, 'A branch is letters, digits, dots, dashes, underscores and slashes')
  .default('main');
