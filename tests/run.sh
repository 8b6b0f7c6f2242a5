#!/usr/bin/env bash
# The test command (README): installs what the tests need, builds, runs every test project, and ends with one
# line "N passed, N failed, N skipped".
set -euo pipefail
cd "$(dirname "$0")/.."

export AWS_EC2_METADATA_DISABLED=true
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
# Playwright drives the machine's Chromium; it must never fetch a browser of its own.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

# Debian's Chromium for the browser tests.
if ! command -v chromium >/dev/null 2>&1; then
  echo "Installing Debian chromium for the browser tests..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

# Debian's PostgreSQL 15 for the PostgreSQL store tests (they start their own servers with its initdb).
if [ ! -x /usr/lib/postgresql/15/bin/initdb ]; then
  echo "Installing Debian postgresql for the PostgreSQL store tests..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi

# Debian's aiosmtpd, the real SMTP server of the email notification tests (run with Debian's /usr/bin/python3).
if ! /usr/bin/python3 -c "import aiosmtpd" >/dev/null 2>&1; then
  echo "Installing Debian python3-aiosmtpd for the email tests..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-aiosmtpd >/dev/null
fi

# Debian's prometheus for the metrics test (and, with the blackbox exporter, the benchmark's peer rows).
if ! command -v prometheus >/dev/null 2>&1 || ! command -v prometheus-blackbox-exporter >/dev/null 2>&1; then
  echo "Installing Debian prometheus and prometheus-blackbox-exporter..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq prometheus prometheus-blackbox-exporter >/dev/null
fi

# moto (a real AWS emulator) for the Aws-mode tests; machines of this kind ship it.
if ! command -v moto_server >/dev/null 2>&1; then
  echo "Installing moto[server] for the Aws-mode tests..."
  python3 -m pip install --quiet 'moto[server]' || {
    echo "moto_server is missing and could not be installed: install it with: pip install 'moto[server]'" >&2
    exit 1
  }
fi

# cfn-lint checks the deployment's template; machines of this kind ship it next to moto.
if ! command -v cfn-lint >/dev/null 2>&1; then
  echo "Installing cfn-lint for the deployment tests..."
  python3 -m pip install --quiet cfn-lint || {
    echo "cfn-lint is missing and could not be installed: install it with: pip install cfn-lint" >&2
    exit 1
  }
fi

# A real OpenID provider (panva/oidc-provider) for the sign-in tests, from the lock file.
if [ ! -d tests/oidc/node_modules/oidc-provider ]; then
  echo "Installing oidc-provider for the sign-in tests..."
  (cd tests/oidc && npm ci --no-audit --no-fund --loglevel=error)
fi

results=artifacts/test-results
rm -rf "$results"
mkdir -p "$results"

dotnet build Webordinary.Dashboard.sln -c Debug -nologo -clp:ErrorsOnly

status=0
dotnet test Webordinary.Dashboard.sln -c Debug --no-build --nologo \
  --logger "trx" --logger "console;verbosity=normal" --results-directory "$results" || status=$?

# One closing line for the whole suite, summed over every project's TRX file.
python3 - "$results" <<'PY'
import glob, sys, xml.etree.ElementTree as ET
passed = failed = skipped = 0
failures = []
for path in glob.glob(f"{sys.argv[1]}/**/*.trx", recursive=True):
    root = ET.parse(path).getroot()
    for result in root.iter("{*}UnitTestResult"):
        if result.get("outcome") not in ("Passed", "NotExecuted"):
            message = result.find(".//{*}Output/{*}ErrorInfo/{*}Message")
            text = (message.text or "").strip() if message is not None else ""
            failures.append((result.get("testName"), result.get("outcome"), text[:600]))
    counters = root.find(".//{*}ResultSummary/{*}Counters")
    if counters is None:
        continue
    passed += int(counters.get("passed", 0))
    failed += int(counters.get("failed", 0)) + int(counters.get("error", 0)) + int(counters.get("timeout", 0)) + int(counters.get("aborted", 0))
    skipped += int(counters.get("notExecuted", 0))
# The failures again at the end, so a log's tail names them.
for name, outcome, text in failures:
    print(f"{outcome}: {name}")
    if text:
        print("    " + text.replace("\n", "\n    "))
print(f"{passed} passed, {failed} failed, {skipped} skipped")
PY
exit $status
