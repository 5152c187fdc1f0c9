export { KEY_BYTES, KeyRingError, generateKeyText, parseKeyRing, type KeyRing } from './keyring';
export {
  SealError,
  isSealed,
  needsReseal,
  open,
  reseal,
  seal,
  type SealErrorReason,
} from './seal';
export { makeKeyCheck, verifyKeyCheck } from './key-check';
