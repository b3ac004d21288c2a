// A real OpenID provider on 127.0.0.1 for Samavvik's sign-in tests and the
// demo: panva's oidc-provider with its development login page (any user
// name, any password). NEVER for production.
//
//   node provider.mjs --out DIR [--port N]
//
// Writes DIR/client-key.pem (the private_key_jwt client's RSA key) and
// DIR/client-secret (the client_secret_basic client's secret), both 0600,
// then prints one line `READY {json}` with the issuer and the client ids.
//
// Clients (redirect URIs on 127.0.0.1 with any port, as for native apps):
//   samavvik-helseid  private_key_jwt (RS256/PS256), PKCE, PAR required,
//                     DPoP-bound tokens required
//   samavvik-basic    client_secret_basic, PKCE
//
// Accounts: the user name typed is the subject. Claims in the ID token:
//   helseid://claims/identity/security_level  "4", or "3" when the user
//                                             name starts with "lav-"
//   helseid://claims/identity/pid_pseudonym   "pseudo-" + user name
//   helseid://claims/identity/pid             for "pid-<digits>": the digits
//   roles  (scope "roles")                    for "rolle-<x>": ["<x>"] (an Entra app role)
//   groups (scope "roles")                    for "gruppe-<x>": ["<x>"]; for "mange-grupper-…"
//                                             Entra's overage marker instead
//                                             (_claim_names/_claim_sources)
//
// Back-channel logout: samavvik-basic's backchannel_logout_uri is this
// provider's /__test/backchannel, which the provider's fetch sends to the
// URL last POSTed to /__test/backchannel-target instead (the app's port is
// only known after the provider starts).
//
// Tests only: POST /__test/tamper with body `nonce`, `aud`, `expired`,
// `unknown-key` or `none` re-signs the ID token of the next token responses
// so that exactly that one check fails (a real provider never sends them).

import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT, decodeJwt, importJWK } from 'jose';
import Provider from 'oidc-provider';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, a, i, all) => (a.startsWith('--') ? [...pairs, [a.slice(2), all[i + 1]]] : pairs), []),
);
if (!args.out) {
  console.error('usage: node provider.mjs --out DIR [--port N]');
  process.exit(2);
}

