#!/usr/bin/env bash
# Installs Tableau's own clients into virtual environments under the cargo target folder and runs
# check.py with them against the mock server binary, started as Tableau Server and as Tableau Cloud
# behind a front door (--flavor cloud --front-door). `just official-clients` calls it with the
# release binary; `just ci` with the debug one that `cargo test --workspace` built (second
# argument `debug`: the folder under the target folder).
#
# The versions are pinned: tableauserverclient 0.42 (the Python client the spec was checked
# against; it has JWTAuth(jwt, isUat=True), added in 0.39) with PyJWT and cryptography to mint a
# unified access token (RS256), and tabcmd 2.0.21 (which bundles its own, older,
# tableauserverclient, hence two venvs).
# When the clients cannot be installed (PyPI unreachable, no python3 venv): in CI (CI set to
# anything but empty, 0 or false; `.ci/run` sets CI=1) the run fails (exit 3), because a CI run
# that skipped the official clients would pass having proved nothing; outside CI it is skipped
# loudly (exit 0): the check is about the mock, not about the registry. A client that fails
# against the mock fails the run (exit 1).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=common.sh
source "$here/common.sh"

install tsc "tableauserverclient==0.42" "PyJWT==2.15.1" "cryptography==50.0.2" \
    && install tabcmd "tabcmd==2.0.21" \
    || not_installed official-clients
exec "$venvs/tsc/bin/python" "$here/check.py" --mock "$mock" --tabcmd "$venvs/tabcmd/bin/tabcmd"
