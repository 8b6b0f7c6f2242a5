using System.Text.RegularExpressions;

namespace Webordinary.Dashboard.Aws;

/// <summary>An AWS partition: which regions belong to it and the DNS suffixes of its endpoints.</summary>
public sealed record AwsPartition(string Id, Regex RegionRegex, string DnsSuffix, string DualStackDnsSuffix);

/// <summary>
/// The partitions as botocore's <c>partitions.json</c> (1.43) lists them. A region belongs to the partition that
/// names it, else to the first whose pattern it matches, else to <c>aws</c> (as the SDKs resolve a new region).
/// </summary>
public static partial class AwsPartitions
{
    public static readonly AwsPartition Aws = new("aws", AwsRegions(), "amazonaws.com", "api.aws");

    public static readonly IReadOnlyList<AwsPartition> All =
    [
        Aws,
        new("aws-cn", CnRegions(), "amazonaws.com.cn", "api.amazonwebservices.com.cn"),
        new("aws-eusc", EuscRegions(), "amazonaws.eu", "api.amazonwebservices.eu"),
        new("aws-iso", IsoRegions(), "c2s.ic.gov", "api.aws.ic.gov"),
        new("aws-iso-b", IsoBRegions(), "sc2s.sgov.gov", "api.aws.scloud"),
        new("aws-iso-e", IsoERegions(), "cloud.adc-e.uk", "api.cloud-aws.adc-e.uk"),
        new("aws-iso-f", IsoFRegions(), "csp.hci.ic.gov", "api.aws.hci.ic.gov"),
        new("aws-us-gov", UsGovRegions(), "amazonaws.com", "api.aws"),
    ];

    public static AwsPartition Of(string region) =>
        All.FirstOrDefault(p => region == $"{p.Id}-global") ?? All.FirstOrDefault(p => p.RegionRegex.IsMatch(region)) ?? Aws;

    [GeneratedRegex(@"^(us|eu|ap|sa|ca|me|af|il|mx)\-\w+\-\d+$")]
    private static partial Regex AwsRegions();

    [GeneratedRegex(@"^cn\-\w+\-\d+$")]
    private static partial Regex CnRegions();

    [GeneratedRegex(@"^eusc\-(de)\-\w+\-\d+$")]
    private static partial Regex EuscRegions();

    [GeneratedRegex(@"^us\-iso\-\w+\-\d+$")]
    private static partial Regex IsoRegions();

    [GeneratedRegex(@"^us\-isob\-\w+\-\d+$")]
    private static partial Regex IsoBRegions();

    [GeneratedRegex(@"^eu\-isoe\-\w+\-\d+$")]
    private static partial Regex IsoERegions();

    [GeneratedRegex(@"^us\-isof\-\w+\-\d+$")]
    private static partial Regex IsoFRegions();

    [GeneratedRegex(@"^us\-gov\-\w+\-\d+$")]
    private static partial Regex UsGovRegions();
}
