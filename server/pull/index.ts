export { type PullOptions, pullAndMaterializeLogs } from './pull.ts';
