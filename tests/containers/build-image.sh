#!/usr/bin/env bash
# Build the local systemd test image (no registry): debootstrap a minimal Debian rootfs and
# `podman import` it. Built once; reused while an image with the same recipe hash exists.
#
#   tests/containers/build-image.sh [bookworm|trixie] [--force]
#
# The image is tagged localhost/pbguard-test:<suite> and labelled pbguard.recipe=<hash of the suite,
# the package list and recipe_rev>, so changing the package list (or bumping recipe_rev) rebuilds it.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
# shellcheck source=scripts/env.sh
source "$here/../../scripts/env.sh"

suite="${1:-bookworm}"
force="${2:-}"
image="${PBGUARD_IMAGE_REPO:-localhost/pbguard-test}:$suite"

packages="systemd,systemd-sysv,dbus,python3,python3-apt,iproute2,curl,ca-certificates,caddy,nginx,sqlite3,procps,unzip,sudo,acl"
# Bump recipe_rev when the steps below change in a way that needs a rebuild.
recipe_rev=2
recipe="$(printf '%s|%s|%s' "$suite" "$packages" "$recipe_rev" | sha256sum | cut -c1-16)"

log() { printf '[build-image %s] %s\n' "$suite" "$*" >&2; }

# One build per suite at a time (several checkouts/engineers may bootstrap at once); whoever waits
# re-checks the image afterwards.
mkdir -p "$PBGUARD_CACHE/image-build"
exec 9>"$PBGUARD_CACHE/image-build/$suite.lock"
flock 9

old_id="$(podman image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)"
if [[ "$force" != "--force" ]] && [[ -n "$old_id" ]]; then
    have="$(podman image inspect --format '{{ index .Labels "pbguard.recipe" }}' "$image" 2>/dev/null || true)"
    if [[ "$have" == "$recipe" ]]; then
        log "$image up to date (recipe $recipe)"
        exit 0
    fi
    log "$image has recipe '${have:-none}', want $recipe: rebuilding"
fi

if [[ $EUID -ne 0 ]]; then
    log "debootstrap needs root"
    exit 1
fi

# The mirror the host already uses (deb822 sources first, then the classic list).
mirror=""
if [[ -r /etc/apt/sources.list.d/debian.sources ]]; then
    mirror="$(awk '/^URIs:/ && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources)"
fi
if [[ -z "$mirror" && -r /etc/apt/sources.list ]]; then
    mirror="$(awk '$1 == "deb" && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list)"
fi
mirror="${mirror:-http://deb.debian.org/debian}"

scratch="$PBGUARD_CACHE/image-build/$suite${PBGUARD_IMAGE_REPO:+-$(basename "$PBGUARD_IMAGE_REPO")}"
rootfs="$scratch/rootfs"
rm -rf "$scratch"
mkdir -p "$scratch"
trap 'rm -rf "$scratch"' EXIT

log "debootstrap $suite from $mirror"
debootstrap --variant=minbase --include="$packages" "$suite" "$rootfs" "$mirror" \
    >"$scratch/debootstrap.log" 2>&1 || { tail -n 40 "$scratch/debootstrap.log" >&2; exit 1; }

# Services the roles configure must not run by default: the proxy role enables what it needs.
# (Done by hand, as `systemctl --root` would, so the host needs no systemd.)
for unit in caddy.service nginx.service; do
    rm -f "$rootfs"/etc/systemd/system/*.wants/"$unit"
done
# Units that only fail or wait inside a container: masked.
for unit in systemd-remount-fs.service getty.target console-getty.service \
    systemd-udevd.service systemd-udev-trigger.service systemd-modules-load.service \
    sys-kernel-config.mount sys-kernel-debug.mount sys-kernel-tracing.mount; do
    ln -sfn /dev/null "$rootfs/etc/systemd/system/$unit"
done

# Same mirror inside the container (package lists kept, so apt works without update_cache),
# no cached .debs, fresh identity per container.
printf 'deb %s %s main\n' "$mirror" "$suite" >"$rootfs/etc/apt/sources.list"
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/log/*.log
: >"$rootfs/etc/machine-id"
echo "pbguard-test" >"$rootfs/etc/hostname"

log "podman import -> $image"
tar -C "$rootfs" --numeric-owner -c . | podman import --quiet \
    --change 'CMD ["/sbin/init"]' \
    --change 'STOPSIGNAL SIGRTMIN+3' \
    --change "LABEL pbguard.recipe=$recipe" \
    --change "LABEL pbguard.suite=$suite" \
    - "$image" >/dev/null
# Drop the image this one replaces (fails harmlessly while a container still uses it).
if [[ -n "$old_id" && "$old_id" != "$(podman image inspect --format '{{.Id}}' "$image")" ]]; then
    podman rmi "$old_id" >/dev/null 2>&1 || true
fi
log "built $image (recipe $recipe)"
