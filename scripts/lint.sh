#!/usr/bin/env bash
# ansible-lint with the production profile, offline, zero findings allowed (config: .ansible-lint).
#   scripts/lint.sh [extra ansible-lint args / paths]
set -euo pipefail

# shellcheck source=scripts/env.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)/env.sh"
cd "$PBGUARD_ROOT"

exec ansible-lint --profile production --offline --strict --nocolor "$@"
