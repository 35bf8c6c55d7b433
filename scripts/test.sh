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
# Files run side by side (pytest-xdist, PBGUARD_PYTEST_JOBS workers, default 3; 1 = in-process): each file
# starts its own servers on free ports and names its containers apart; a file stays on one worker.
positive_int() { # name value
    [[ "$2" =~ ^[1-9][0-9]*$ ]] || { echo "$1 must be a positive integer, got '$2'" >&2; return 1; }
}
pytest_jobs() {
    local jobs="${PBGUARD_PYTEST_JOBS:-3}"
    positive_int PBGUARD_PYTEST_JOBS "$jobs" || return 1
    ((jobs == 1)) || echo "-n $jobs --dist loadfile"
}
stage_integration() {
    local d rc=0 par
    par="$(pytest_jobs)" || return 1
    for d in tests/integration tests/attacks; do
        [[ -d "$d" ]] || continue
        echo "-- pytest $d"
        # shellcheck disable=SC2086 # $par is a word list by design
        run_pytest "$d" $par || rc=1
    done
    return "$rc"
}
# The lowest supported ansible-core (requires_ansible >=2.16): unit tests and the module-level integration
# tests (modules run through ansible-playbook 2.16), on the oldest and newest tested PocketBase.
core216_integration=(tests/integration/test_pocketbase_info.py tests/integration/test_settings.py
    tests/integration/test_superuser.py tests/integration/test_collection.py tests/integration/test_audit_servers.py
    tests/integration/test_audit_in_process.py)
