#!/usr/bin/env bash
# The published app (tests/publish-smoke.sh's artifacts/publish) as the deployment runs it: a read-only root file
# system, a fresh data directory and one writable scratch volume, the image's settings (JSON console log,
# Dashboard__TempDirectory). It must answer 200 on /, /alive and /health, and log one JSON object a line.
#   1. As the task definition mounts it: a writable tmpfs on /tmp.
#   2. /tmp left read-only and the scratch volume elsewhere, named by Dashboard__TempDirectory: nothing but that
#      volume and the data directory is written (Data Protection's temporary key file included).
# A sandbox fault takes the heartbeat probe down, so a probe run logs, and its line carries ProbeId and RunId.
# Needs root (mount namespaces), as CI and the dev machines run.
set -euo pipefail
cd "$(dirname "$0")/.."
out="$PWD/artifacts/publish"
[ -f "$out/Webordinary.Dashboard.dll" ] || { echo "readonly-root smoke: run tests/publish-smoke.sh first (it publishes to $out)"; exit 1; }

# The image's ENV lines, so the check runs with exactly what the Dockerfile sets.
mapfile -t image_env < <(python3 - <<'PY'
import re
text = open("Dockerfile").read().replace("\\\n", " ")
for line in text.splitlines():
    if line.startswith("ENV "):
        for pair in re.findall(r'(\w+)=(\S+)', line):
            print("=".join(pair))
PY
)

run_case() {
  local name=$1 where=$2
  local work; work=$(mktemp -d "$PWD/artifacts/readonly-root.XXXXXX")
  mkdir -p "$work/data" "$work/root" "$work/scratch"
  local scratch_mount=/tmp
  [ "$where" = tmp ] || scratch_mount="$work/scratch"
  local temp_directory=$scratch_mount
  local port; port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  local log="$work/console.log"
  # The app's console goes through a FIFO: the check reads each line as it is written (its signals: "Now listening
  # on", a probe run's line) and keeps a copy in $log for a failure's report.
  mkfifo "$work/console.fifo"
  # A private mount namespace: / bound read-only at $work/root, the scratch tmpfs and the data directory writable.
  unshare -m --propagation private bash -s -- "$work" "$out" "$port" "$scratch_mount" "$temp_directory" "${image_env[@]}" >"$work/console.fifo" 2>"$work/stderr.log" <<'SH' &
set -e
work=$1 out=$2 port=$3 scratch=$4 temp=$5; shift 5
root="$work/root"
mount --rbind / "$root"
mount -o remount,bind,ro "$root"
mount -t tmpfs -o size=64m,mode=1777 tmpfs "$root$scratch"
mount --bind "$work/data" "$root$work/data"
exec chroot "$root" env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/nonexistent DOTNET_CLI_TELEMETRY_OPTOUT=1 \
  "$@" ASPNETCORE_URLS="http://127.0.0.1:$port" Dashboard__DataDirectory="$work/data" Dashboard__TempDirectory="$temp" \
  Sandbox__Faults__cloudwatch__Mode=down bash -c "cd '$out' && exec dotnet Webordinary.Dashboard.dll"
SH
  local pid=$!
  local status=0
  python3 - "$port" "$log" "$name" "$work/console.fifo" <<'PY' || status=$?
import json, os, select, sys, time, urllib.error, urllib.request
port, log, name, fifo = sys.argv[1:]
base = f"http://127.0.0.1:{port}"
deadline = time.monotonic() + 90
console = os.open(fifo, os.O_RDONLY)
copy = open(log, "w")
pending = b""
lines = 0

def next_entry():
    """The next console line as a JSON object, waiting for the app to write it (until the deadline)."""
    global pending, lines
    while b"\n" not in pending:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([console], [], [], left)[0]:
            return None
        chunk = os.read(console, 65536)
        if not chunk:
            return None
        pending += chunk
    line, pending = pending.split(b"\n", 1)
    text = line.decode()
    copy.write(text + "\n"); copy.flush()
    lines += 1
    entry = json.loads(text)
    if not isinstance(entry, dict) or not all(k in entry for k in ("Category", "LogLevel", "Message", "Timestamp")):
        sys.exit(f"readonly-root smoke ({name}): not a log object: {text}")
    return entry

def get(path):
    try:
        with urllib.request.urlopen(base + path, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code

# Every line is one JSON object with the category, level and message; the app says when it listens.
while (entry := next_entry()) is not None and not entry["Message"].startswith("Now listening on"):
    pass
if entry is None:
    sys.exit(f"readonly-root smoke ({name}): the app never said it was listening")
codes = {path: get(path) for path in ("/", "/alive", "/health")}
if any(code != 200 for code in codes.values()):
    sys.exit(f"readonly-root smoke ({name}): {codes}")

# A probe run's line carries its ids.
def scoped(entry):
    fields = {k: v for scope in entry.get("Scopes", []) if isinstance(scope, dict) for k, v in scope.items()}
    return fields.get("ProbeId") == "cloudwatch-heartbeat" and fields.get("RunId")
while (entry := next_entry()) is not None and not scoped(entry):
    pass
if entry is None:
    sys.exit(f"readonly-root smoke ({name}): no log line of a probe run carries ProbeId and RunId")
print(f"readonly-root smoke ({name}): {codes}; {lines} JSON log lines, e.g. {entry['Category']}: {entry['Message']}")
PY
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  if [ "$status" -ne 0 ]; then
    echo "--- console"; tail -n 20 "$log"; echo "--- stderr"; tail -n 20 "$work/stderr.log"
  fi
  rm -rf "$work"
  return "$status"
}

run_case "writable /tmp, as the task definition" tmp
run_case "read-only /tmp, the scratch volume elsewhere" elsewhere
