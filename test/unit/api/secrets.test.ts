// Which environment names look secret, and how their values are masked in the API's definitions.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isSecretName, maskEnv, SECRET_MASK } from '../../../src/api/secrets.js';

test('names holding TOKEN, KEY, SECRET, PASSWORD, PASSWD, PASSPHRASE, CREDENTIAL or PRIVATE look secret, any case', () => {
  for (const name of [
    'API_TOKEN',
    'github_token',
    'AWS_SECRET_ACCESS_KEY',
    'STRIPE_KEY',
    'apikey',
    'PGPASSWORD',
    'Db_Password',
    'MYSQL_PASSWD',
    'GPG_PASSPHRASE',
    'GOOGLE_APPLICATION_CREDENTIALS',
    'PRIVATE_PEM',
    'SESSION_SECRET',
  ]) {
    assert.equal(isSecretName(name), true, name);
  }
});

test('AUTH, PASS and DSN look secret only as words of the name', () => {
  for (const name of [
    'AUTH',
    'BASIC_AUTH',
    'NPM_AUTH_TOKEN',
    'auth_header',
    'DB_PASS',
    'PASS',
    'SENTRY_DSN',
  ]) {
    assert.equal(isSecretName(name), true, name);
  }
  for (const name of [
    'GIT_AUTHOR_NAME',
    'PASSTHROUGH',
    'BYPASS_CACHE',
    'PORT',
    'PWD',
    'LOG_LEVEL',
    'NODE_ENV',
  ]) {
    assert.equal(isSecretName(name), false, name);
  }
});

test('maskEnv replaces secret-looking values with the mask and keeps the others as they are', () => {
  const env = { API_TOKEN: 'tok-123', PORT: '3000', EMPTY_SECRET: '' };
  assert.deepEqual(maskEnv(env), { API_TOKEN: SECRET_MASK, PORT: '3000', EMPTY_SECRET: SECRET_MASK });
  assert.deepEqual(env, { API_TOKEN: 'tok-123', PORT: '3000', EMPTY_SECRET: '' }, 'the input is not changed');
});

test('the password of a URL is masked whatever the variable is called; the rest of the URL stays', () => {
  const masked = maskEnv({
    DATABASE_URL: 'postgres://shop:hunter2@db.local:5432/shop',
    REDIS: 'redis://:s3cr3t@127.0.0.1:6379/0',
    PLAIN_URL: 'https://example.com/a:b@c',
    USER_ONLY: 'https://alice@example.com/',
  });
  assert.equal(masked.DATABASE_URL, `postgres://shop:${SECRET_MASK}@db.local:5432/shop`);
  assert.equal(masked.REDIS, `redis://:${SECRET_MASK}@127.0.0.1:6379/0`);
  assert.equal(masked.PLAIN_URL, 'https://example.com/a:b@c');
  assert.equal(masked.USER_ONLY, 'https://alice@example.com/');
});
