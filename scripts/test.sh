#!/usr/bin/env bash
# Every test, as CI runs it (.ci/run): installs what is missing, starts a throwaway PostgreSQL,
# builds once, runs each test project, and ends with one line `N passed, N failed[, N skipped]`.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"
source scripts/lib/postgres.sh

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
export DEBIAN_FRONTEND=noninteractive
RESULTS=$REPO/TestResults
TEST_TIMEOUT=${TEST_TIMEOUT:-20m}   # per project: a hung browser must not eat CI's 90 minutes

# The final line is what CI reads, so every early failure still prints one.
fail() { echo "error: $*" >&2; echo "0 passed, 1 failed"; exit 1; }

# 1. Tools. Playwright drives Debian's Chromium; never `playwright install` (no downloads here).
if [[ ! -x /usr/bin/chromium ]]; then
  echo "==> installing chromium"
  apt_install chromium >/dev/null || fail "could not install chromium"
fi
echo "==> dotnet tool restore"
dotnet tool restore >/dev/null || fail "dotnet tool restore failed"

# 2. A throwaway PostgreSQL on a free port; tests create their own databases in it.
PG_DIR=$(mktemp -d /tmp/asiops-test-pg.XXXXXX)
cleanup() {
  stop_postgres "$PG_DIR" || true
  rm -rf "$PG_DIR"
}
trap cleanup EXIT
PG_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
echo "==> PostgreSQL on 127.0.0.1:$PG_PORT"
start_postgres "$PG_DIR" "$PG_PORT" --throwaway || fail "PostgreSQL did not start"

# 3. What the tests read.
export ASIOPS_TEST_POSTGRES="Host=127.0.0.1;Port=$PG_PORT;Username=postgres"
export ASIOPS_CHROMIUM=/usr/bin/chromium

# 4. Build once; the test runs below use --no-build.
echo "==> dotnet build AsiOpsPortal.sln -c Release"
dotnet build AsiOpsPortal.sln -c Release -v minimal || fail "build failed (compiler output above)"

# 5. Each test project in turn, carrying on after a failure so one run shows everything.
rm -rf "$RESULTS"
summary_args=()
in_sln=$(dotnet sln AsiOpsPortal.sln list)
for proj in tests/*/*.csproj; do
  [[ -e $proj ]] || continue
  name=$(basename "$proj" .csproj)
  # Test projects only: Benchmarks runs below, helper libraries have no tests.
  case $name in *.Tests | *IntegrationTests | *E2E) ;; *) continue ;; esac
  echo "==> dotnet test $name"
  grep -qF "$name.csproj" <<<"$in_sln" \
    || echo "warning: $proj is not in AsiOpsPortal.sln, so it was not built (--no-build)" >&2
  code=0
  timeout -k 30s "$TEST_TIMEOUT" dotnet test "$proj" -c Release --no-build \
    --logger "trx;LogFileName=$name.trx" --results-directory "$RESULTS" || code=$?
  summary_args+=(--project "$name=$code")
done

bench=tests/AsiOpsPortal.Benchmarks/AsiOpsPortal.Benchmarks.csproj
if [[ -f $bench ]]; then
  echo "==> benchmarks --smoke"
  grep -qF "$(basename "$bench")" <<<"$in_sln" \
    || echo "warning: $bench is not in AsiOpsPortal.sln, so it was not built (--no-build)" >&2
  code=0
  timeout -k 30s "$TEST_TIMEOUT" dotnet run -c Release --no-build --project "$bench" -- --smoke || code=$?
  summary_args+=(--extra "AsiOpsPortal.Benchmarks --smoke=$code")
fi

# 6. One summary over all trx files; its exit code is ours.
echo "==> summary"
python3 scripts/lib/trx_summary.py "$RESULTS" "${summary_args[@]}"