const { privateKey: clientKey, publicKey: clientPub } = generateKeyPairSync('rsa', { modulusLength: 2048 });
writeFileSync(join(args.out, 'client-key.pem'), clientKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
const clientJwk = { ...clientPub.export({ format: 'jwk' }), kid: 'samavvik-test', use: 'sig' };
const secret = randomBytes(32).toString('base64url');
writeFileSync(join(args.out, 'client-secret'), secret, { mode: 0o600 });

const { privateKey: signing } = await generateKeyPair('RS256', { extractable: true });
const signingJwk = { ...(await exportJWK(signing)), kid: 'provider-1', alg: 'RS256', use: 'sig' };

const LEVEL = 'helseid://claims/identity/security_level';
const PSEUDONYM = 'helseid://claims/identity/pid_pseudonym';
const PID = 'helseid://claims/identity/pid';
const redirect = ['http://127.0.0.1/logg-inn/oidc/helseid/tilbake', 'http://127.0.0.1/logg-inn/oidc/basic/tilbake'];
const logout = ['http://127.0.0.1/logg-inn'];

const port = Number(args.port ?? 0);
const server = (await import('node:http')).createServer();
await new Promise((ok) => server.listen(port, '127.0.0.1', ok));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: 'samavvik-helseid',
      application_type: 'native',
      redirect_uris: redirect,
      post_logout_redirect_uris: logout,
      token_endpoint_auth_method: 'private_key_jwt',
      jwks: { keys: [clientJwk] },
      require_pushed_authorization_requests: true,
      dpop_bound_access_tokens: true,
      grant_types: ['authorization_code'],
      response_types: ['code'],
    },
    {
      client_id: 'samavvik-basic',
      client_secret: secret,
      application_type: 'native',
      redirect_uris: redirect,
      post_logout_redirect_uris: logout,
      token_endpoint_auth_method: 'client_secret_basic',
      backchannel_logout_uri: `${issuer}/__test/backchannel`,
      backchannel_logout_session_required: true,
      grant_types: ['authorization_code'],
      response_types: ['code'],
    },
  ],
  jwks: { keys: [signingJwk] },
  pkce: { required: () => true },
  conformIdTokenClaims: false,
  scopes: ['openid', 'helseid', 'roles'],
  claims: { openid: ['sub'], helseid: [LEVEL, PSEUDONYM, PID], roles: ['roles', 'groups'] },
  features: {
    devInteractions: { enabled: true },
    pushedAuthorizationRequests: { enabled: true },
    dPoP: { enabled: true },
    rpInitiatedLogout: { enabled: true },
    backchannelLogout: { enabled: true },
  },
  async findAccount(_ctx, sub) {
    return {
      accountId: sub,
      async claims() {
        const claims = { sub, [LEVEL]: sub.startsWith('lav-') ? '3' : '4', [PSEUDONYM]: `pseudo-${sub}` };
        if (sub.startsWith('pid-')) claims[PID] = sub.slice(4);
        if (sub.startsWith('rolle-')) claims.roles = [sub.slice(6)];
        if (sub.startsWith('gruppe-')) claims.groups = [sub.slice(7)];
        if (sub.startsWith('mange-grupper-')) {
          claims._claim_names = { groups: 'src1' };
          claims._claim_sources = { src1: { endpoint: 'https://graph.microsoft.com/v1.0/users/x/getMemberObjects' } };
        }
        return claims;
      },
    };
  },
  // No consent page: the test clients are first-party.
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope('openid helseid roles');
    grant.addOIDCClaims([LEVEL, PSEUDONYM, PID, 'roles', 'groups']);
    await grant.save();
    return grant;
  },
  // Tests only: the app listens on 127.0.0.1, which oidc-provider's guard
  // against server-side request forgery refuses; and the back-channel
  // logout of samavvik-basic goes to the target the test set.
  fetch: (url, options) => {
    delete options.dispatcher;
    const to = String(url) === `${issuer}/__test/backchannel` && backchannelTarget ? backchannelTarget : url;
    return globalThis.fetch(to, options);
  },
  ttl: { Session: 600, Interaction: 600, Grant: 600, AuthorizationCode: 60, AccessToken: 600, IdToken: 600 },
});
provider.proxy = false;
provider.on('backchannel.error', (_ctx, err) => console.error(`backchannel logout failed: ${err.message}`));

let tamper = 'none';
let backchannelTarget = null;
const stranger = await generateKeyPair('RS256', { extractable: true });
provider.use(async (ctx, next) => {
  if (ctx.path === '/__test/tamper' && ctx.method === 'POST') {
    let body = '';
    for await (const chunk of ctx.req) body += chunk;
    tamper = body.trim();
    ctx.body = { tamper };
    return;
  }
  if (ctx.path === '/__test/backchannel-target' && ctx.method === 'POST') {
    let body = '';
    for await (const chunk of ctx.req) body += chunk;
    backchannelTarget = body.trim();
    ctx.body = { backchannelTarget };
    return;
  }
  if (ctx.path === '/__test/backchannel' && ctx.method === 'POST') {
    ctx.status = 200; // no target set: nobody to tell
    return;
  }
  await next();
  if (ctx.path === '/token' && tamper !== 'none' && ctx.body && typeof ctx.body === 'object' && ctx.body.id_token) {
    const claims = decodeJwt(ctx.body.id_token);
    let key = await importJWK(signingJwk, 'RS256');
    let kid = signingJwk.kid;
    if (tamper === 'nonce') claims.nonce = randomUUID();
    if (tamper === 'aud') claims.aud = 'another-client';
    if (tamper === 'expired') {
      claims.iat -= 7200;
      claims.exp = claims.iat + 600;
    }
    if (tamper === 'unknown-key') {
      key = stranger.privateKey;
      kid = 'not-published';
    }
    ctx.body = { ...ctx.body, id_token: await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid }).sign(key) };
  }
});

server.on('request', provider.callback());
console.log(`READY ${JSON.stringify({ issuer, clients: ['samavvik-helseid', 'samavvik-basic'] })}`);
process.on('SIGTERM', () => process.exit(0));
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
