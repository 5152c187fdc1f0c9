import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The SQL the `database` task sends to psql over stdin. Names are checked again here (they
 * reach SQL as identifiers and literals); the password never does: the role gets a SCRAM
 * verifier computed in the panel, as psql's \password does, so the plaintext stays out of the
 * server's statement log and out of anything psql echoes on an error.
 */
const ROLE_NAME = /^app_[a-z][a-z0-9_]{0,31}$/;

export function quoteIdent(name: string): string {
  if (!ROLE_NAME.test(name)) throw new Error(`not a Berth database or role name: ${JSON.stringify(name)}`);
  return `"${name.replaceAll('"', '""')}"`;
}

/** A standard-conforming string literal (backslashes are plain characters in them since PostgreSQL 9.1). */
export function quoteLiteral(value: string): string {
  if (value.includes('\0')) throw new Error('a SQL literal cannot hold a NUL byte');
  return `'${value.replaceAll("'", "''")}'`;
}

const ITERATIONS = 4096; // PostgreSQL's default scram_iterations
const hmac = (key: Buffer, text: string) => createHmac('sha256', key).update(text).digest();

function scramKeys(password: string, salt: Buffer, iterations: number) {
  const salted = pbkdf2Sync(password.normalize('NFKC'), salt, iterations, 32, 'sha256');
  return { storedKey: createHash('sha256').update(hmac(salted, 'Client Key')).digest(), serverKey: hmac(salted, 'Server Key') };
}

/** `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`, the form pg_authid.rolpassword holds. */
export function scramVerifier(password: string, salt = randomBytes(16), iterations = ITERATIONS): string {
  const { storedKey, serverKey } = scramKeys(password, salt, iterations);
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

/** True when a stored verifier accepts the password; anything but SCRAM (md5, none) counts as no. */
export function scramVerifies(verifier: string, password: string): boolean {
  const m = /^SCRAM-SHA-256\$(\d+):([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+):([A-Za-z0-9+/=]+)$/.exec(verifier);
  if (!m) return false;
  const { storedKey, serverKey } = scramKeys(password, Buffer.from(m[2]!, 'base64'), Number(m[1]));
  const want = Buffer.concat([Buffer.from(m[3]!, 'base64'), Buffer.from(m[4]!, 'base64')]);
  const got = Buffer.concat([storedKey, serverKey]);
  return want.length === got.length && timingSafeEqual(want, got);
}

/** One line (psql -At): role state, owner, PUBLIC revoked, role may connect, then the verifier last. */
export function lookSql(name: string): string {
  quoteIdent(name); // checks the name before it becomes a literal
  const lit = quoteLiteral(name);
  return `SELECT
  coalesce((SELECT (rolcanlogin AND NOT (rolsuper OR rolcreatedb OR rolcreaterole OR rolreplication OR rolbypassrls))::text FROM pg_authid WHERE rolname = ${lit}), 'missing'),
  coalesce((SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = ${lit}), ''),
  coalesce((SELECT (datacl IS NOT NULL AND NOT EXISTS (SELECT 1 FROM aclexplode(datacl) a WHERE a.grantee = 0))::text FROM pg_database WHERE datname = ${lit}), 'false'),
  coalesce((SELECT EXISTS (SELECT 1 FROM pg_database d, aclexplode(d.datacl) a JOIN pg_roles r ON r.oid = a.grantee WHERE d.datname = ${lit} AND r.rolname = ${lit} AND a.privilege_type = 'CONNECT')::text), 'false'),
  coalesce((SELECT rolpassword FROM pg_authid WHERE rolname = ${lit}), '');
`;
}

export type PostgresLook = {
  role: 'ok' | 'wrong' | 'missing';
  owner: string;
  publicRevoked: boolean;
  roleConnects: boolean;
  verifier: string;
};

export function parseLook(stdout: string): PostgresLook {
  const fields = stdout.trim().split('|');
  if (fields.length !== 5) throw new Error(`unexpected answer from psql (${fields.length} fields)`);
  const [role, owner, revoked, connects, verifier] = fields as [string, string, string, string, string];
  return {
    role: role === 'true' ? 'ok' : role === 'false' ? 'wrong' : 'missing',
    owner,
    publicRevoked: revoked === 'true',
    roleConnects: connects === 'true',
    verifier,
  };
}

const ROLE_OPTIONS = 'LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS';

/**
 * Only the statements the look says are needed, each one idempotent given that look; psql runs
 * them outside a transaction because CREATE DATABASE cannot run inside one.
 */
export function ensureSql(name: string, look: PostgresLook, passwordOk: boolean, verifier: string): { sql: string; did: string[] } {
  const id = quoteIdent(name);
  const lines: string[] = [];
  const did: string[] = [];
  if (look.role === 'missing') {
    lines.push(`CREATE ROLE ${id} ${ROLE_OPTIONS} PASSWORD ${quoteLiteral(verifier)};`);
    did.push(`created role ${name}`);
  } else if (look.role === 'wrong' || !passwordOk) {
    lines.push(`ALTER ROLE ${id} ${ROLE_OPTIONS} PASSWORD ${quoteLiteral(verifier)};`);
    did.push(look.role === 'wrong' ? `reset role ${name}'s attributes and password` : `reset role ${name}'s password`);
  }
  if (!look.owner) {
    lines.push(`CREATE DATABASE ${id} OWNER ${id};`);
    did.push(`created database ${name}`);
  } else if (look.owner !== name) {
    lines.push(`ALTER DATABASE ${id} OWNER TO ${id};`);
    did.push(`gave database ${name} to its role (was ${look.owner})`);
  }
  if (!look.owner || !look.publicRevoked || !look.roleConnects) {
    lines.push(`REVOKE ALL ON DATABASE ${id} FROM PUBLIC;`, `GRANT CONNECT, TEMPORARY ON DATABASE ${id} TO ${id};`);
    if (look.owner) did.push('only its role may connect');
  }
  return { sql: lines.join('\n') + (lines.length ? '\n' : ''), did };
}
