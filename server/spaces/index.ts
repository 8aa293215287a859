export type { AccountLogEntry } from './account-log.ts';
export {
  type GrantMembershipOptions,
  grantMembership,
  listMembers,
  type Member,
  type MembershipChange,
  type MembershipOptions,
  revokeMembership,
} from './members.ts';
export { canWrite, isRole, ROLES, type Role, scopesOf } from './roles.ts';
export { type ShareRecordOptions, type ShareRecordResult, shareRecord } from './share.ts';
