#!/usr/bin/env bash
# The demo: PostgreSQL + FleetSim (a simulated fleet) + the portal, data kept in .data/ between runs.
# Ctrl-C stops what this run started. Overrides: PORT (portal), WEBHOOK_PORT (the defender's admission webhook, HTTPS),
# PG_PORT, FLEETSIM_PORT.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"
source scripts/lib/postgres.sh

PORT=${PORT:-5080}
WEBHOOK_PORT=${WEBHOOK_PORT:-$((PORT + 1))}
PG_PORT=${PG_PORT:-55432}
FLEETSIM_PORT=${FLEETSIM_PORT:-6443}
DATA=$REPO/.data
KUBECONFIGS=$DATA/fleet/kubeconfigs
LOGS=$DATA/logs
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
KEK=$DATA/kek.key
mkdir -p "$KUBECONFIGS" "$LOGS"

# The key-encryption key: Data Protection keys in the database are encrypted with it, so a dump of the
# database alone decrypts nothing. Owner-only, outside the database, never in git (.data/ is ignored).
if [[ ! -s $KEK ]]; then
  (umask 077 && head -c 32 /dev/urandom | base64 >"$KEK")
fi
chmod 600 "$KEK"

# Wait until URL answers; fail early if the process behind it died, and show why.
wait_for() {
  local url=$1 pid=$2 log=$3 timeout=$4 name=$5
  for ((i = 0; i < timeout; i++)); do
    curl -fsS -o /dev/null "$url" 2>/dev/null && return 0
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "error: $name exited before $url answered; last lines of $log:" >&2
      tail -n 30 "$log" >&2
      return 1
    fi
    sleep 1
  done
  echo "error: $name did not answer $url within ${timeout}s; last lines of $log:" >&2
  tail -n 30 "$log" >&2
  return 1
}

# A process already on our port would answer the health checks and fool us.
port_free() {
  ! curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$1/" \
    || { echo "error: port $1 is already in use (set $2 to use another)" >&2; return 1; }
}

PIDS=()
PG_STARTED=0
cleanup() {
  trap - EXIT INT TERM
  echo
  # Each app runs in its own session (setsid), so killing the group also stops the child
  # process that `dotnet run` starts.
  for pid in "${PIDS[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [[ $PG_STARTED == 1 ]]; then
    echo "stopping PostgreSQL"
    stop_postgres "$DATA/postgres" || true
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_free "$PORT" PORT
port_free "$WEBHOOK_PORT" WEBHOOK_PORT
port_free "$FLEETSIM_PORT" FLEETSIM_PORT

echo "==> restoring tools and building (Release)"
dotnet tool restore >/dev/null
for proj in src/AsiOpsPortal.FleetSim src/AsiOpsPortal.Web; do
  dotnet build "$proj" -c Release -v quiet -nologo -clp:NoSummary
done

echo "==> PostgreSQL on 127.0.0.1:$PG_PORT (data in .data/postgres)"
start_postgres "$DATA/postgres" "$PG_PORT"
if [[ -z $("$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -tAc \
  "select 1 from pg_database where datname = 'asiops'") ]]; then
  "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres asiops
fi

echo "==> FleetSim on 127.0.0.1:$FLEETSIM_PORT (log: .data/logs/fleetsim.log)"
# --no-launch-profile: launchSettings.json would otherwise override the URLs and environment we set.
setsid dotnet run --no-build --no-launch-profile -c Release --project src/AsiOpsPortal.FleetSim -- \
  --port "$FLEETSIM_PORT" --seed 42 --fleet demo --kubeconfig-dir "$KUBECONFIGS" \
  --convergence-ms 2000 >"$LOGS/fleetsim.log" 2>&1 </dev/null &
PIDS+=($!)
wait_for "http://127.0.0.1:$FLEETSIM_PORT/admin/clusters" "$!" "$LOGS/fleetsim.log" 60 FleetSim

echo "==> portal on http://127.0.0.1:$PORT (log: .data/logs/portal.log; migrates and seeds on start)"
ASPNETCORE_URLS="http://127.0.0.1:$PORT" \
ASPNETCORE_ENVIRONMENT=${ASPNETCORE_ENVIRONMENT:-Development} \
ConnectionStrings__Portal="Host=127.0.0.1;Port=$PG_PORT;Database=asiops;Username=postgres" \
Portal__MigrateOnStartup=true \
Portal__KeyEncryption__KeyFile="$KEK" \
Defender__WebhookListen="https://127.0.0.1:$WEBHOOK_PORT" \
Demo__Enabled=true \
Demo__FleetFile="$KUBECONFIGS/fleet.json" \
Demo__TokensFile="$DATA/demo-tokens.json" \
  setsid dotnet run --no-build --no-launch-profile -c Release --project src/AsiOpsPortal.Web \
  >"$LOGS/portal.log" 2>&1 </dev/null &
PIDS+=($!)
PORTAL_PID=$!
wait_for "http://127.0.0.1:$PORT/healthz" "$PORTAL_PID" "$LOGS/portal.log" 120 "the portal"

# Examples must work without jq, so fall back to python3 for reading the token file.
if command -v jq >/dev/null; then
  token_cmd="jq -r .bob .data/demo-tokens.json"
else
  token_cmd="python3 -c 'import json; print(json.load(open(\".data/demo-tokens.json\"))[\"bob\"])'"
fi
kubeconfigs=("$KUBECONFIGS"/*.yaml)
kubeconfig=${kubeconfigs[0]}

cat <<EOF

AsiOpsPortal is running at http://127.0.0.1:$PORT

  user   password       role
  alice  Alice-demo-1   Developer
  bob    Bob-demo-1     SRE
  carol  Carol-demo-1   SRE
  dave   Dave-demo-1    Viewer
  admin  Admin-demo-1   Admin

Defender:     admission webhook on https://127.0.0.1:$WEBHOOK_PORT, installed on every demo cluster
              by the seeded change "Install asiops-defender …" (Changes page; bob, carol and admin approved it)
API tokens:   .data/demo-tokens.json
Kubeconfigs:  .data/fleet/kubeconfigs/ (fleet.json lists the clusters)
Logs:         .data/logs/

Try the API as bob:
  curl -H "Authorization: Bearer \$($token_cmd)" http://127.0.0.1:$PORT/api/v1/clusters
EOF
if [[ -f $kubeconfig ]]; then
  cat <<EOF
Try kubectl against a simulated cluster:
  kubectl --kubeconfig ${kubeconfig#"$REPO/"} get nodes
EOF
fi
echo
echo "Press Ctrl-C to stop."
wait "$PORTAL_PID" || true
echo "the portal stopped; last lines of .data/logs/portal.log:" >&2
tail -n 20 "$LOGS/portal.log" >&2
exit 1
