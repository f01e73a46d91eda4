import t from 'tap';
import { randomBytes } from 'node:crypto';
import { createKeyring, openSecret, sealSecret, SecretKeyError } from '../src/security/secret-box.ts';

const k1 = randomBytes(32).toString('base64');
const k2 = randomBytes(32).toString('base64');

t.test('seal then open returns the secret; the envelope does not contain it', async (t) => {
  const ring = createKeyring(k1);
  const env = sealSecret('Pa55w0rd!', ring, 'ctx');
  t.equal(env.v, 2);
  t.equal(env.kid, ring.primary.kid);
  t.notMatch(JSON.stringify(env), 'Pa55w0rd');
  t.equal(openSecret(env, ring, 'ctx'), 'Pa55w0rd!');
  t.not(sealSecret('Pa55w0rd!', ring, 'ctx').iv, env.iv, 'fresh IV per seal');
});

t.test('a wrong key, a tampered envelope or another context fail with a clear error', async (t) => {
  const env = sealSecret('s3cret', createKeyring(k1), 'ctx');
  t.throws(() => openSecret(env, createKeyring(k2), 'ctx'), { code: 'SECRET_UNREADABLE', message: /not configured; set SYNC_SECRET_KEY/ });
  const tampered = { ...env, ct: Buffer.from('x' + Buffer.from(env.ct, 'base64').toString('latin1'), 'latin1').toString('base64') };
  t.throws(() => openSecret(tampered, createKeyring(k1), 'ctx'), SecretKeyError);
  t.throws(() => openSecret(env, createKeyring(k1), 'other'), /failed authentication/);
});

t.test('rotation: the new primary opens envelopes sealed by the previous key', async (t) => {
  const old = sealSecret('rotate-me', createKeyring(k1), 'ctx');
  const ring = createKeyring(k2, [k1]);
  t.equal(openSecret(old, ring, 'ctx'), 'rotate-me');
  t.not(sealSecret('x', ring, 'ctx').kid, old.kid, 'new secrets use the new key');
});
