import { describe, expect, it } from 'vitest';
import { repositoryInput } from './app-fields';
import { parseSshRepository } from './git-ssh-url';

describe('SSH repository URLs', () => {
  it('parses the scp-like and ssh:// forms', () => {
    expect(parseSshRepository('git@github.com:acme/shop.git')).toEqual({
      user: 'git',
      host: 'github.com',
      port: 22,
      path: 'acme/shop.git',
    });
    expect(parseSshRepository('git@10.0.0.5:/srv/git/app.git')).toEqual({
      user: 'git',
      host: '10.0.0.5',
      port: 22,
      path: '/srv/git/app.git',
    });
    expect(parseSshRepository('ssh://git@Git.Example.com:2222/acme/shop.git')).toEqual({
      user: 'git',
      host: 'git.example.com',
      port: 2222,
      path: '/acme/shop.git',
    });
    expect(parseSshRepository('ssh://example.com/~deploy/app.git')).toEqual({
      user: undefined,
      host: 'example.com',
      port: 22,
      path: '/~deploy/app.git',
    });
  });

  it.each([
    ['a host that reads as an option', 'git@-oProxyCommand=x:repo.git'],
    ['an ssh:// host that reads as an option', 'ssh://-oProxyCommand=touch%20x/repo'],
    ['a user that reads as an option', '-oProxyCommand=x@host:repo.git'],
    ['a path that reads as an option', 'git@host:-upload-pack=touch.git'],
    ['a password in an ssh URL', 'ssh://git:secret@host/repo.git'],
    ['port 0', 'ssh://git@host:0/repo.git'],
    ['a port above 65535', 'ssh://git@host:65536/repo.git'],
    ['a .. segment', 'git@host:../etc/passwd'],
    ['a space', 'git@host:acme/my repo.git'],
    ['shell text', 'git@host:repo.git;touch x'],
    ['an IPv6 literal', 'ssh://git@[::1]/repo.git'],
    ['no user in the scp form', 'host:repo.git'],
    ['an empty path', 'ssh://git@host/'],
  ])('refuses %s', (_what, url) => {
    expect(parseSshRepository(url)).toBeUndefined();
    expect(repositoryInput.safeParse(url).success).toBe(false);
  });

  it('the repository field takes the ssh forms, https and local paths, and says what it takes otherwise', () => {
    for (const ok of [
      'git@github.com:acme/shop.git',
      'ssh://git@127.0.0.21/home/git/app.git',
      'https://github.com/acme/shop.git',
      '/srv/repo.git',
    ])
      expect(repositoryInput.safeParse(ok).success, ok).toBe(true);
    const bad = repositoryInput.safeParse('git@-oProxyCommand=x:r');
    expect(bad.error?.issues.map((i) => i.message)).toEqual([expect.stringMatching(/^Use git@host:org\/repo\.git, ssh:\/\//)]);
    const creds = repositoryInput.safeParse('https://user:token@github.com/acme/shop.git');
    expect(creds.error?.issues.map((i) => i.message)).toEqual([expect.stringMatching(/Remove the credentials/)]);
  });
});
