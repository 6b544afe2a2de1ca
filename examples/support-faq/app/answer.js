#!/usr/bin/env node
// A small support-answer pipeline for the proofgate example: it retrieves the
// knowledge-base entry that shares the most words with the question and
// answers with that entry's sentence. No network, so the example runs anywhere.
import { readFileSync } from 'node:fs';

const STOP_WORDS = new Set(['a', 'an', 'the', 'i', 'my', 'me', 'do', 'does', 'how', 'can', 'is', 'are', 'to', 'of', 'in', 'on', 'for', 'what', 'when', 'it', 'you', 'your', 'will', 'be', 'get', 'with', 'from', 'and', 'or']);

function words(text) {
  return text.toLowerCase().match(/[a-z0-9-]+/g)?.filter((word) => !STOP_WORDS.has(word)) ?? [];
}

function parseKnowledgeBase(text) {
  return text
    .split(/^## /m)
    .filter((block) => block.trim() !== '')
    .map((block) => {
      const [heading, ...body] = block.split('\n');
      const answer = body.join(' ').trim();
      return { answer, terms: new Set([...words(heading), ...words(answer)]) };
    });
}

function rank(entries, question, topK) {
  const asked = words(question);
  return entries
    .map((entry) => ({ entry, overlap: asked.filter((word) => entry.terms.has(word)).length }))
    .sort((a, b) => b.overlap - a.overlap)
    .slice(0, topK);
}

const request = JSON.parse(readFileSync(0, 'utf8'));
const { knowledge_base: knowledgeBase, prompt, retrieval } = request.config;
const question = String(request.vars.question);
const candidates = rank(parseKnowledgeBase(knowledgeBase), question, retrieval.top_k);
const best = candidates[0];
const output = best && best.overlap >= retrieval.min_overlap
  ? best.entry.answer
  : 'Sorry, I could not find an answer; a support agent will follow up.';

// Word counts stand in for tokens so that the cost metric has real inputs.
const inputTokens = words(prompt).length + words(question).length + candidates.reduce((sum, c) => sum + c.entry.terms.size, 0);
process.stdout.write(JSON.stringify({
  output,
  usage: { input_tokens: inputTokens, output_tokens: words(output).length },
  metadata: { retrieved: candidates.length },
}));
