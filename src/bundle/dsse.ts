import { ProofgateError } from '../errors.js';

/** The DSSE payload type of an in-toto Statement (in-toto attestation spec v1, envelope.md). */
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';

const BASE64_TEXT = /^[A-Za-z0-9+/_-]*={0,2}$/;

/**
 * Builds the DSSE v1 pre-authentication encoding, the bytes a signature covers:
 * "DSSEv1 <len(type)> <type> <len(body)> <body>", with lengths in bytes as ASCII
 * decimal. The type is encoded as UTF-8, so a non-ASCII type counts its bytes,
 * not its characters.
 */
export function preAuthEncoding(payloadType: string, body: Uint8Array): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  const header = Buffer.from(`DSSEv1 ${type.length} `, 'ascii');
  const middle = Buffer.from(` ${body.length} `, 'ascii');

  return Buffer.concat([header, type, middle, body]);
}

/**
 * Decodes base64 in the standard or the URL-safe alphabet, with or without
 * `=` padding, because DSSE verifiers must accept both alphabets.
 *
 * Throws ProofgateError('BUNDLE_INVALID') for any other character, misplaced
 * padding, or a length that no byte string encodes to. Node's own decoder
 * would instead skip such characters and return shorter bytes.
 */
export function decodeBase64Any(text: string): Buffer {
  if (!BASE64_TEXT.test(text)) {
    throw invalidBase64('it contains a character outside both base64 alphabets, or "=" before the end');
  }

  const unpadded = text.replace(/=+$/, '');
  const hasPadding = unpadded.length !== text.length;

  if (unpadded.length % 4 === 1) {
    throw invalidBase64(`its length of ${unpadded.length} characters (without padding) is impossible for base64`);
  }

  if (hasPadding && text.length % 4 !== 0) {
    throw invalidBase64('its "=" padding does not fill the last group of 4 characters');
  }

  return Buffer.from(unpadded.replaceAll('-', '+').replaceAll('_', '/'), 'base64');
}

function invalidBase64(problem: string): ProofgateError {
  return new ProofgateError('BUNDLE_INVALID', `Invalid base64 text: ${problem}.`);
}
