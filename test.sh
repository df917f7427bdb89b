#!/usr/bin/env bash
# RelayWarden's test command: installs what the tests need on a fresh Debian machine, restores,
# builds and runs every test, and ends with one line "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

log() { printf '== %s\n' "$*" >&2; }

# 1. Debian packages the tests drive (real peers, never mocks). dnsmasq-base is the DNS server of the
#    domain-claim tests: the binary only, no system service on port 53.
packages=(swaks postfix sqlite3 chromium dnsmasq-base)
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections 2>/dev/null || true
  (apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}") >/tmp/relaywarden-apt.log 2>&1 \
    || { cat /tmp/relaywarden-apt.log >&2; echo "0 passed, 1 failed, 0 skipped"; exit 1; }
  # Debian starts the system Postfix on install; the tests run private instances only.
  (command -v postfix >/dev/null && postfix stop) >/dev/null 2>&1 || true
fi

if ! command -v dotnet >/dev/null 2>&1; then
  echo "test.sh: the .NET 10 SDK (dotnet) is required" >&2
  echo "0 passed, 1 failed, 0 skipped"
  exit 1
fi

# 2. Restore and build everything (benchmarks included, so they keep compiling).
log "restore"
dotnet restore RelayWarden.slnx --nologo -v quiet || { echo "0 passed, 1 failed, 0 skipped"; exit 1; }
log "build (Release)"
dotnet build RelayWarden.slnx -c Release --no-restore --nologo -v quiet -clp:ErrorsOnly || { echo "0 passed, 1 failed, 0 skipped"; exit 1; }

# 3. Run every test project; one TRX file each.
results="$PWD/TestResults"
rm -rf "$results"
log "test"
dotnet test RelayWarden.slnx -c Release --no-build --nologo --results-directory "$results" \
  --logger "trx" --logger "console;verbosity=minimal" "$@"
status=$?

# 4. The summary line, from the real results.
passed=0; failed=0; skipped=0; files=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  files=$((files + 1))
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  get() { printf '%s' "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*'; }
  p=$(get passed); f=$(get failed); t=$(get total)
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0}))
  skipped=$((skipped + ${t:-0} - ${p:-0} - ${f:-0}))
done
if [ "$files" -eq 0 ] || { [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; }; then
  # The runner failed without reporting a failed test (crash, build error): count it.
  failed=$((failed + 1))
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
