import { STATEMENT_TYPE } from '../bundle/statement.js';

export const APPROVAL_PREDICATE_TYPE = 'https://proofgate.dev/attestation/approval/v1';

/** Value of the `approval` field that marks an approval file. */
export const APPROVAL_FORMAT = 'proofgate/v1';

/**
 * The approval method: `signature` by the reviewer's own key, or `platform`
 * when CI recorded a review that the code host reported.
 */
export type ApprovalMethod = 'signature' | 'platform';

export const APPROVAL_METHODS: readonly ApprovalMethod[] = ['signature', 'platform'];

/** A pull-request review as GitHub reported it, recorded by a platform approval. */
export interface PlatformReview {
  provider: 'github';
  reviewId: number;
  login: string;
  /** Numeric user id; unlike the login it survives a rename. */
  userId: number;
  /** The commit the review was made on. */
  commit: string;
  url?: string;
  pullRequest?: number;
  repository?: string;
}

export interface ApprovalPredicate {
  /** Project path of the evaluation bundle, for people; the subject digest is what binds. */
  bundle: string;
  pipeline: string;
  /** The pipeline version the evaluation tested. */
  version: string;
  verdict: 'pass';
  approver: {
    /** An email-like identity for signatures, `github:<login>` for platform approvals. */
    principal: string;
    method: ApprovalMethod;
  };
  /** ISO 8601 time of the approval, as claimed by its signer. */
  approvedAt: string;
  comment?: string;
  platform?: PlatformReview;
  tool: { name: 'proofgate'; version: string };
}

export interface ApprovalStatement {
  _type: typeof STATEMENT_TYPE;
  /** The evaluation bundle, by the sha256 of its statement's JCS bytes. */
  subject: Array<{ name: string; digest: { sha256: string } }>;
  predicateType: typeof APPROVAL_PREDICATE_TYPE;
  predicate: ApprovalPredicate;
}

/** Wraps an approval predicate in an in-toto Statement whose subject is the evaluation statement. */
export function buildApprovalStatement(predicate: ApprovalPredicate, evaluationDigest: string): ApprovalStatement {
  return {
    _type: STATEMENT_TYPE,
    subject: [{ name: predicate.bundle, digest: { sha256: evaluationDigest } }],
    predicateType: APPROVAL_PREDICATE_TYPE,
    predicate,
  };
}
