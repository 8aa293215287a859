export { type PullOptions, pullAndMaterializeLogs } from './pull.ts';
export {
  pullSpaces,
  type SpacesLogWithRecord,
  type SpacesPullOptions,
  type SpacesPullResponse,
} from './spaces-pull.ts';
