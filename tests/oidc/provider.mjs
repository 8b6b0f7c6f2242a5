// A real OpenID provider for the dashboard's sign-in tests: panva/oidc-provider (OpenID Certified) on a loopback
// port, with its development sign-in pages (any password), one confidential client using the authorization code flow
// with PKCE, and people in different groups — one of whom the provider also gives claims named like the dashboard's
// own (a provider must not be able to grant a role). Prints "ready <issuer>" once it listens.
//   node provider.mjs <port> <dashboard base URL>
import Provider from "oidc-provider";

const [port, dashboard] = [Number(process.argv[2]), process.argv[3].replace(/\/$/, "")];
const issuer = `http://127.0.0.1:${port}`;

export const people = {
  alice: { name: "Alice Admin", groups: ["dashboard-admins"] },
  victor: { name: "Victor Viewer", groups: ["dashboard-viewers"] },
  mallory: { name: "Mallory", groups: ["dashboard-viewers"], extra: { "dashboard:role": "Admin", "dashboard:via": "local" } },
};

const provider = new Provider(issuer, {
  clients: [{
    client_id: "dashboard",
    client_secret: "dashboard-test-secret",
    redirect_uris: [`${dashboard}/signin-oidc`],
    post_logout_redirect_uris: [`${dashboard}/signout-callback-oidc`],
    response_types: ["code"],
    grant_types: ["authorization_code"],
    token_endpoint_auth_method: "client_secret_post",
  }],
  pkce: { required: () => true },
  claims: { openid: ["sub"], profile: ["name", "groups", "dashboard:role", "dashboard:via"], email: ["email"] },
  // The groups go into the ID token itself, as Cognito's cognito:groups and Entra ID's groups do.
  conformIdTokenClaims: false,
  cookies: { keys: ["webordinary-dashboard-test-cookie-key"] },
  features: { devInteractions: { enabled: true } },
  async findAccount(_ctx, id) {
    const person = people[id];
    return person && {
      accountId: id,
      claims: async () => ({ sub: id, name: person.name, email: `${id}@example.test`, groups: person.groups, ...person.extra }),
    };
  },
});
provider.proxy = false;

provider.listen(port, "127.0.0.1", () => console.log(`ready ${issuer}`));
