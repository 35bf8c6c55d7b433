#!/usr/bin/env bash
# The whole pbguard test suite (the README's test command; .ci/run calls exactly this).
#
#   scripts/test.sh                      # bootstrap, then every stage
#   scripts/test.sh unit integration     # bootstrap, then only these stages
#   PBGUARD_MOLECULE_SCENARIOS="default" scripts/test.sh molecule
#   PBGUARD_WITH_TRIXIE=1 scripts/test.sh   # also build the Debian 13 image and run molecule/trixie
#   PBGUARD_MOLECULE_SUFFIX=-me scripts/test.sh molecule   # container names get this tail (shared machines)
#
# Stages: lint sanity unit integration core216 molecule (core216: unit + module-level integration tests
# under the lowest supported ansible-core, from .venv-2.16). Ends with `stages: N passed, M failed` and exits
# non-zero when any stage failed. Stage logs: $PBGUARD_TEST_LOG_DIR (default tests/output/logs).
set -uo pipefail

# shellcheck source=scripts/env.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)/env.sh"
cd "$PBGUARD_ROOT" || exit 2

all_stages=(lint sanity unit integration core216 molecule)
stages=("$@")
((${#stages[@]})) || stages=("${all_stages[@]}")
for s in "${stages[@]}"; do
    [[ " ${all_stages[*]} " == *" $s "* ]] || { echo "unknown stage '$s' (known: ${all_stages[*]})" >&2; exit 2; }
done

log_dir="${PBGUARD_TEST_LOG_DIR:-$PBGUARD_ROOT/tests/output/logs}"
mkdir -p "$log_dir"

echo "== bootstrap"
if ! bash "$PBGUARD_ROOT/scripts/bootstrap.sh"; then
    echo "bootstrap failed: nothing was tested" >&2
    echo "stages: 0 passed, ${#stages[@]} failed"
    exit 1
fi

stage_lint() { bash scripts/lint.sh; }
stage_sanity() { bash scripts/sanity.sh; }

# pytest exit 5 = "no tests collected": not a failure while a directory is still empty.
run_pytest() { run_pytest_with python "$@"; }
run_pytest_with() { # python pytest-args...
    local rc=0 py="$1"
    shift
    "$py" -m pytest -p no:cacheprovider --durations=10 "$@" || rc=$?
    if ((rc == 5)); then
        echo "(no tests collected in $*)"
        rc=0
    fi
    return "$rc"
}
stage_unit() {
    [[ -d tests/unit ]] || { echo "(no tests/unit)"; return 0; }
    run_pytest tests/unit
}
# One pytest process per directory: each has its own conftest.py, and tests that
# `from conftest import ...` must get their own, not whichever was imported first.
stage_integration() {
    local d rc=0
    for d in tests/integration tests/attacks; do
        [[ -d "$d" ]] || continue
        echo "-- pytest $d"
        run_pytest "$d" || rc=1
    done
    return "$rc"
}
# The lowest supported ansible-core (requires_ansible >=2.16): unit tests and the module-level integration
# tests (modules run through ansible-playbook 2.16), on the oldest and newest tested PocketBase.
core216_integration=(tests/integration/test_pocketbase_info.py tests/integration/test_settings.py
    tests/integration/test_superuser.py tests/integration/test_collection.py tests/integration/test_audit_servers.py)
stage_core216() {
    local venv="$PBGUARD_ROOT/.venv-2.16" rc=0
    [[ -x "$venv/bin/python" ]] || { echo "$venv is missing (scripts/bootstrap.sh makes it)"; return 1; }
    PATH="$venv/bin:$PATH" VIRTUAL_ENV="$venv" "$venv/bin/ansible" --version | head -1
    echo "-- pytest tests/unit (ansible-core 2.16)"
    PATH="$venv/bin:$PATH" VIRTUAL_ENV="$venv" run_pytest_with "$venv/bin/python" tests/unit || rc=1
    echo "-- pytest module-level integration (ansible-core 2.16)"
    PATH="$venv/bin:$PATH" VIRTUAL_ENV="$venv" PBGUARD_PB_VERSIONS="${PBGUARD_CORE216_PB_VERSIONS:-0.22.27 0.40.6}" \
        run_pytest_with "$venv/bin/python" "${core216_integration[@]}" || rc=1
    return "$rc"
}
stage_molecule() {
    local scenarios=() s rc=0 home
    if [[ -n "${PBGUARD_MOLECULE_SCENARIOS:-}" ]]; then
        read -r -a scenarios <<<"$PBGUARD_MOLECULE_SCENARIOS"
    else
        for s in molecule/*/molecule.yml; do
            [[ -e "$s" ]] || continue
            s="$(basename "$(dirname "$s")")"
            if [[ "$s" == trixie && "${PBGUARD_WITH_TRIXIE:-0}" != 1 ]]; then
                echo "(scenario trixie skipped: set PBGUARD_WITH_TRIXIE=1)"
                continue
            fi
            scenarios+=("$s")
        done
    fi
    ((${#scenarios[@]})) || { echo "(no molecule scenarios)"; return 0; }
    home="$(mktemp -d "${TMPDIR:-/tmp}/pbguard-molecule-home.XXXXXX")"
    for s in "${scenarios[@]}"; do
        local t0=$SECONDS
        echo "-- molecule test -s $s"
        if HOME="$home" NO_COLOR=1 PY_COLORS=0 ANSIBLE_FORCE_COLOR=0 molecule test -s "$s"; then
            echo "-- molecule scenario $s: passed ($((SECONDS - t0)) s)"
        else
            echo "-- molecule scenario $s: FAILED ($((SECONDS - t0)) s)"
            rc=1
        fi
    done
    rm -rf "$home"
    return "$rc"
}

passed=0 failed=0 summary=()
for s in "${stages[@]}"; do
    echo "== stage $s (log: $log_dir/$s.log)"
    t0=$SECONDS
    "stage_$s" </dev/null 2>&1 | tee "$log_dir/$s.log"
    rc=${PIPESTATUS[0]}
    dt=$((SECONDS - t0))
    if ((rc == 0)); then
        passed=$((passed + 1)); summary+=("$(printf '  %-12s passed  %5ss' "$s" "$dt")")
    else
        failed=$((failed + 1)); summary+=("$(printf '  %-12s FAILED  %5ss  (exit %s)' "$s" "$dt" "$rc")")
    fi
done

echo
echo "== summary"
printf '%s\n' "${summary[@]}"
echo "stages: $passed passed, $failed failed"
((failed == 0))
