// Who signs in: a portal account (a person of one or more partners) or an operator of the
// appliance. Sessions, second factors and lockouts are kept per subject.

export type SubjectType = 'account' | 'operator';

export interface Subject {
  type: SubjectType;
  id: string;
}
