export { type PullOptions, pullAndMaterializeLogs } from './pull.ts';
export {
  pullSpaces,
  type SpacesLogWithRecord,
  type SpacesPullOptions,
} from './spaces-pull.ts';
