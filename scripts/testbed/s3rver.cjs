// s3rver for the backup tests (test-support/backup-targets.ts), with one repair: s3rver 3.7
// leaves its file write stream's errors unhandled, so a full disk (ENOSPC) crashed the whole
// server mid-upload, and it answered before the write had finished. Here an object is written
// with stream.pipeline (errors from either end reject, success only once the data is on disk),
// a failed write removes its partial file, and the client gets a 500: what a full real S3
// server answers. Usage: node scripts/testbed/s3rver.cjs <dir> <port> <bucket>
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

const [directory, port, bucket] = process.argv.slice(2);
new S3rver({ directory, port: Number(port), address: '127.0.0.1', silent: false, configureBuckets: [{ name: bucket, configs: [] }] })
  .run()
  .then(({ address, port }) => console.log(`s3rver listening on ${address}:${port}`))
  .catch((err) => {
    console.error(err);
    process.exit(1);
  });
