import { safeStorage } from 'electron';
import type { SecretCodec } from '../core/service/session-store.js';

/**
 * The session token at rest, encrypted with the OS keychain (DPAPI on Windows) when there is
 * one; without it (a Linux box with no keyring) the core's plain codec is used.
 */
export function osSecrets(): SecretCodec | undefined {
  if (!safeStorage.isEncryptionAvailable()) return undefined;
  return {
    encode: (plain) => safeStorage.encryptString(plain),
    decode: (stored) => safeStorage.decryptString(stored),
  };
}
