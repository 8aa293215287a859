export * from './changelog/index.ts';
export {
  cursorExpired,
  ServerError,
  type ServerErrorCode,
  STATUS_BY_CODE,
} from './errors.ts';
export * from './http/index.ts';
export * from './pull/index.ts';
export * from './push/index.ts';
export * from './spaces/index.ts';
export * from './store/index.ts';
