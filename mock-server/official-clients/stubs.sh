#!/usr/bin/env bash
# The mock's stubs from other languages (issue 16), run by `just official-clients` after run.sh:
#  1. mock-server/examples/python: a pytest suite that registers a stub over the control API and
#     runs Tableau's Python client (tableauserverclient 0.42) against it, including a session that
#     expires mid-test;
#  2. schemathesis (PyPI) against GET /_mock/openapi.json of a running mock: no 5xx, every answer
#     matches the document (status codes, content types, headers, schemas), unknown methods get
#     405, invalid data is refused. Its check that every schema-valid request is accepted is
#     left out: the document gives the JSON shapes, not every rule (a site role must exist, a
#     stub path must not be the auth surface, a name must be new), and such requests get 4xx.
# Both install into virtual environments under the cargo target folder. When PyPI cannot be
# reached the run says so and is skipped (exit 0) — except in CI (CI set to anything but empty,
# 0 or false, as run.sh reads it), where a failed install fails the run (exit 3). A failing test
# or check fails the run (exit 1). The second argument is the cargo profile of the binary
# (release by default; `just ci` passes debug).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=common.sh
source "$here/common.sh"

install stubs-py "tableauserverclient==0.42" "pytest==9.2.0" \
    && install schemathesis "schemathesis==4.32.5" \
    || not_installed stubs

echo "stubs: pytest mock-server/examples/python"
TABLEAU_MOCK_BIN="$mock" "$venvs/stubs-py/bin/python" -m pytest -q -p no:cacheprovider "$here/../examples/python"

echo "stubs: schemathesis against /_mock/openapi.json"
out="$(mktemp)"
"$mock" --bind 127.0.0.1:0 > "$out" 2>/dev/null &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -f "$out"' EXIT
for _ in $(seq 100); do
    url="$(head -1 "$out" | sed -n 's/^tableau-mock-server listening on //p')"
    [ -n "$url" ] && break
    sleep 0.05
done
[ -n "$url" ] || { echo "stubs: the mock printed no URL" >&2; exit 1; }
# From the venv's folder: schemathesis leaves a .schemathesis folder where it runs.
cd "$venvs/schemathesis"
"$venvs/schemathesis/bin/schemathesis" run "$url/_mock/openapi.json" --url "$url" \
    --checks all --exclude-checks positive_data_acceptance \
    --max-examples 50 --seed 16 --no-color
