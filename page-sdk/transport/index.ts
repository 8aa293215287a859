export { type ArgsOf, type ConnectionOptions, type ResultOf, RpcConnection } from './connection.ts';
export { isRpcEnvelope, RPC_ENVELOPE_TAG, type RpcEnvelope, randomId } from './envelope.ts';
export type { ReplyChannel } from './reply-ports.ts';
export {
  type RegistrationLike,
  type ReinstallOptions,
  type RpcLine,
  serviceWorkerTransport,
  type Transport,
} from './transport.ts';
export {
  type ReplySource,
  type RequestTarget,
  type WorkerEndpoint,
  type WorkerEndpointOptions,
  workerEndpoint,
} from './worker-endpoint.ts';
