using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Webordinary.Dashboard.Hosting;

/// <summary>
/// How the API reads JSON bodies, for every endpoint at once: a body must say each thing once and only what the
/// request has (a duplicate key or an unknown field is 400, not silently the last value or ignored), and numbers are
/// finite (NaN, Infinity and 1e400 are 400: they cannot be stored or written back as JSON).
/// </summary>
public static class ApiJson
{
    public static void Configure(JsonSerializerOptions options)
    {
        options.Converters.Add(new JsonStringEnumConverter());
        options.Converters.Add(new FiniteDoubleConverter());
        options.AllowDuplicateProperties = false;
        options.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
    }

    /// <summary>A number (or, as the web defaults allow, a string holding one) that is finite.</summary>
    private sealed class FiniteDoubleConverter : JsonConverter<double>
    {
        public override double Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var value = reader.TokenType switch
            {
                JsonTokenType.Number when reader.TryGetDouble(out var number) => number,
                JsonTokenType.String when double.TryParse(reader.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var number) => number,
                _ => double.NaN,
            };
            // Without a message of its own, so the serializer's names the field ("… converted to System.Double. Path: $.errorRate").
            return double.IsFinite(value) ? value : throw new JsonException();
        }

        public override void Write(Utf8JsonWriter writer, double value, JsonSerializerOptions options) => writer.WriteNumberValue(value);
    }
}
