using Webordinary.Dashboard.Tests.Api;
using Webordinary.Dashboard.Tests.Components;
using Webordinary.Dashboard.Tests.Notifications;
using Webordinary.Dashboard.Tests.Security;

namespace Webordinary.Dashboard.Tests.Store.Postgres;

// The host-level tests that also run on a real PostgreSQL server (Store:Provider=Postgres), each on a database of its
// own: sign-in by API key (roles, keys made and revoked, the audit), notifications (an incident's webhook messages
// through the outbox), and the history as the API and the pages show it (runs with steps, uptime, the overview, a
// probe's page). The test classes are the SQLite ones, given another store.

/// <summary>The API host on a PostgreSQL database of its own.</summary>
public sealed class PostgresApiHost(SharedPostgres postgres) : ApiHost
{
    protected override Task UseStoreAsync(Dictionary<string, string?> settings) => postgres.Server.UseForDashboardAsync(settings);
}

/// <summary>The API-key host on a PostgreSQL database of its own.</summary>
public sealed class PostgresApiKeyHost(SharedPostgres postgres) : ApiKeyHost
{
    protected override Task UseStoreAsync(Dictionary<string, string?> settings) => postgres.Server.UseForDashboardAsync(settings);
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresApiTests(PostgresApiHost fixture) : ApiTests<PostgresApiHost>(fixture)
{
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresPrerenderTests(PostgresApiHost fixture) : PrerenderTests<PostgresApiHost>(fixture)
{
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresApiKeyTests(PostgresApiKeyHost fixture) : ApiKeyTests<PostgresApiKeyHost>(fixture)
{
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresWebhookNotificationTests(SharedPostgres postgres) : WebhookNotificationTests
{
    protected override Task UseStoreAsync(Dictionary<string, string?> settings) => postgres.Server.UseForDashboardAsync(settings);
}
