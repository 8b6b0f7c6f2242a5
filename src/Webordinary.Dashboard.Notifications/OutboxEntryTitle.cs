namespace Webordinary.Dashboard.Notifications;

public static class OutboxEntryTitle
{
    extension(OutboxEntry entry)
    {
        /// <summary>The message's one line ("dynamodb-session-table is down"), from its payload.</summary>
        public string Title
        {
            get
            {
                try
                {
                    return NotificationPayload.FromJson(entry.Payload).Title;
                }
                catch (System.Text.Json.JsonException)
                {
                    return "";
                }
            }
        }
    }
}
