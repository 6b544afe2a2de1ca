/** The CI system and run a bundle was made in; empty outside CI. */
export interface CiInfo {
  provider?: 'github' | 'gitlab' | 'other';
  runUrl?: string;
  runId?: string;
  event?: string;
  ref?: string;
  commit?: string;
  mergeRequest?: string;
}

/** Reads the CI system's environment variables. */
export function detectCi(env: NodeJS.ProcessEnv): CiInfo {
  if (env.GITHUB_ACTIONS === 'true') {
    const server = env.GITHUB_SERVER_URL ?? 'https://github.com';
    const runUrl = env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID
      ? `${server}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}${env.GITHUB_RUN_ATTEMPT ? `/attempts/${env.GITHUB_RUN_ATTEMPT}` : ''}`
      : undefined;
    return prune({
      provider: 'github',
      runUrl,
      runId: env.GITHUB_RUN_ID,
      event: env.GITHUB_EVENT_NAME,
      ref: env.GITHUB_REF,
      commit: env.GITHUB_SHA,
    });
  }

  if (env.GITLAB_CI === 'true') {
    return prune({
      provider: 'gitlab',
      runUrl: env.CI_JOB_URL ?? env.CI_PIPELINE_URL,
      runId: env.CI_JOB_ID ?? env.CI_PIPELINE_ID,
      event: env.CI_PIPELINE_SOURCE,
      ref: env.CI_COMMIT_REF_NAME,
      commit: env.CI_COMMIT_SHA,
      mergeRequest: env.CI_MERGE_REQUEST_IID,
    });
  }

  if (env.CI && env.CI !== 'false' && env.CI !== '0') return { provider: 'other' };
  return {};
}

function prune(info: CiInfo): CiInfo {
  return Object.fromEntries(Object.entries(info).filter(([, value]) => value !== undefined && value !== '')) as CiInfo;
}
