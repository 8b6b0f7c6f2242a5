using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.RDS;
using Constructs;

namespace Webordinary.Dashboard.Deploy;

/// <summary>
/// The results store: RDS PostgreSQL in the private subnets, encrypted, not public, TLS required, with automated
/// backups and its master credentials kept by RDS in Secrets Manager (the tasks get them as ECS secrets).
/// </summary>
public sealed class DashboardDatabase : Construct
{
    public const string DatabaseName = "dashboard";
    public const string MasterUsername = "dashboard";
    public const int Port = 5432;

    public DashboardDatabase(Construct scope, string id, DashboardParameters parameters, CfnSecurityGroup tasks) : base(scope, id)
    {
        SecurityGroup = new CfnSecurityGroup(this, "SecurityGroup", new CfnSecurityGroupProps
        {
            VpcId = parameters.VpcId.ValueAsString,
            GroupDescription = "Webordinary Dashboard database: PostgreSQL from the dashboard tasks only",
            SecurityGroupIngress = new[]
            {
                new CfnSecurityGroup.IngressProperty
                {
                    IpProtocol = "tcp", FromPort = Port, ToPort = Port, SourceSecurityGroupId = tasks.AttrGroupId,
                    Description = "PostgreSQL from the dashboard's tasks",
                },
            },
            // The database starts no connection: this rule matches nothing, so the default allow-all egress is gone.
            SecurityGroupEgress = new[]
            {
                new CfnSecurityGroup.EgressProperty
                {
                    IpProtocol = "icmp", FromPort = 252, ToPort = 86, CidrIp = "255.255.255.255/32", Description = "No outbound traffic",
                },
            },
        });

        var subnets = new CfnDBSubnetGroup(this, "Subnets", new CfnDBSubnetGroupProps
        {
            DbSubnetGroupDescription = "Webordinary Dashboard database: the private subnets",
            SubnetIds = parameters.SubnetIds.ValueAsList,
        });

        var settings = new CfnDBParameterGroup(this, "Settings", new CfnDBParameterGroupProps
        {
            Description = "Webordinary Dashboard database: TLS required",
            Family = "postgres17",
            Parameters = new Dictionary<string, object> { ["rds.force_ssl"] = "1" },
        });

        Instance = new CfnDBInstance(this, "Instance", new CfnDBInstanceProps
        {
            Engine = "postgres",
            EngineVersion = "17.6",
            DbInstanceClass = parameters.DbInstanceClass.ValueAsString,
            AllocatedStorage = parameters.DbAllocatedStorage.ValueAsString,
            StorageType = "gp3",
            StorageEncrypted = true,
            PubliclyAccessible = false,
            MultiAz = Fn.ConditionIf(MultiAzCondition(this, parameters).LogicalId, true, false),
            DbName = DatabaseName,
            MasterUsername = MasterUsername,
            ManageMasterUserPassword = true,
            DbSubnetGroupName = subnets.Ref,
            DbParameterGroupName = settings.Ref,
            VpcSecurityGroups = new[] { SecurityGroup.AttrGroupId },
            Port = Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            BackupRetentionPeriod = 7,
            CopyTagsToSnapshot = true,
            DeletionProtection = true,
            AutoMinorVersionUpgrade = true,
            CaCertificateIdentifier = "rds-ca-rsa2048-g1",
        });
        // The history outlives the stack: deleting it (or replacing the instance) leaves a final snapshot.
        Instance.CfnOptions.DeletionPolicy = CfnDeletionPolicy.SNAPSHOT;
        Instance.CfnOptions.UpdateReplacePolicy = CfnDeletionPolicy.SNAPSHOT;
    }

    public CfnSecurityGroup SecurityGroup { get; }

    public CfnDBInstance Instance { get; }

    /// <summary>The secret RDS keeps the master credentials in (JSON with <c>username</c> and <c>password</c>).</summary>
    public string SecretArn => Instance.AttrMasterUserSecretSecretArn;

    private static CfnCondition MultiAzCondition(Construct scope, DashboardParameters parameters) => new(scope, "MultiAz", new CfnConditionProps
    {
        Expression = Fn.ConditionEquals(parameters.MultiAz.ValueAsString, "true"),
    });
}
