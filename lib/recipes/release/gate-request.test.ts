import { describe, expect, it } from 'vitest';
import { render } from '@/lib/remote/command';
import { cgiVars, gateRoute, healthUri, resolveCommand } from './gate-request';

// How the gate turns the health path into what the vhost would do (renderVhost's try_files and
// index), for any web root. The requests themselves are proved on the test hosts (gate.integration.test.ts).
const ROOT = '/var/www/shop/releases/7/web';

describe('the gate request', () => {
  it('reads the path as nginx does: decoded, dot segments resolved, never above the web root', () => {
    expect(healthUri('/up?x=1')).toEqual({ uriPath: '/up', query: 'x=1', requestUri: '/up?x=1' });
    expect(healthUri('/a/../../../etc/passwd').uriPath).toBe('/etc/passwd');
    expect(healthUri('/health%2Etxt').uriPath).toBe('/health.txt');
    expect(healthUri('/docs/').uriPath).toBe('/docs/');
    expect(healthUri('/%E0%A4%A').uriPath).toBe('/%E0%A4%A');
  });

  it('asks the server which case applies, in one command under the release web root', () => {
    expect(render(resolveCommand(ROOT, healthUri('/')))).toBe(
      `{ 'test' '-f' '${ROOT}/' && 'echo' 'file'; } || { 'test' '-f' '${ROOT}/index.php' && 'echo' 'dir-php'; } || { 'test' '-f' '${ROOT}/index.html' && 'echo' 'dir-html'; } || 'echo' 'front'`,
    );
  });

  it('routes a file to the file system, a directory to its index, a .php path to itself, anything else to the front controller', () => {
    expect(gateRoute(ROOT, healthUri('/health.txt'), 'file')).toEqual({ kind: 'static', file: `${ROOT}/health.txt` });
    expect(gateRoute(ROOT, healthUri('/'), 'dir-php')).toEqual({ kind: 'php', scriptName: '/index.php' });
    expect(gateRoute(ROOT, healthUri('/docs'), 'dir-html')).toEqual({ kind: 'static', file: `${ROOT}/docs/index.html` });
    expect(gateRoute(ROOT, healthUri('/status.php'), 'front')).toEqual({ kind: 'php', scriptName: '/status.php' });
    expect(gateRoute(ROOT, healthUri('/up'), 'front')).toEqual({ kind: 'php', scriptName: '/index.php' });
  });

  it('sets the CGI variables as fastcgi_params and the vhost do, with the release web root for $realpath_root', () => {
    const vars = cgiVars({ webRoot: ROOT, uri: healthUri('/up?deep=1'), scriptName: '/index.php', domain: 'shop.example', tls: true });
    expect(vars).toMatchObject({
      SCRIPT_FILENAME: `${ROOT}/index.php`,
      SCRIPT_NAME: '/index.php',
      DOCUMENT_ROOT: ROOT,
      REQUEST_URI: '/up?deep=1',
      QUERY_STRING: 'deep=1',
      HTTP_HOST: 'shop.example',
      SERVER_NAME: 'shop.example',
      SERVER_PORT: '443',
      HTTPS: 'on',
    });
    expect(cgiVars({ webRoot: ROOT, uri: healthUri('/'), scriptName: '/index.php', domain: 'a.test', tls: false })).not.toHaveProperty(
      'HTTPS',
    );
  });
});
