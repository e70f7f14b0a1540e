# Shared by run.sh and stubs.sh (sourced, not run): the mock binary, Python virtual
# environments under the cargo target folder, and what happens when they cannot be installed.
# Arguments of the sourcing script: $1 the cargo target folder (default `target`), $2 the
# profile whose binary to use (default `release`; `just ci` passes `debug`).

target="$(cd "${1:-target}" && pwd)"
profile="${2:-release}"
mock="$target/$profile/tableau-mock-server"
venvs="$target/official-clients"
[ -x "$mock" ] || { echo "no mock server binary at $mock: run cargo build --release -p tableau-mock-server --features cli (or cargo test --workspace for the debug one)" >&2; exit 2; }

# install VENV REQUIREMENT...: a virtual environment with those packages, made once (a stamp
# file names the requirements, so a changed pin makes a new one).
install() {
    local venv="$venvs/$1"
    shift
    local stamp
    stamp="$venv/.installed-$(echo "$*" | tr ' =/' '+-_')"
    if [ ! -f "$stamp" ]; then
        rm -rf "$venv"
        python3 -m venv "$venv" || return 1
        "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$@" || return 1
        touch "$stamp"
    fi
}

# not_installed NAME: the packages could not be installed. In CI (CI set to anything but
# empty, 0 or false; `.ci/run` sets CI=1) that fails the run (exit 3): a CI run that skipped
# Tableau's own clients would pass having proved nothing. Outside CI it is skipped loudly (exit 0):
# the check is about the mock, not about the registry.
not_installed() {
    case "${CI:-}" in
        "" | 0 | false | FALSE | False | no) ;;
        *)
            echo "$1: FAILED: the Python packages could not be installed from PyPI (see above), and CI=$CI: in CI this check may not be skipped" >&2
            exit 3
            ;;
    esac
    {
        echo "################################################################################"
        echo "$1: SKIPPED: the Python packages could not be installed from PyPI (see above)."
        echo "Its checks did NOT run against the mock. (In CI, with CI set, this fails.)"
        echo "################################################################################"
    } >&2
    exit 0
}
