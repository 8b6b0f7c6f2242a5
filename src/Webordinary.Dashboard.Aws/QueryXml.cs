using System.Xml.Linq;

namespace Webordinary.Dashboard.Aws;

/// <summary>Namespace-agnostic reading of awsQuery XML replies.</summary>
internal static class QueryXml
{
    public static XElement Parse(string body) => XDocument.Parse(body).Root!;

    public static IEnumerable<XElement> Members(XElement parent, string listName) =>
        parent.Descendants().FirstOrDefault(e => e.Name.LocalName == listName)?.Elements().Where(e => e.Name.LocalName == "member") ?? [];

    public static string? Value(XElement element, params string[] path)
    {
        XElement? current = element;
        foreach (var name in path)
        {
            current = current?.Elements().FirstOrDefault(e => e.Name.LocalName == name);
        }

        return current?.Value;
    }
}
