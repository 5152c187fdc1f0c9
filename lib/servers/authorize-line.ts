import { and, cmd, redirect, render } from '@/lib/remote/command';

/** The line an operator pastes on the server to let Berth's key in, quoted by the one renderer. */
export function authorizeKeyLine(username: string, publicKey: string): string {
  const home = username === 'root' ? '/root' : `/home/${username}`;
  return render(
    and(cmd('mkdir', '-p', `${home}/.ssh`), redirect(cmd('echo', publicKey), `${home}/.ssh/authorized_keys`, { append: true })),
  );
}
