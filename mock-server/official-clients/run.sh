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
target="$(cd "${1:-target}" && pwd)"
profile="${2:-release}"
mock="$target/$profile/tableau-mock-server"
venvs="$target/official-clients"
[ -x "$mock" ] || { echo "no mock server binary at $mock: run cargo build --release -p tableau-mock-server --features cli (or cargo test --workspace for the debug one)" >&2; exit 2; }

install() { # venv, requirement...
    local venv="$venvs/$1"
    shift
    local marker
    marker="$venv/.installed-$(echo "$*" | tr ' ' '+')"
    if [ ! -f "$marker" ]; then
        rm -rf "$venv"
        python3 -m venv "$venv" || return 1
        "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$@" || return 1
        touch "$marker"
    fi
}

in_ci() {
    case "${CI:-}" in
        "" | 0 | false | FALSE | False | no) return 1 ;;
        *) return 0 ;;
    esac
}

if ! install tsc "tableauserverclient==0.42" "PyJWT==2.15.1" "cryptography==50.0.2" \
    || ! install tabcmd "tabcmd==2.0.21"; then
    if in_ci; then
        echo "official-clients: FAILED: the clients could not be installed from PyPI (see above), and CI=$CI: in CI this check may not be skipped" >&2
        exit 3
    fi
    {
        echo "################################################################################"
        echo "official-clients: SKIPPED: the clients could not be installed from PyPI (see above)."
        echo "Tableau's own clients did NOT run against the mock. (In CI, with CI set, this fails.)"
        echo "################################################################################"
    } >&2
    exit 0
fi
exec "$venvs/tsc/bin/python" "$here/check.py" --mock "$mock" --tabcmd "$venvs/tabcmd/bin/tabcmd"
