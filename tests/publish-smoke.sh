#!/usr/bin/env bash
# What the Dockerfile does, without a Docker engine: the same `dotnet publish`, then start the published app
# once and ask /alive.
set -euo pipefail
cd "$(dirname "$0")/.."
out=artifacts/publish
rm -rf "$out"
dotnet publish src/Webordinary.Dashboard/Webordinary.Dashboard.csproj -c Release -o "$out" -nologo -clp:ErrorsOnly

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
data=$(mktemp -d)
log=$(mktemp)
(cd "$out" && ASPNETCORE_URLS="http://127.0.0.1:$port" Dashboard__DataDirectory="$data" DOTNET_GCgen0size=0x400000 exec dotnet Webordinary.Dashboard.dll >"$log" 2>&1) &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -rf "$data"' EXIT

for _ in $(seq 1 60); do
  if (cd "$out" && dotnet Webordinary.Dashboard.dll healthcheck "http://127.0.0.1:$port/alive" 2>/dev/null); then
    code=$(python3 -c "import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:$port/_content/MudBlazor/MudBlazor.min.css').status)")
    [ "$code" = "200" ] || { echo "published app does not serve MudBlazor's static assets ($code)"; exit 1; }
    # Every stylesheet and script the page links is fingerprinted, so browsers keep it for good instead of asking
    # again on every page load (a stylesheet holds up the first paint until it is answered).
    python3 - "$port" <<'PY'
import re, sys, urllib.request
base = f"http://127.0.0.1:{sys.argv[1]}/"
html = urllib.request.urlopen(base).read().decode()
assets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', html) + re.findall(r'<script src="([^"]+)"', html)
if len(assets) < 5:
    sys.exit(f"publish smoke: expected the page's 2 stylesheets and 3 scripts, found {assets}")
for asset in assets:
    with urllib.request.urlopen(base + asset) as response:
        caching = response.headers.get("Cache-Control", "")
        if response.status != 200 or "immutable" not in caching:
            sys.exit(f"publish smoke: {asset} answered {response.status} with Cache-Control '{caching}', not a fingerprinted asset")
print(f"publish smoke: {len(assets)} linked assets fingerprinted and immutable")
PY
    echo "publish smoke: /alive answered 200 and static assets are served"
    exit 0
  fi
  if ! kill -0 $pid 2>/dev/null; then break; fi
  sleep 1
done
echo "publish smoke: the published app did not answer /alive"; cat "$log"; exit 1
