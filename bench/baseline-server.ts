// Server process: a bare node-oidc-provider as the baseline. Default in-memory adapter,
// static clients, a findAccount that answers from a constant. The same claims and the same
// two clients as Foyer's, so both serve the same requests with the same responses' shape.
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type JWK } from 'oidc-provider';
import { cpuMicros, serveParent } from './protocol.js';
import { mintUserAccessToken } from './tokens.js';

const ACCOUNT_ID = '1';
const USER_CLAIMS = { nickname: 'Bench', given_name: 'Ada', family_name: 'Lovelace', name: 'Ada Lovelace' };

function signingKeys(): { keys: JWK[] } {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { keys: [{ ...(privateKey.export({ format: 'jwk' }) as JWK), kid: randomUUID(), alg: 'RS256', use: 'sig' }] };
}

async function startBaseline() {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const secret = randomBytes(32).toString('base64url');
  const provider = new Provider(issuer, {
    clients: [
      { client_id: 'bench-service', client_secret: secret, grant_types: ['client_credentials'], response_types: [],
        redirect_uris: [] },
      { client_id: 'bench-app', client_secret: randomBytes(32).toString('base64url'),
        redirect_uris: [`${issuer}/callback`] },
    ],
    async findAccount(_ctx, sub) {
      return { accountId: sub, claims: () => ({ sub, ...USER_CLAIMS }) };
    },
    claims: { openid: ['sub'],
      profile: ['nickname', 'given_name', 'family_name', 'name', 'birthdate', 'picture', 'updated_at'] },
    features: { clientCredentials: { enabled: true }, devInteractions: { enabled: false } },
    // Given (not left to the provider's development defaults) only to keep its warnings quiet.
    jwks: signingKeys(),
    cookies: { keys: [randomBytes(32).toString('base64url')] },
  });
  server.on('request', provider.callback());
  // The in-memory adapter keeps the last 1,000 entries only: the bench runs userinfo
  // before the client-credentials tokens can push this one out.
  const accessToken = await mintUserAccessToken(provider, ACCOUNT_ID, 'bench-app');

  return {
    info: { origin: issuer, clientId: 'bench-service', clientSecret: secret, accessToken },
    handlers: {
      stats: async () => ({ cpuMicros: cpuMicros() }),
      stop: async () => {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        return undefined;
      },
    },
  };
}

void serveParent(startBaseline);
