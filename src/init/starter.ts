// The project files `proofgate init` writes besides the CI workflows: a
// pipeline.yaml around an exec stub that passes its own golden dataset, so
// that `proofgate run` passes right after init.

/** A file to create, by path relative to the project folder. */
export interface StarterFile {
  path: string;
  content: string;
}

/** Cases of the starter dataset: arithmetic questions the stub's rule answers. */
const GOLDEN_CASES: Array<{ id: string; question: string; answer: string }> = [
  { id: 'add-small', question: 'What is 2 plus 3?', answer: '5' },
  { id: 'add-large', question: 'What is 1200 plus 34?', answer: '1234' },
  { id: 'add-negative', question: 'What is -7 plus 10?', answer: '3' },
  { id: 'subtract', question: 'What is 15 minus 9?', answer: '6' },
  { id: 'subtract-below-zero', question: 'What is 4 minus 11?', answer: '-7' },
  { id: 'multiply', question: 'What is 6 times 7?', answer: '42' },
  { id: 'multiply-zero', question: 'What is 0 times 99?', answer: '0' },
  { id: 'multiply-negative', question: 'What is -3 times 5?', answer: '-15' },
  { id: 'words-around', question: 'Quick check: what is 8 times 8, please?', answer: '64' },
  { id: 'upper-case', question: 'WHAT IS 100 MINUS 1?', answer: '99' },
];

/** Returns the starter pipeline, its stub program, dataset and trust files for a pipeline called `name`. */
export function starterFiles(name: string): StarterFile[] {
  return [
    { path: 'pipeline.yaml', content: pipelineYaml(name) },
    { path: 'pipeline/answer.js', content: ANSWER_JS },
    { path: 'golden.jsonl', content: GOLDEN_CASES.map((item) => JSON.stringify(item)).join('\n') + '\n' },
    { path: '.proofgate/allowed_signers', content: ALLOWED_SIGNERS },
    { path: '.proofgate/.gitignore', content: PROOFGATE_GITIGNORE },
  ];
}

function pipelineYaml(name: string): string {
  return `# The pipeline under test, its golden dataset, how each answer is scored and
# the gates a build must pass. proofgate starts pipeline/answer.js once per
# case, sends {"id", "vars", "config"} as JSON on stdin and reads the answer
# from stdout. Replace the stub with a call to your real pipeline.
name: ${name}
description: Starter pipeline written by proofgate init

target:
  exec:
    command: [node, pipeline/answer.js]
    timeout_ms: 10000

# Passed to the program on stdin; a value written as file:path is replaced by
# the file's text and becomes part of the pipeline version.
config:
  answer_format: number

# Files whose bytes define this version, besides pipeline.yaml itself.
materials:
  - pipeline/**/*.js

dataset:
  path: golden.jsonl
  id: id

scorers:
  - { name: exact, type: exact_match, expected: "{{answer}}", normalize: [case, whitespace] }
  - { name: number, type: numeric_match, expected: "{{answer}}" }

metrics:
  accuracy: mean(exact)
  number_rate: pass_rate(number)
  latency_p95_ms: p95(latency_ms)

gates:
  - accuracy >= 0.9
  - number_rate >= 0.9
  - latency_p95_ms <= 10000
`;
}

// Uses no import or require, so it runs whether the project's package.json
// makes .js files CommonJS or ES modules.
const ANSWER_JS = `// Stub pipeline written by \`proofgate init\`. proofgate runs it once per case
// with {"id", "vars", "config"} as one JSON line on stdin and reads the answer
// from stdout, either as plain text or as {"output": ..., "usage": ...}.
// Replace answer() with a call to your real pipeline: a model, a retrieval
// chain, an agent.

const OPERATIONS = {
  plus: (left, right) => left + right,
  minus: (left, right) => left - right,
  times: (left, right) => left * right,
};

function answer(question) {
  const match = /(-?\\d+)\\s+(plus|minus|times)\\s+(-?\\d+)/i.exec(question);
  if (match === null) return "I don't know";

  const operation = OPERATIONS[match[2].toLowerCase()];
  return String(operation(Number(match[1]), Number(match[3])));
}

let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  input += chunk;
});
process.stdin.on('end', () => {
  const request = JSON.parse(input);
  process.stdout.write(JSON.stringify({ output: answer(String(request.vars.question)) }) + '\\n');
});
`;

const ALLOWED_SIGNERS = `# Keys trusted to sign proofgate results, in git's allowed_signers format:
#   <principal> namespaces="proofgate-eval@v1" ssh-ed25519 <base64 key> [comment]
#
# Make a signing key and add its line here in one step:
#   proofgate keygen --principal ci@example.com --trust .proofgate/allowed_signers
# then store the private key's PEM text as the CI secret PROOFGATE_SIGNING_KEY.
# A reviewer's existing SSH ed25519 public key can be added the same way.
`;

const PROOFGATE_GITIGNORE = `# Private signing keys and the response cache do not belong in git.
*.pem
/cache/
`;
