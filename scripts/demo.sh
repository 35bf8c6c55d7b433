#!/usr/bin/env bash
# pbguard demo (the README's first command).
#
#   scripts/demo.sh           vulnerable PocketBase in a systemd container -> attacks succeed ->
#                             audit report with findings, confirmed by exploiting them -> harden.yml
#                             (check, converge, again) ->
#                             attacks blocked -> clean audit; coloured table per area and the
#                             Markdown audit report at the end.  ~5 minutes.
#   scripts/demo.sh --quick   no container: a throw-away real PocketBase on loopback, read through
#                             Ansible with pbguard.pocketbase.pocketbase_info.  ~20 seconds.
#   PBG_DEMO_KEEP=1           keep the container and the work dir afterwards.
#
# Works on a fresh Debian 12 machine: scripts/bootstrap.sh (idempotent) installs what is missing.
# All traffic stays on this machine: loopback, or inside the demo container via podman exec.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
MODE=full
[[ "${1:-}" == "--quick" ]] && MODE=quick

if [[ -t 1 ]]; then B=$'\033[1m'; G=$'\033[32m'; R=$'\033[31m'; Y=$'\033[33m'; C=$'\033[36m'; N=$'\033[0m'; export PBG_COLOR=1
else B=; G=; R=; Y=; C=; N=; fi
step() { printf '\n%s==> %s%s\n' "$C$B" "$*" "$N"; }
ok() { printf '%s  ok%s %s\n' "$G" "$N" "$*"; }
die() { printf '%sdemo failed:%s %s\n' "$R$B" "$N" "$*" >&2; exit 1; }

step "Set-up (scripts/bootstrap.sh: packages, venv, PocketBase binaries, test image)"
BOOT_LOG="$(mktemp /tmp/pbguard-bootstrap.XXXXXX.log)"
if ! "$ROOT/scripts/bootstrap.sh" >"$BOOT_LOG" 2>&1; then
    tail -30 "$BOOT_LOG" >&2
    die "bootstrap failed (full log: $BOOT_LOG)"
fi
ok "bootstrap done (log: $BOOT_LOG)"
# shellcheck source=scripts/env.sh
source "$ROOT/scripts/env.sh"
export ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0

# ----------------------------------------------------------------------------------- quick
quick() {
    local bin="$PBGUARD_PB_BIN_DIR/0.40.6/pocketbase" port pw
    QWORK="$(mktemp -d /tmp/pbguard-demo-quick.XXXXXX)"; QPID=""
    local work="$QWORK"
    port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
    pw="demo-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
    step "A throw-away PocketBase 0.40.6 on 127.0.0.1:$port (superuser created before the first serve)"
    "$bin" superuser upsert demo@pbguard.test "$pw" --dir "$work/pb_data" >/dev/null
    "$bin" serve --http "127.0.0.1:$port" --dir "$work/pb_data" >"$work/pocketbase.log" 2>&1 &
    QPID=$!
    trap 'kill "$QPID" 2>/dev/null || true; rm -rf "$QWORK"' EXIT
    for _ in $(seq 50); do curl -fsS "http://127.0.0.1:$port/api/health" >/dev/null 2>&1 && break; sleep 0.2; done
    step "ansible localhost -m pbguard.pocketbase.pocketbase_info"
    POCKETBASE_URL="http://127.0.0.1:$port" POCKETBASE_EMAIL=demo@pbguard.test POCKETBASE_PASSWORD="$pw" \
        ansible localhost -m pbguard.pocketbase.pocketbase_info -o 2>/dev/null \
        | sed 's/^localhost | SUCCESS => //' \
        | python3 -c '
import json, sys
d = json.load(sys.stdin)
print("version     %s (%s)" % (d.get("version"), d.get("generation")))
print("health      %s" % (d.get("health") or {}).get("message"))
print("superusers  %s" % ", ".join(s["email"] for s in d.get("superusers") or []))
rl = ((d.get("settings") or {}).get("rateLimits") or {}).get("enabled")
print("rate limits %s" % ("on" if rl else "OFF"))
print("collections:")
for c in d.get("collections") or []:
    if c.get("system"):
        continue
    rules = c.get("rules") or {}
    pub = [k for k, v in rules.items() if v == ""]
    print("  %-12s %-5s public rules: %s" % (c["name"], c["type"], ", ".join(sorted(pub)) or "none"))
'
    ok "read through Ansible"
}

