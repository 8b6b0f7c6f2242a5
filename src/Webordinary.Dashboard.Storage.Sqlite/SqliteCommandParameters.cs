using Microsoft.Data.Sqlite;

namespace Webordinary.Dashboard.Storage.Sqlite;

/// <summary>Parameters of a reused (prepared) command.</summary>
public static class SqliteCommandParameters
{
    /// <summary>Sets <paramref name="name"/> to <paramref name="value"/> (null as SQL NULL), adding it the first time.</summary>
    public static void Set(this SqliteCommand command, string name, object? value)
    {
        var parameters = command.Parameters;
        var index = parameters.IndexOf(name);
        if (index < 0)
        {
            parameters.AddWithValue(name, value ?? DBNull.Value);
        }
        else
        {
            parameters[index].Value = value ?? DBNull.Value;
        }
    }
}
