import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { readdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { Key, Signature } from '@tufjs/models';
import { PncError } from '@pnc/shared';
import { writeFileAtomic } from '../store/atomic-file.js';
import { sha256Hex } from '../store/hashing.js';

export const ROLES = ['root', 'targets', 'snapshot', 'timestamp'] as const;
export type RoleName = (typeof ROLES)[number];

export function isRoleName(s: string): s is RoleName {
  return (ROLES as readonly string[]).includes(s);
}

/** An ed25519 signing key as kept on disk (0600); `public` is the raw key in hex, as TUF writes it. */
export interface SigningKey {
  role: RoleName;
  keyid: string;
  public: string;
  privateKey: KeyObject;
}

interface KeyFile {
  role: RoleName;
  keyid: string;
  keytype: 'ed25519';
  scheme: 'ed25519';
  public: string;
  private: string;
}

/** TUF key ids are the sha256 of the key's canonical JSON; ours has only plain ASCII, sorted. */
function keyIdOf(publicHex: string): string {
  return sha256Hex(`{"keytype":"ed25519","keyval":{"public":"${publicHex}"},"scheme":"ed25519"}`);
}

export function generateKey(role: RoleName): SigningKey {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  // The last 32 bytes of an ed25519 SPKI are the raw public key.
  const publicHex = Buffer.from(spki.subarray(spki.length - 32)).toString('hex');
  return { role, keyid: keyIdOf(publicHex), public: publicHex, privateKey };
}

export function keyFileName(key: SigningKey): string {
  return `${key.role}-${key.keyid.slice(0, 16)}.json`;
}

export function saveKey(keysDir: string, key: SigningKey): void {
  const file: KeyFile = {
    role: key.role,
    keyid: key.keyid,
    keytype: 'ed25519',
    scheme: 'ed25519',
    public: key.public,
    private: key.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
  };
  writeFileAtomic(join(keysDir, keyFileName(key)), JSON.stringify(file, null, 2) + '\n', 0o600);
}

function loadKeyFile(path: string): SigningKey {
  let f: KeyFile;
  try {
    f = JSON.parse(readFileSync(path, 'utf8')) as KeyFile;
    const privateKey = createPrivateKey(f.private);
    const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
    if (Buffer.from(spki.subarray(spki.length - 32)).toString('hex') !== f.public)
      throw new Error('public and private halves differ');
    return { role: f.role, keyid: f.keyid, public: f.public, privateKey };
  } catch (e) {
    throw new PncError(
      'VALIDATION_FAILED',
      `The key file ${path} cannot be read (${(e as Error).message}).`,
      { path },
    );
  }
}

/** Every active key, by role (retired keys live in keys/retired and are not loaded). */
export function loadKeys(keysDir: string): Map<RoleName, SigningKey[]> {
  const out = new Map<RoleName, SigningKey[]>(ROLES.map((r) => [r, []]));
  let names: string[];
  try {
    names = readdirSync(keysDir);
  } catch {
    return out;
  }
  for (const name of names.sort()) {
    if (!name.endsWith('.json')) continue;
    const key = loadKeyFile(join(keysDir, name));
    out.get(key.role)?.push(key);
  }
  return out;
}

/** Moves a key out of the active set; kept, not deleted, so an old root can still be re-signed. */
export function retireKey(keysDir: string, retiredDir: string, key: SigningKey): void {
  renameSync(join(keysDir, keyFileName(key)), join(retiredDir, keyFileName(key)));
}

export function tufKey(key: SigningKey): Key {
  return new Key({ keyID: key.keyid, keyType: 'ed25519', scheme: 'ed25519', keyVal: { public: key.public } });
}

/** A signer for Metadata.sign: it hands us the canonical JSON bytes of `signed`. */
export function signerFor(key: SigningKey): (data: Buffer) => Signature {
  return (data) => new Signature({ keyID: key.keyid, sig: sign(null, data, key.privateKey).toString('hex') });
}
