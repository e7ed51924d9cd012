import type { ProtocolName } from '../flavor.js';
import { falProtocol } from './fal/protocol.js';
import { geminiProtocol } from './gemini/protocol.js';
import type { Protocol } from './protocol.js';
import { replicateProtocol } from './replicate/protocol.js';

/** The protocol behind a flavor; null for `/v1/videos` servers, which the contract's own routes serve. */
export function protocolOf(name: ProtocolName): Protocol | null {
  if (name === 'gemini') return geminiProtocol;
  if (name === 'fal') return falProtocol;
  if (name === 'replicate') return replicateProtocol;
  return null;
}
