# shellcheck shell=bash
# Environment shared by every pbguard script. Use: source scripts/env.sh
# See docs/development.md ("Environment") for the contract.

_pbg_here="${BASH_SOURCE[0]:-$0}"
PBGUARD_ROOT="$(cd "$(dirname "$_pbg_here")/.." && pwd -P)"
export PBGUARD_ROOT
unset _pbg_here

export PBGUARD_CACHE="${PBGUARD_CACHE:-${HOME:-/root}/.cache/pbguard}"
export PBGUARD_PB_VERSIONS="${PBGUARD_PB_VERSIONS:-0.22.27 0.30.4 0.40.6}"
export PBGUARD_PB_BIN_DIR="${PBGUARD_PB_BIN_DIR:-$PBGUARD_CACHE/pocketbase}"
export PBGUARD_TEST_IMAGE="${PBGUARD_TEST_IMAGE:-localhost/pbguard-test:bookworm}"
export PBGUARD_TEST_IMAGE_TRIXIE="${PBGUARD_TEST_IMAGE_TRIXIE:-localhost/pbguard-test:trixie}"
export CONTAINERS_CONF="$PBGUARD_ROOT/tests/containers/containers.conf"
# The short connection name `podman` (molecule's podman driver) resolves to the suite's pipelining transport.
export ANSIBLE_CONNECTION_PLUGINS="$PBGUARD_ROOT/tests/containers/connection"

# Per-checkout collections dir OUTSIDE the repository (ansible-test and ansible-lint must not see it):
#   ansible_collections/pbguard/pocketbase -> the checkout (symlink)
#   ansible_collections/containers/podman  -> extracted by scripts/bootstrap.sh
_pbg_hash="$(printf '%s' "$PBGUARD_ROOT" | sha256sum | cut -c1-12)"
export PBGUARD_COLLECTIONS_DIR="$PBGUARD_CACHE/checkouts/$_pbg_hash"
unset _pbg_hash
export ANSIBLE_COLLECTIONS_PATH="$PBGUARD_COLLECTIONS_DIR"
if mkdir -p "$PBGUARD_COLLECTIONS_DIR/ansible_collections/pbguard" 2>/dev/null; then
    ln -sfn "$PBGUARD_ROOT" "$PBGUARD_COLLECTIONS_DIR/ansible_collections/pbguard/pocketbase"
fi

export VIRTUAL_ENV="$PBGUARD_ROOT/.venv"
case ":$PATH:" in
    *":$VIRTUAL_ENV/bin:"*) ;;
    *) export PATH="$VIRTUAL_ENV/bin:$PATH" ;;
esac
export PYTHONDONTWRITEBYTECODE=1
export ANSIBLE_NOCOLOR="${ANSIBLE_NOCOLOR:-1}"
