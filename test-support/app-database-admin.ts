import pg from 'pg';

/**
 * For test beds whose app gets Berth's Postgres on this machine (the hosts share 127.0.0.1:5432):
 * a superuser connection and a way to drop the app's database and role, called once before the
 * bed starts (a failed earlier run may have left them) and again at cleanup.
 */
export async function appDatabaseAdmin(slug: string) {
  const db = `app_${slug}`;
  const admin = new pg.Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'postgres' });
  await admin.connect();
  const dropDb = async () => {
    await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
    await admin.query(`DROP ROLE IF EXISTS ${db}`);
  };
  await dropDb();
  /** One short session in the app's database: as its own role (with its password), or as another user such as the superuser. */
  async function sessionIn(sql: string, user: string, password?: string) {
    const c = new pg.Client({ host: '127.0.0.1', port: 5432, user, password, database: db });
    await c.connect();
    try {
      return await c.query(sql);
    } finally {
      await c.end();
    }
  }
  return { db, admin, dropDb, sessionIn };
}
