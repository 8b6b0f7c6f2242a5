using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Webordinary.Dashboard.Probes.Health;
using Webordinary.Dashboard.Storage.Changes;

namespace Webordinary.Dashboard.Notifications;

public static class NotificationsHostingExtensions
{
    /// <summary>Notifications on incidents: channels, rules, the outbox and its sender; in sandbox mode also the inbox.</summary>
    public static IHostApplicationBuilder AddNotifications(this IHostApplicationBuilder builder, bool sandbox)
    {
        var services = builder.Services;
        services.AddOptions<NotificationOptions>()
            .Bind(builder.Configuration.GetSection(NotificationOptions.SectionName))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<NotificationOptions>, NotificationOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);
        if (sandbox && builder.Configuration.GetValue($"{NotificationOptions.SectionName}:{nameof(NotificationOptions.SandboxInbox)}", true))
        {
            services.AddSingleton<SandboxInbox>();
        }

        services.AddSingleton<NotificationChannels>();
        services.AddSingleton<DashboardLinks>();
        services.AddSingleton<NotificationMessages>();
        services.AddSingleton<NotificationSignals>();
        services.AddSingleton<NotificationRules>();
        services.AddSingleton<IIncidentOutbox>(sp => sp.GetRequiredService<NotificationRules>());
        services.AddSingleton<IncidentSettling>();
        services.AddSingleton<NotificationCenter>();
        services.AddChangeKind<DeliveryAttempted>("notification-delivery-attempted");
        services.AddSingleton<NotificationReminders>();
        services.AddHostedService(sp => sp.GetRequiredService<NotificationReminders>());
        services.AddHostedService<NotificationSender>();
        services.AddSingleton<IChannelDelivery, WebhookDelivery>();
        services.AddSingleton<IChannelDelivery, SlackDelivery>();
        services.AddSingleton<IChannelDelivery, EmailDelivery>();
        services.AddSingleton<IChannelDelivery, SnsDelivery>();

        // No request logging: a webhook's URL (Slack's carries its token) must never reach the log. Redirects are not
        // followed (they would take the message and its signature elsewhere); each attempt has its own time limit.
        var http = services.AddHttpClient(HttpDelivery.ClientName, client =>
            {
                client.Timeout = Timeout.InfiniteTimeSpan;
                client.DefaultRequestHeaders.UserAgent.ParseAdd("webordinary-dashboard/1.0");
            })
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
            .RemoveAllLoggers();
        if (sandbox)
        {
            http.AddHttpMessageHandler(sp => sp.GetService<SandboxInbox>()?.CreateHandler() ?? new PassThrough());
        }

        return builder;
    }

    private sealed class PassThrough : DelegatingHandler;
}
