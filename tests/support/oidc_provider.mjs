// panva's oidc-provider (OpenID Certified), pinned in tools/jscheck/package.json, as the company's identity provider of
// the browser tests (tests/browser/test_company_sign_in.py): one confidential client that must use PKCE, and the
// accounts given as JSON. Its development sign-in page takes an account's `sub` as the login and any password.
//
// node oidc_provider.mjs <oidc-provider's folder> <port> <client id> <client secret> <redirect uri> <accounts JSON>
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';

const [folder, port, clientId, clientSecret, redirectUri, accountsJson] = process.argv.slice(2);
const { default: Provider } = await import(pathToFileURL(join(folder, 'lib', 'index.js')).href);
const accounts = JSON.parse(accountsJson); // { sub: { email, email_verified, name } }

const provider = new Provider(`http://127.0.0.1:${port}`, {
  clients: [{
    client_id: clientId,
    client_secret: clientSecret,
    redirect_uris: [redirectUri],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  pkce: { required: () => true },
  cookies: { keys: ['daicho-tests-only'] },
  features: { devInteractions: { enabled: true } },
  async findAccount(ctx, sub) {
    const account = accounts[sub];
    return account && { accountId: sub, claims: async () => ({ sub, ...account }) };
  },
});
provider.listen(Number(port), '127.0.0.1', () => console.log(`listening on ${port}`));
