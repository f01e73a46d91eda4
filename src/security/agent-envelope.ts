/**
 * The ERP password an agent receives is never in clear: it is sealed with a key only the holder
 * of the agent's API key can derive — HKDF-SHA256(ikm = raw API key, salt = tenant id,
 * info = "parse-sync agent config v1") → AES-256-GCM. docs/agent-protocol.md shows the agent side.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const INFO = 'parse-sync agent config v1';

export interface AgentEnvelope {
  alg: 'A256GCM+HKDF-SHA256';
  iv: string;
  tag: string;
  ct: string;
}

function agentKey(rawApiKey: string, tenantId: string): Buffer {
  return Buffer.from(hkdfSync('sha256', rawApiKey, tenantId, INFO, 32));
}

export function sealForAgent(plain: string, rawApiKey: string, tenantId: string): AgentEnvelope {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', agentKey(rawApiKey, tenantId), iv);
  const ct = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
  return { alg: 'A256GCM+HKDF-SHA256', iv: iv.toString('base64'), tag: c.getAuthTag().toString('base64'), ct: ct.toString('base64') };
}

/** What the agent does with its own key (kept here for the tests and as the reference implementation). */
export function openAgentEnvelope(env: AgentEnvelope, rawApiKey: string, tenantId: string): string {
  const d = createDecipheriv('aes-256-gcm', agentKey(rawApiKey, tenantId), Buffer.from(env.iv, 'base64'));
  d.setAuthTag(Buffer.from(env.tag, 'base64'));
  return Buffer.concat([d.update(Buffer.from(env.ct, 'base64')), d.final()]).toString('utf8');
}
