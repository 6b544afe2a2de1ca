// The CI files `proofgate init` writes when the installed package has no
// templates/ folder to copy them from.

/**
 * The CI files init writes: where each goes in the new project, the package
 * template it is copied from when present, and the built-in text otherwise,
 * pinned to proofgate `version`.
 */
export const WORKFLOW_FILES: ReadonlyArray<{ path: string; template: string; builtin: (version: string) => string }> = [
  { path: '.github/workflows/proofgate.yml', template: 'templates/github/proofgate.yml', builtin: githubWorkflow },
  { path: '.gitlab-ci.yml', template: 'templates/gitlab/proofgate.gitlab-ci.yml', builtin: gitlabPipeline },
];

function githubWorkflow(version: string): string {
  return `# Runs the evals on every push to main and every pull request, and fails the
# job when a gate is missed. To sign the proof bundle, store the private key
# PEM from \`proofgate keygen\` as the repository secret PROOFGATE_SIGNING_KEY.
name: proofgate

on:
  push:
    branches: [main]
  pull_request:

jobs:
  eval:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          node-version: 20
      # Cases whose request did not change are answered from the response
      # cache. Every run saves a new cache entry and restores the newest one.
      - uses: actions/cache@v4
        with:
          path: .proofgate/cache
          key: proofgate-\${{ runner.os }}-\${{ github.sha }}
          restore-keys: proofgate-\${{ runner.os }}-
      - name: Run evals
        run: npx --yes proofgate@${version} run pipeline.yaml
        env:
          PROOFGATE_SIGNING_KEY: \${{ secrets.PROOFGATE_SIGNING_KEY }}
      - name: Keep the proof bundle
        if: always()
        uses: actions/upload-artifact@v4
        with:
          name: proofgate-bundle
          path: proofs/
          if-no-files-found: ignore
`;
}

function gitlabPipeline(version: string): string {
  return `# Runs the evals in every pipeline and fails the job when a gate is missed.
# To sign the proof bundle, add the private key PEM from \`proofgate keygen\`
# as a CI/CD variable of type File named PROOFGATE_KEY_FILE.
proofgate:
  stage: test
  image: node:20
  # Cases whose request did not change are answered from the response cache.
  cache:
    key: proofgate
    paths:
      - .proofgate/cache/
  script:
    - npx --yes proofgate@${version} run pipeline.yaml \${PROOFGATE_KEY_FILE:+--key "$PROOFGATE_KEY_FILE"}
  artifacts:
    when: always
    paths:
      - proofs/
`;
}
