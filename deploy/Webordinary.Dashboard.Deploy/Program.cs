using Amazon.CDK;
using Webordinary.Dashboard.Deploy;

// `bash deploy/synth.sh OUT` (or `cdk synth`/`cdk deploy` from deploy/): the template is written to CDK_OUTDIR.
// Everything the team's platform provides comes in as CloudFormation parameters, so no AWS lookup happens here and
// the template can be reviewed and deployed with or without the cdk CLI.
var app = new App();
DashboardStack.Create(app);
app.Synth();
