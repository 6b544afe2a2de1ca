import { Chalk, type ChalkInstance } from 'chalk';

/**
 * Colours for text written to stderr. Off when stderr is not a terminal or
 * NO_COLOR is set; FORCE_COLOR turns them on anywhere.
 */
export function createStyle(stream: NodeJS.WritableStream, env: NodeJS.ProcessEnv): ChalkInstance {
  const forced = env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  const disabled = (env.NO_COLOR !== undefined && env.NO_COLOR !== '') || !(stream as NodeJS.WriteStream).isTTY;
  if (forced) return new Chalk({ level: 1 });
  return new Chalk({ level: disabled ? 0 : 1 });
}