# ------------------------------------------------------------------------------------ full
full() {
    command -v podman >/dev/null || die "podman missing (bootstrap should have installed it)"
    podman image exists "$PBGUARD_TEST_IMAGE" || die "test image $PBGUARD_TEST_IMAGE missing"
    # globals: the EXIT trap runs after this function has returned
    DEMO_NAME="pbg-demo${PBGUARD_MOLECULE_SUFFIX:-}-$$"
    DEMO_WORK="$PBGUARD_CACHE/demo/$(date +%Y%m%d-%H%M%S)-$$"
    local name="$DEMO_NAME" work="$DEMO_WORK"
    mkdir -p "$work/inventory" "$work/reports"
    cleanup() {
        if [[ -z "${PBG_DEMO_KEEP:-}" ]]; then
            podman rm -f "$DEMO_NAME" >/dev/null 2>&1 || true
        else
            printf 'kept: container %s, work dir %s\n' "$DEMO_NAME" "$DEMO_WORK"
        fi
    }
    trap cleanup EXIT
    cat >"$work/inventory/hosts.yml" <<EOF
pocketbase:
  hosts:
    $name:
      ansible_connection: containers.podman.podman
      ansible_python_interpreter: /usr/bin/python3
EOF
    ln -sfn "$ROOT/molecule/attack/inventory/group_vars" "$work/inventory/group_vars"
    export MOLECULE_PROJECT_DIRECTORY="$ROOT" MOLECULE_INVENTORY_FILE="$work/inventory/hosts.yml" \
        MOLECULE_EPHEMERAL_DIRECTORY="$work"
    unset PBG_E2E_REPORT_DIR

    step "Start a systemd container ($name) from $PBGUARD_TEST_IMAGE"
    podman run -d --name "$name" --hostname "$name" --systemd=always --pull=never \
        "$PBGUARD_TEST_IMAGE" /sbin/init >/dev/null
    ok "container up"

    step "Deploy a deliberately vulnerable PocketBase 0.30.4 (0.0.0.0:8090, no proxy, findings planted)"
    ansible-playbook -i "$work/inventory" "$ROOT/molecule/attack/prepare.yml" >"$work/prepare.log" 2>&1 \
        || { tail -40 "$work/prepare.log"; die "prepare failed (log: $work/prepare.log)"; }
    ok "vulnerable instance running (log: $work/prepare.log)"

    step "Attack it, audit it, harden it (check mode first), attack again, audit again"
    local rc=0
    ansible-playbook -i "$work/inventory" "$ROOT/molecule/attack/converge.yml" 2>&1 \
        | tee "$work/converge.log" | narrate "$work/reports" || rc=$?
    [[ $rc -eq 0 ]] || { tail -60 "$work/converge.log"; die "end-to-end run failed (log: $work/converge.log)"; }

    step "Summary per area"
    python3 "$ROOT/tests/attacks/summary.py" "$work/reports" || rc=$?
    if [[ -f "$work/reports/audit-after.markdown" ]]; then
        step "Audit report after hardening (Markdown: $work/reports/audit-after.markdown)"
        cat "$work/reports/audit-after.markdown"
    fi
    printf '\nReports (JSON, JUnit, SARIF, Markdown, attack JUnit): %s\n' "$work/reports"
    return "$rc"
}

# Turn the playbook's output into a readable story.
narrate() {
    local reports="$1" line shown_before=0
    while IFS= read -r line; do
        case "$line" in
            *"TASK [Run the attack suite, expecting vulnerable"*) printf '%s1/6%s attacks against the vulnerable instance ...\n' "$B" "$N" ;;
            *"TASK [Audit (before)]"*) printf '%s2/6%s audit (api, host and probe scopes) ...\n' "$B" "$N" ;;
            *"TASK [Run harden.yml (check)]"*) printf '%s3/6%s harden.yml --check --diff ...\n' "$B" "$N" ;;
            *"TASK [Run harden.yml (converge)]"*) printf '%s4/6%s harden.yml ...\n' "$B" "$N" ;;
            *"TASK [Run harden.yml (again)]"*) printf '    harden.yml again (idempotence) ...\n' ;;
            *"TASK [Run the attack suite, expecting hardened"*) printf '%s5/6%s the same attacks against the hardened instance ...\n' "$B" "$N" ;;
            *"TASK [Audit (after)]"*) printf '%s6/6%s audit again ...\n' "$B" "$N" ;;
            *"TASK [Records and fingerprint before"*)
                if [[ $shown_before -eq 0 && -f "$reports/audit-before.markdown" ]]; then
                    shown_before=1
                    printf '%s    audit report BEFORE hardening (failing controls):%s\n' "$Y" "$N"
                    grep -E '\| FAIL \|' "$reports/audit-before.markdown" \
                        | awk -F'|' '{ printf "    %s%-62.62s%s %-9s %s\n", R, $2, N, $3, $5 }' R="$R" N="$N" \
                        | head -40 || true
                fi ;;
            *'"msg": "flagged:'* | *'"msg": "check mode:'* | *'"msg": "converge changed='* | \
            *'"msg": "audit after:'* | *'"msg": "records:'* | *'"msg": "confirmed before:'* | \
            *'"msg": "confirmed after:'*)
                printf '%s    %s%s\n' "$G" "$(sed -e 's/^[^"]*"msg": "//' -e 's/"[,]*$//' <<<"$line")" "$N" ;;
            *"passed"*" in "*s* | *"failed"*" in "*s*) printf '    pytest: %s\n' "$(sed 's/^[^"]*"//; s/".*//' <<<"$line")" ;;
            *"fatal:"* | *"FAILED!"*) printf '%s    %s%s\n' "$R" "$line" "$N" ;;
        esac
    done
    return 0
}

if [[ $MODE == quick ]]; then quick; else full; fi
