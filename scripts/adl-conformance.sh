#!/bin/bash
# Run the ADL LRS conformance test suite (https://github.com/adlnet/lrs-conformance-test-suite)
# against a throwaway Pilotage: a scratch database, an LRS client with every scope, the
# server on 127.0.0.1 and a free port; everything is removed afterwards.
#
#   scripts/adl-conformance.sh SUITE_DIR [VERSION ...]      (default: 2.0.0 1.0.3)
#
# SUITE_DIR is a checkout of the suite (its code is not part of this repository; `npm install`
# runs in it when node_modules is missing). Its test/<dir>/*.js files are run with mocha, as
# the suite's bin/lrs-test.js does, with the variables its test/helper.js reads; the suite's
# console runner is not used (it waits forever when its test process exits early, and its
# option checks depend on the exact joi version).
# The exit status is the number of versions with a failing test; each version is stopped after
# ADL_TIMEOUT seconds (default 3600). MOCHA_REPORTER picks mocha's reporter (default: dot).
# See docs/lrs.md.
set -euo pipefail

SUITE=$(cd "${1:?usage: scripts/adl-conformance.sh SUITE_DIR [VERSION ...]}" && pwd)
shift
VERSIONS=("$@")
[ ${#VERSIONS[@]} -eq 0 ] && VERSIONS=(2.0.0 1.0.3)
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PILOTAGE="$ROOT/.venv/bin/pilotage"
command -v node >/dev/null || { echo "node is required (Debian: apt-get install nodejs npm)" >&2; exit 2; }
[ -x "$PILOTAGE" ] || { echo "run 'make setup' first" >&2; exit 2; }

VAR=$(mktemp -d /tmp/pilotage-adl.XXXXXX)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
SERVER=""
cleanup() {
    if [ -n "$SERVER" ]; then kill -- "-$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; fi
    rm -rf "$VAR"
}
trap cleanup EXIT
export PILOTAGE_VAR_DIR="$VAR"

"$PILOTAGE" migrate -v0
CREDENTIALS=$("$PILOTAGE" lrs-client create "ADL conformance suite" --scope all)
KEY=$(awk '/^key:/ {print $2}' <<<"$CREDENTIALS")
SECRET=$(awk '/^secret:/ {print $2}' <<<"$CREDENTIALS")
ENDPOINT="http://127.0.0.1:$PORT/xapi"

setsid "$PILOTAGE" run --no-demo --host 127.0.0.1 --port "$PORT" >"$VAR/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 60); do
    curl -sf -o /dev/null -H "X-Experience-API-Version: 2.0.0" "$ENDPOINT/about" && break
    sleep 1
done
curl -sf -o /dev/null -H "X-Experience-API-Version: 2.0.0" "$ENDPOINT/about" || {
    echo "the server did not start:" >&2; tail -20 "$VAR/server.log" >&2; exit 2
}
echo "Pilotage LRS at $ENDPOINT (scratch database in $VAR)"

failed=0
cd "$SUITE"
[ -d node_modules ] || npm install --no-audit --no-fund
for version in "${VERSIONS[@]}"; do
    echo "== xAPI $version"
    case "$version" in 1.0.3) dir=v1_0_3 ;; 2.0 | 2.0.0) dir=v2_0 ;; *) echo "unknown version $version" >&2; exit 2 ;; esac
    DIRECTORY=$dir XAPI_VERSION=$version LRS_ENDPOINT=$ENDPOINT BASIC_AUTH_ENABLED=true \
        BASIC_AUTH_USER=$KEY BASIC_AUTH_PASSWORD=$SECRET \
        NODE_PATH="$SUITE/node_modules:$SUITE/local${NODE_PATH:+:$NODE_PATH}" \
        timeout "${ADL_TIMEOUT:-3600}" node "$SUITE/node_modules/.bin/mocha" --timeout 15000 \
        --reporter "${MOCHA_REPORTER:-dot}" "test/$dir"/*.js || failed=$((failed + 1))
done
exit "$failed"
