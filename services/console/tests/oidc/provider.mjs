// A real OpenID Connect provider for the console's tests: panva/oidc-provider (certified), with its
// development login form. Accounts, the console client and the port come from the environment.
// Access tokens are JWTs for the Mentorweb APIs (audience AUDIENCE) carrying the roles and board the
// services read; the services verify them through this provider's JWKS like a province's real IdP.
import { readFileSync } from "node:fs";
import Provider from "oidc-provider";

const port = Number(process.env.PORT);
const issuer = `http://127.0.0.1:${port}`;
// ACCOUNTS_FILE is read again at every look-up: a test adds participants once their ids exist.
const fixedAccounts = JSON.parse(process.env.ACCOUNTS || "{}");
const accountsOf = () =>
  process.env.ACCOUNTS_FILE ? { ...fixedAccounts, ...JSON.parse(readFileSync(process.env.ACCOUNTS_FILE, "utf8")) } : fixedAccounts;
const audience = process.env.AUDIENCE || "mentorweb";
const resource = process.env.RESOURCE || "urn:mentorweb:api";

function claimsOf(id) {
  const account = accountsOf()[id];
  return {
    sub: id,
    name: account.name,
    roles: account.roles,
    ...(account.board ? { board: account.board } : {}),
    ...(account.participant_id ? { participant_id: account.participant_id } : {}),
  };
}

const configuration = {
  clients: [
    {
      client_id: process.env.CLIENT_ID,
      client_secret: process.env.CLIENT_SECRET,
      redirect_uris: [process.env.REDIRECT_URI],
      post_logout_redirect_uris: [process.env.POST_LOGOUT_REDIRECT_URI],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_basic",
    },
    {
      // The tests' own client for seeding data through the APIs as province staff.
      client_id: "seeder",
      client_secret: process.env.SEEDER_SECRET,
      grant_types: ["client_credentials"],
      redirect_uris: [],
      response_types: [],
    },
  ],
  pkce: { required: () => true },
  scopes: ["openid", "profile", "offline_access", "mentorweb"],
  claims: { openid: ["sub"], profile: ["name"], mentorweb: ["roles", "board", "participant_id"] },
  conformIdTokenClaims: false,
  features: {
    devInteractions: { enabled: true },
    rpInitiatedLogout: { enabled: true },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => resource,
      useGrantedResource: () => true,
      getResourceServerInfo: () => ({
        scope: "mentorweb",
        audience,
        accessTokenTTL: Number(process.env.ACCESS_TOKEN_TTL || 300),
        accessTokenFormat: "jwt",
        jwt: { sign: { alg: "RS256" } },
      }),
    },
  },
  async findAccount(ctx, id) {
    if (!accountsOf()[id]) return undefined;
    return { accountId: id, claims: async () => claimsOf(id) };
  },
  async extraTokenClaims(ctx, token) {
    if (token.accountId && accountsOf()[token.accountId]) {
      const { roles, board, participant_id } = claimsOf(token.accountId);
      return { roles, ...(board ? { board } : {}), ...(participant_id ? { participant_id } : {}) };
    }
    if (token.clientId === "seeder") return { roles: ["province_admin"], sub: "seeder" };
    return undefined;
  },
  // Consent is implied for the console (a first-party client): grant what it asks for.
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope("openid profile offline_access mentorweb");
    grant.addOIDCClaims(["name", "roles", "board", "participant_id"]);
    grant.addResourceScope(resource, "mentorweb");
    await grant.save();
    return grant;
  },
  issueRefreshToken: async (ctx, client) => client.grantTypeAllowed("refresh_token"),
  ttl: { ClientCredentials: 300, AccessToken: Number(process.env.ACCESS_TOKEN_TTL || 300), IdToken: 300, RefreshToken: 3600, Session: 3600, Grant: 3600, Interaction: 600 },
  cookies: { keys: ["mentorweb-test-provider-cookie-key"] },
};

const provider = new Provider(issuer, configuration);
provider.listen(port, "127.0.0.1", () => console.log(`oidc-provider listening on ${issuer}`));