stage_core216() {
    local venv="$PBGUARD_ROOT/.venv-2.16" rc=0 par
    par="$(pytest_jobs)" || return 1
    [[ -x "$venv/bin/python" ]] || { echo "$venv is missing (scripts/bootstrap.sh makes it)"; return 1; }
    PATH="$venv/bin:$PATH" VIRTUAL_ENV="$venv" "$venv/bin/ansible" --version | head -1
    echo "-- pytest tests/unit (ansible-core 2.16)"
    PATH="$venv/bin:$PATH" VIRTUAL_ENV="$venv" run_pytest_with "$venv/bin/python" tests/unit || rc=1
    echo "-- pytest module-level integration (ansible-core 2.16)"
    # shellcheck disable=SC2086 # $par is a word list by design
    PATH="$venv/bin:$PATH" VIRTUAL_ENV="$venv" PBGUARD_PB_VERSIONS="${PBGUARD_CORE216_PB_VERSIONS:-0.22.27 0.40.6}" \
        run_pytest_with "$venv/bin/python" "${core216_integration[@]}" $par || rc=1
    return "$rc"
}
# Scenarios run side by side (PBGUARD_MOLECULE_JOBS, default 3): container names differ per scenario,
# nothing is published on host ports, and each has its own HOME (molecule installs the collection there).
# The longest run first; each scenario's output goes to its own log, printed when the stage ends (passed
# ones first, failed ones last, so the tail of the stage shows the failures).
molecule_longest_first=(userpath attack fleet pocketbase_upgrade pocketbase proxy_nginx proxy_caddy default)
stage_molecule() {
    local scenarios=() s rc=0 home jobs="${PBGUARD_MOLECULE_JOBS:-3}" failed_scenarios=() results=()
    if [[ -n "${PBGUARD_MOLECULE_SCENARIOS:-}" ]]; then
        read -r -a scenarios <<<"$PBGUARD_MOLECULE_SCENARIOS"
    else
        local found=()
        for s in molecule/*/molecule.yml; do
            [[ -e "$s" ]] || continue
            s="$(basename "$(dirname "$s")")"
            if [[ "$s" == trixie && "${PBGUARD_WITH_TRIXIE:-0}" != 1 ]]; then
                echo "(scenario trixie skipped: set PBGUARD_WITH_TRIXIE=1)"
                continue
            fi
            found+=("$s")
        done
        for s in "${molecule_longest_first[@]}"; do
            [[ " ${found[*]} " == *" $s "* ]] && scenarios+=("$s")
        done
        for s in "${found[@]}"; do
            [[ " ${scenarios[*]} " == *" $s "* ]] || scenarios+=("$s")
        done
    fi
    ((${#scenarios[@]})) || { echo "(no molecule scenarios)"; return 0; }
    positive_int PBGUARD_MOLECULE_JOBS "$jobs" 2>&1 || return 1
    home="$(mktemp -d "${TMPDIR:-/tmp}/pbguard-molecule-home.XXXXXX")"
    echo "-- molecule: ${scenarios[*]} (${jobs} at a time; logs: $log_dir/molecule-<scenario>.log)"
    local -A pid_of=()
    local pid running t_stage=$SECONDS
    rm -f "$log_dir"/molecule-*.rc
    for s in "${scenarios[@]}"; do
        while :; do
            running=0
            for pid in "${pid_of[@]}"; do kill -0 "$pid" 2>/dev/null && running=$((running + 1)); done
            ((running < jobs)) && break
            wait -n 2>/dev/null || true
        done
        echo "-- molecule test -s $s (started at +$((SECONDS - t_stage)) s)"
        (
            t0=$SECONDS
            mkdir -p "$home/$s"
            if HOME="$home/$s" NO_COLOR=1 PY_COLORS=0 ANSIBLE_FORCE_COLOR=0 molecule test -s "$s" \
                >"$log_dir/molecule-$s.log" 2>&1 </dev/null; then
                echo "passed $((SECONDS - t0))" >"$log_dir/molecule-$s.rc"
            else
                echo "FAILED $((SECONDS - t0))" >"$log_dir/molecule-$s.rc"
            fi
        ) &
        pid_of[$s]=$!
    done
    wait
    for s in "${scenarios[@]}"; do
        local verdict="FAILED ?"
        [[ -f "$log_dir/molecule-$s.rc" ]] && verdict="$(cat "$log_dir/molecule-$s.rc")"
        if [[ "$verdict" == passed* ]]; then
            echo "== molecule scenario $s (log)"
            cat "$log_dir/molecule-$s.log"
        else
            failed_scenarios+=("$s")
        fi
        results+=("-- molecule scenario $s: ${verdict% *} (${verdict#* } s)")
    done
    for s in "${failed_scenarios[@]}"; do
        echo "== molecule scenario $s FAILED (log)"
        cat "$log_dir/molecule-$s.log"
        rc=1
    done
    printf '%s\n' "${results[@]}"
    rm -rf "$home"
    return "$rc"
}

# Busy and idle jiffies of the whole machine: the summary says how busy the CPUs were during each stage
# (machine-wide, other work included), which tells whether a stage is bound by CPU or by waiting.
cpu_jiffies() {
    local _cpu user nice system idle iowait irq softirq steal _rest
    read -r _cpu user nice system idle iowait irq softirq steal _rest </proc/stat
    echo "$((user + nice + system + irq + softirq + steal)) $((idle + iowait))"
}
cpu_busy_percent() { # "busy idle" at start, "busy idle" at end
    local b0 i0 b1 i1
    read -r b0 i0 <<<"$1"
    read -r b1 i1 <<<"$2"
    (((b1 - b0) + (i1 - i0) > 0)) || { echo "?"; return; }
    echo "$((100 * (b1 - b0) / ((b1 - b0) + (i1 - i0))))"
}

passed=0 failed=0 summary=()
for s in "${stages[@]}"; do
    echo "== stage $s (log: $log_dir/$s.log)"
    t0=$SECONDS
    cpu0="$(cpu_jiffies)"
    "stage_$s" </dev/null 2>&1 | tee "$log_dir/$s.log"
    rc=${PIPESTATUS[0]}
    dt=$((SECONDS - t0))
    busy="cpu busy $(cpu_busy_percent "$cpu0" "$(cpu_jiffies)")%"
    if ((rc == 0)); then
        passed=$((passed + 1)); summary+=("$(printf '  %-12s passed  %5ss  (%s)' "$s" "$dt" "$busy")")
    else
        failed=$((failed + 1)); summary+=("$(printf '  %-12s FAILED  %5ss  (exit %s, %s)' "$s" "$dt" "$rc" "$busy")")
    fi
done

# What failed, once more at the very end (a CI log often keeps only its tail): pytest's summary lines,
# Ansible's fatal lines, ansible-test and ansible-lint errors, failed molecule scenarios; 40 lines a stage.
failure_lines() { # stage log
    grep -E '^(FAILED|ERROR) |^fatal: |^ERROR: |^\[ERROR\]|^-- molecule scenario .*: FAILED|^[a-z0-9-]+\[[a-z0-9-]+\]: ' "$1" |
        cut -c1-400 | head -40
}
for s in "${stages[@]}"; do
    grep -q "^  $s  *FAILED" < <(printf '%s\n' "${summary[@]}") || continue
    echo
    echo "== what failed in $s (from $log_dir/$s.log)"
    failure_lines "$log_dir/$s.log"
done

echo
echo "== summary"
printf '%s\n' "${summary[@]}"
echo "stages: $passed passed, $failed failed"
((failed == 0))
