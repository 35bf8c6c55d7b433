#!/usr/bin/env bash
# ansible-test sanity for the collection, offline-safe.
#
#   scripts/sanity.sh                        # every sanity test
#   scripts/sanity.sh --test validate-modules  # extra args go to `ansible-test sanity`
#
# ansible-test wants the collection at .../ansible_collections/pbguard/pocketbase and lints every
# file it sees, so it runs on a copy of the tracked files (git ls-files) plus untracked files that
# are not ignored, in a scratch dir outside the checkout.
set -euo pipefail

# shellcheck source=scripts/env.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)/env.sh"
cd "$PBGUARD_ROOT"

python_version="${PBGUARD_SANITY_PYTHON:-3.11}"
# A fresh scratch dir per run: concurrent runs from the same checkout must not share one.
mkdir -p "$PBGUARD_CACHE/sanity"
scratch="$(mktemp -d "$PBGUARD_CACHE/sanity/run.XXXXXX")"
[[ "${PBGUARD_SANITY_KEEP:-0}" == 1 ]] || trap 'rm -rf "$scratch"' EXIT
dest="$scratch/ansible_collections/pbguard/pocketbase"

# 1. Offline bootstrap of pip in ansible-test's venvs (it would download get-pip.py otherwise).
pip_version="$(python - <<'PY'
import re, pathlib, ansible_test
src = pathlib.Path(ansible_test.__file__).parent / "_internal" / "python_requirements.py"
m = re.search(r"pip='([0-9.]+)'", src.read_text())
print(m.group(1) if m else "")
PY
)"
if [[ -n "$pip_version" ]]; then
    shim="$HOME/.ansible/test/cache/get_pip_${pip_version//./_}.py"
    if [[ ! -s "$shim" ]] || ! grep -q 'pbguard offline get-pip shim' "$shim"; then
        mkdir -p "$(dirname "$shim")"
        cat >"$shim" <<PY
# pbguard offline get-pip shim: ansible-test runs this instead of downloading get-pip.py.
import subprocess
import sys

# ensurepip in a child process: in-process it sets PIP_CONFIG_FILE=/dev/null for the rest of the run.
subprocess.check_call([sys.executable, "-m", "ensurepip", "--upgrade", "--default-pip"])
args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
if subprocess.call([sys.executable, "-m", "pip", "install", "--upgrade"] + args) != 0:
    sys.stderr.write("get-pip shim: could not install %s; keeping the ensurepip version\n" % " ".join(args))
PY
    fi
fi

# 2. Copy tracked + untracked-not-ignored files.
mkdir -p "$dest"
list_files() {
    if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
        git ls-files -z --cached --others --exclude-standard
    else  # an unpacked tarball: everything but local state
        find . \( -path ./.git -o -path ./.venv -o -path ./.work -o -path ./.cache -o -path ./.ansible \
            -o -path ./tests/output -o -name __pycache__ -o -name .pytest_cache -o -name .hypothesis \) -prune -o \
            \( -type f -o -type l \) -printf '%P\0'
    fi
}
list_files \
    | while IFS= read -r -d '' f; do [[ -e "$f" || -L "$f" ]] && printf '%s\0' "$f"; done \
    | tar --null -T - -cf - | tar -C "$dest" -xf -

# 3. Run.
cd "$dest"
echo "ansible-test sanity on $dest (python $python_version)" >&2
rc=0
ansible-test sanity --color no --python "$python_version" --venv "$@" || rc=$?
exit "$rc"
