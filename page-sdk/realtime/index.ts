export {
  type PokeReason,
  type RealtimeOptions,
  realtimeLockName,
  startRealtime,
} from './realtime.ts';
