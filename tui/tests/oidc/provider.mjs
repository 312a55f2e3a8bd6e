#!/usr/bin/env node
// A real OpenID Connect provider (oidc-provider) on loopback for casting-tui's
// browser sign-in tests: the device flow (RFC 8628), a public client
// `casting-tui`, and RS256 JWT access tokens for the Casting Agency API with
// Auth0-style `permissions` and a `preferred_username`.
//
//   node provider.mjs [PORT]        (PORT, else $OIDC_PORT, else 0: any free port)
//
// $OIDC_AUDIENCE is the API's identifier (default casting-agency);
// $OIDC_ACCESS_TOKEN_TTL the access tokens' lifetime in seconds (3600); with
// OIDC_EXIT_WITH_STDIN=1 it exits when its standard input closes.
//
// The first line on stdout is the issuer URL, exactly as in the tokens' `iss`.
// Every later line is one JSON event (device authorization, approval in the
// browser, token issued or refused), for the tests to check what happened here.
// Accounts log in through oidc-provider's own interaction pages (its
// devInteractions, which take any password); consent is asked for, as a real
// provider does.

import { createServer } from 'node:http';
import { generateKeyPairSync, randomBytes } from 'node:crypto';

import { Provider, errors } from 'oidc-provider';

const port = Number(process.argv[2] ?? process.env.OIDC_PORT ?? 0);
// The API's identifier, as the casting server is configured (`aud` of the tokens).
const audience = process.env.OIDC_AUDIENCE ?? 'casting-agency';
// RFC 8707 resource indicators are absolute URIs; an Auth0-style API
// identifier such as `casting-agency` is not one, so a client names it with
// the `audience` parameter (as Auth0 takes it), and it maps to this indicator.
const apiResource = URL.canParse(audience) ? audience : `urn:casting-agency:api:${audience}`;

const ASSISTANT = ['get:actors', 'get:movies'];
const DIRECTOR = [...ASSISTANT, 'post:actors', 'patch:actors', 'delete:actors', 'patch:movies'];
const PRODUCER = [...DIRECTOR, 'post:movies', 'delete:movies'];

const accounts = {
  assistant: { name: 'Casey Assistant', permissions: ASSISTANT },
  director: { name: 'Dana Director', permissions: DIRECTOR },
  producer: { name: 'Pat Producer', permissions: PRODUCER },
};

function event(name, fields) {
  process.stdout.write(`${JSON.stringify({ event: name, ...fields })}\n`);
}

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = {
  ...privateKey.export({ format: 'jwk' }),
  kid: `test-${randomBytes(4).toString('hex')}`,
  alg: 'RS256',
  use: 'sig',
};

const server = createServer();
await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(port, '127.0.0.1', resolve);
});
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: 'casting-tui',
      client_name: 'Casting Agency terminal client',
      token_endpoint_auth_method: 'none',
      grant_types: ['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token'],
      response_types: [],
      redirect_uris: [],
    },
  ],
  jwks: { keys: [signingKey] },
  // A refresh token for every grant of a client allowed to use one.
  async issueRefreshToken(ctx, client) {
    return client.grantTypeAllowed('refresh_token');
  },
  ttl: {
    // $OIDC_ACCESS_TOKEN_TTL (seconds): short, to see a client renew.
    AccessToken: Number(process.env.OIDC_ACCESS_TOKEN_TTL ?? 3600),
    RefreshToken: 3600,
    DeviceCode: 600,
    Grant: 3600,
    IdToken: 3600,
    Interaction: 600,
    Session: 3600,
  },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  claims: {
    openid: ['sub'],
    profile: ['name', 'preferred_username'],
  },
  // Auth0's name for the API a token is for; read by `defaultResource` below.
  extraParams: ['audience'],
  async findAccount(ctx, id) {
    const account = accounts[id];
    if (!account) return undefined;
    return {
      accountId: id,
      async claims() {
        return { sub: id, name: account.name, preferred_username: id };
      },
    };
  },
  async extraTokenClaims(ctx, token) {
    const account = accounts[token.accountId];
    if (token.kind !== 'AccessToken' || !account) return undefined;
    return { permissions: account.permissions, preferred_username: token.accountId };
  },
  features: {
    deviceFlow: { enabled: true },
    devInteractions: { enabled: true },
    resourceIndicators: {
      enabled: true,
      async defaultResource(ctx, client, oneOf) {
        if (oneOf) return oneOf;
        return ctx.oidc.params.audience === audience ? apiResource : undefined;
      },
      // The device-code token request names no resource: the granted one is meant.
      async useGrantedResource() {
        return true;
      },
      async getResourceServerInfo(ctx, resourceIndicator) {
        if (resourceIndicator !== apiResource) throw new errors.InvalidTarget();
        return {
          audience,
          scope: '',
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'RS256' } },
        };
      },
    },
  },
});

provider.on('device_authorization.success', (ctx, body) => {
  event('device_authorization', {
    user_code: body.user_code,
    audience: ctx.oidc.params.audience,
    resource: ctx.oidc.params.resource,
  });
});
provider.on('device_authorization.error', (ctx, error) => {
  event('device_authorization_refused', { error: error.error, description: error.error_description });
});
provider.on('authorization.success', (ctx) => {
  event('approved', { account: ctx.oidc.session?.accountId, client: ctx.oidc.client?.clientId });
});
provider.on('grant.success', (ctx) => {
  const token = ctx.oidc.entities.AccessToken;
  event('token_issued', { account: token?.accountId, audience: token?.aud });
});
provider.on('grant.error', (ctx, error) => {
  if (error.error !== 'authorization_pending') event('token_refused', { error: error.error });
});
provider.on('server_error', (ctx, error) => {
  event('server_error', { message: String(error?.stack ?? error) });
});

server.on('request', provider.callback());
process.stdout.write(`${issuer}\n`);

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => process.exit(0));
}
// Under a test harness: stop with it, even if it dies without killing us.
if (process.env.OIDC_EXIT_WITH_STDIN === '1') {
  process.stdin.on('end', () => process.exit(0));
  process.stdin.resume();
}
