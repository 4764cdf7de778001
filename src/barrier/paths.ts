/** The storage keys the barrier and the seal own. */

/** The keyring, encrypted with the root key. Written only by the barrier. */
export const KEYRING_PATH = 'core/keyring';
/** The root key, encrypted with the unseal key. Written only by the seal. */
export const ROOT_KEY_PATH = 'core/root-key';
/** The seal configuration: the only thing stored in clear (seal-status reads it while sealed). */
export const SEAL_CONFIG_PATH = 'core/seal-config';

export const isClearKey = (key: string): boolean => key === SEAL_CONFIG_PATH || key.startsWith(SEAL_CONFIG_PATH + '/');
export const isReservedKey = (key: string): boolean => key === KEYRING_PATH || key === ROOT_KEY_PATH;
