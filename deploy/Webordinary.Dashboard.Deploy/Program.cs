using Amazon.CDK;
using Webordinary.Dashboard.Deploy;

// `bash deploy/synth.sh OUT` (or `cdk synth`/`cdk deploy` from deploy/): the template is written to CDK_OUTDIR.
// Everything the team's platform provides comes in as CloudFormation parameters, so no AWS lookup happens here and
// the template can be reviewed and deployed with or without the cdk CLI.
var app = new App();
_ = new DashboardStack(app, DashboardStack.DefaultName, new StackProps
{
    Description = "Webordinary Dashboard on the team's Fargate cluster, behind its ALB with OIDC, on RDS PostgreSQL",
    // No environment: the template is account- and region-agnostic (AWS::Region and AWS::AccountId resolve at deploy).
    Synthesizer = new DefaultStackSynthesizer(new DefaultStackSynthesizerProps { GenerateBootstrapVersionRule = false }),
});
app.Synth();
