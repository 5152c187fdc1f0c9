// s3rver for the backup tests (test-support/backup-targets.ts), with one repair: s3rver 3.7
// leaves its file write stream's errors unhandled, so a full disk (ENOSPC) crashed the whole
// server mid-upload, and it answered before the write had finished. Here an object is written
// with stream.pipeline (errors from either end reject, success only once the data is on disk),
// a failed write removes its partial file, and the client gets a 500: what a full real S3
// server answers. And a second: s3rver accepts any SigV4 signature (its check is
// "unimplemented"), so a wrong secret key would pass; here every signed request is checked
// against the secret S3RVER and refused with 403 SignatureDoesNotMatch, as S3 does.
// Usage: node scripts/testbed/s3rver.cjs <dir> <port> <bucket>
'use strict';
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { Transform } = require('node:stream');
const { pipeline } = require('node:stream/promises');
const S3rver = require('s3rver');
const FilesystemStore = require('s3rver/lib/stores/filesystem');

FilesystemStore.prototype.putObject = async function putObject(object) {
  const objectPath = this.getResourcePath(object.bucket, object.key, 'object');
  await fs.promises.mkdir(path.dirname(objectPath), { recursive: true });
  const md5 = crypto.createHash('md5');
  let size = 0;
  const count = new Transform({
    transform(chunk, encoding, callback) {
      md5.update(chunk, encoding);
      size += chunk.length;
      callback(null, chunk);
    },
  });
  const source = Buffer.isBuffer(object.content) ? [object.content] : object.content;
  try {
    await pipeline(source, count, fs.createWriteStream(objectPath));
  } catch (err) {
    await fs.promises.rm(objectPath, { force: true });
    throw err;
  }
  const digest = md5.digest('hex');
  await this.putMetadata(object.bucket, object.key, object.metadata, digest);
  return { size, md5: digest };
};

const SECRET = 'S3RVER';
const hmac = (key, text) => crypto.createHmac('sha256', key).update(text).digest();
const strictEncode = (s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** The signature SigV4 (header form) expects for this request, or null when it is not signed that way. */
function expectedSignature(req) {
  const auth =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]*)\/s3\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(
      req.headers.authorization ?? '',
    );
  if (!auth) return null;
  const [, , date, region, signedHeaders, given] = auth;
  const url = new URL(req.url, 'http://x');
  const query = [...url.searchParams]
    .map(([k, v]) => [strictEncode(k), strictEncode(v)])
    .sort((a, b) => (a[0] === b[0] ? (a[1] < b[1] ? -1 : 1) : a[0] < b[0] ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const names = signedHeaders.split(';');
  const headers = names
    .map(
      (n) =>
        `${n}:${String(req.headers[n] ?? '')
          .trim()
          .replace(/\s+/g, ' ')}\n`,
    )
    .join('');
  const canonical = [
    req.method,
    url.pathname,
    query,
    headers,
    signedHeaders,
    req.headers['x-amz-content-sha256'] ?? 'UNSIGNED-PAYLOAD',
  ].join('\n');
  const scope = `${date}/${region}/s3/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', req.headers['x-amz-date'], scope, crypto.createHash('sha256').update(canonical).digest('hex')].join(
    '\n',
  );
  const key = hmac(hmac(hmac(hmac(`AWS4${SECRET}`, date), region), 's3'), 'aws4_request');
  return { given, expected: hmac(key, toSign).toString('hex') };
}

const [directory, port, bucket] = process.argv.slice(2);
const server = new S3rver({
  directory,
  port: Number(port),
  address: '127.0.0.1',
  silent: false,
  configureBuckets: [{ name: bucket, configs: [] }],
});
server.middleware.unshift(async (ctx, next) => {
  const sig = expectedSignature(ctx.req);
  if (sig && sig.given !== sig.expected) {
    ctx.status = 403;
    ctx.type = 'application/xml';
    ctx.body =
      '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match the signature you provided. Check your key and signing method.</Message></Error>';
    return;
  }
  await next();
});
server
  .run()
  .then(({ address, port }) => console.log(`s3rver listening on ${address}:${port}`))
  .catch((err) => {
    console.error(err);
    process.exit(1);
  });

// A test runner that dies without stop() (a crashed worker) must not leave this server behind.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.exit(0);
}, 1000);
