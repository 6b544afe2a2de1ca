import { randomBytes } from 'node:crypto';
import { ProofgateError } from '../errors.js';
import { IN_TOTO_PAYLOAD_TYPE } from './dsse.js';
import { canonicalJson } from './jcs.js';
import type { SigningKey } from './keys.js';
import { signPayload, type BundleSignature } from './sign.js';
import type { ShardStatement } from './shard-statement.js';
import { BUNDLE_FORMAT, type EvalStatement } from './statement.js';

export interface EmittedBundle {
  /** JCS bytes of the statement: the DSSE payload the signature covers. */
  payload: Buffer;
  signatures: BundleSignature[];
  /** The bundle file's text, in pieces, ready for writeBundleFile. */
  chunks: Buffer[];
}

/**
 * Serializes a statement whose cases come from a stream, signs it, and lays
 * out the bundle file. The cases are spliced in as already-canonical JSON
 * instead of being held as objects, which keeps memory flat for large runs.
 * The file is readable JSON with one case per line, so a pull-request diff
 * shows which cases changed; parsing it gives back exactly the signed value.
 */
export async function emitBundle(statement: EvalStatement | ShardStatement, cases: AsyncIterable<Buffer>, key: SigningKey | undefined): Promise<EmittedBundle> {
  const marker = `\u0000proofgate-cases-${randomBytes(12).toString('hex')}`;
  const skeleton = { ...statement, predicate: { ...statement.predicate, cases: marker } };

  const canonical = splitAt(canonicalJson(skeleton), JSON.stringify(marker));
  const fileBody = { bundle: BUNDLE_FORMAT, payloadType: IN_TOTO_PAYLOAD_TYPE, statement: skeleton, signatures: '__SIGNATURES__' };
  const readable = splitAt(JSON.stringify(fileBody, null, 2), JSON.stringify(marker));

  const caseLines: Buffer[] = [];
  for await (const line of cases) caseLines.push(line);

  const payload = Buffer.concat([Buffer.from(`${canonical.before}[`), ...interleave(caseLines, Buffer.from(',')), Buffer.from(`]${canonical.after}`)]);
  const signatures = key ? [signPayload(IN_TOTO_PAYLOAD_TYPE, payload, key)] : [];

  const indent = '        ';
  const caseBlock = caseLines.length === 0 ? [Buffer.from('[]')] : [Buffer.from(`[\n${indent}`), ...interleave(caseLines, Buffer.from(`,\n${indent}`)), Buffer.from('\n      ]')];
  const signatureText = JSON.stringify(signatures, null, 2).replace(/\n/g, '\n  ');
  const after = readable.after.replace('"__SIGNATURES__"', signatureText);

  return { payload, signatures, chunks: [Buffer.from(readable.before), ...caseBlock, Buffer.from(`${after}\n`)] };
}

function splitAt(text: string, marker: string): { before: string; after: string } {
  const at = text.indexOf(marker);
  if (at < 0 || text.indexOf(marker, at + 1) >= 0) {
    throw new ProofgateError('BUNDLE_INVALID', 'internal error: could not place the cases in the bundle');
  }
  return { before: text.slice(0, at), after: text.slice(at + marker.length) };
}

function interleave(parts: Buffer[], separator: Buffer): Buffer[] {
  const pieces: Buffer[] = [];
  parts.forEach((part, index) => {
    if (index > 0) pieces.push(separator);
    pieces.push(part);
  });
  return pieces;
}
