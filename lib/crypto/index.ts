export { KEY_BYTES, KeyRingError, generateKeyText, parseKeyRing, type KeyRing } from './keyring';
export {
  SealError,
  isSealed,
  needsReseal,
  open,
  reseal,
  seal,
  sealedKeyVersion,
  type SealErrorReason,
} from './seal';
export { KEY_CHECK_AAD, KEY_CHECK_SETTING, makeKeyCheck, verifyKeyCheck } from './key-check';
