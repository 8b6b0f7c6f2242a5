#!/usr/bin/env bash
# Writes the dashboard's CloudFormation template(s) to OUT (default deploy/cdk.out) without the cdk CLI and without
# AWS credentials: the CDK app runs with CDK_OUTDIR, and every account-specific value is a stack parameter.
# Usage: bash deploy/synth.sh [OUT]   → OUT/WebordinaryDashboard.template.json
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="$(mkdir -p "${1:-$here/cdk.out}" && cd "${1:-$here/cdk.out}" && pwd)"
export CDK_OUTDIR="$out" DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
dotnet run --project "$here/Webordinary.Dashboard.Deploy/Webordinary.Dashboard.Deploy.csproj" -nologo -clp:ErrorsOnly
echo "synth: $out/WebordinaryDashboard.template.json"
