#!/usr/bin/env node
// The floor the benchmark compares proofgate with: the same requests sent by
// bare fetch at the same concurrency, with nothing else done per case.
// Usage: node bench/fetch-baseline.js URL CASES CONCURRENCY
const [url, casesText, concurrencyText] = process.argv.slice(2);
const cases = Number(casesText);
let next = 0;

async function lane() {
  while (next < cases) {
    next += 1;
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'bench-model', messages: [{ role: 'user', content: `Answer: question ${next}` }] }),
    });
    await response.json();
  }
}

await Promise.all(Array.from({ length: Number(concurrencyText) }, lane));
