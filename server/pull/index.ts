export {
  type PullOptions,
  type PullPageText,
  pullAndMaterializeLogs,
  pullPageBody,
  pullPageText,
} from './pull.ts';
export {
  pullSpaces,
  type SpacesLogWithRecord,
  type SpacesPullOptions,
} from './spaces-pull.ts';
