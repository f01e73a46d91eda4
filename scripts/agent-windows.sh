#!/usr/bin/env bash
# `make agent-test-windows`: dist/ax-sync-client.exe under Wine against the real server on loopback.
# Debian bookworm's Wine 8 aborts Node 24 (SegmentedTable::InitializeTable), so Wine 10 comes from a
# Debian trixie chroot made once with debootstrap and cached outside the repo (about 2.2 GB). The
# server, worker and ERP simulator run on the host; the chroot shares its network namespace, so the
# .exe reaches them on 127.0.0.1. Needs root (debootstrap, chroot, mount) and deb.debian.org.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CHROOT=${AGENT_WINE_CHROOT:-/var/cache/parse-sync/trixie-wine}
MIRROR=${AGENT_WINE_MIRROR:-http://deb.debian.org/debian}
EXE="$ROOT/dist/ax-sync-client.exe"

log() { printf '[agent-windows] %s\n' "$*"; }

if [ "$(id -u)" != 0 ]; then
  echo "make agent-test-windows needs root (debootstrap, chroot and mount)" >&2
  exit 2
fi
[ -f "$EXE" ] || { echo "missing $EXE: run make agent first" >&2; exit 2; }

if ! command -v debootstrap >/dev/null; then
  log "installing debootstrap"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap
fi

# The chroot is built in a staging folder and renamed when complete, so an interrupted build is
# started over instead of being taken for a good one.
if [ ! -f "$CHROOT/.parse-sync-ready" ]; then
  staging="$CHROOT.partial"
  log "building the trixie + Wine chroot in $CHROOT (once; a few minutes, about 2.2 GB)"
  rm -rf --one-file-system "$staging"
  mkdir -p "$(dirname "$CHROOT")"
  debootstrap --variant=minbase trixie "$staging" "$MIRROR"
  mount -t proc proc "$staging/proc"
  trap 'umount "$staging/proc" 2>/dev/null || true' EXIT
  chroot "$staging" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
    sh -c 'apt-get update -qq && apt-get install -y -qq --no-install-recommends wine wine64 ca-certificates'
  chroot "$staging" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin apt-get clean
  umount "$staging/proc"
  trap - EXIT
  rm -rf --one-file-system "$CHROOT"
  mv "$staging" "$CHROOT"
  touch "$CHROOT/.parse-sync-ready"
fi

# A fresh work folder per run, bind-mounted at the same path inside the chroot so both sides name
# the agent's files alike. Mounts come off on any exit.
WORK=$(mktemp -d /tmp/ax-sync-wine.XXXXXX)
mkdir -p "$CHROOT$WORK"
mkdir -p -m 700 "$CHROOT/run/user/0" # Wine wants an XDG_RUNTIME_DIR
mounted=()
cleanup() {
  local rc=$?
  chroot "$CHROOT" /usr/bin/env -i PATH=/usr/bin:/bin WINEPREFIX=/root/.wine-parse-sync wineserver -k 2>/dev/null || true
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
    umount "${mounted[i]}" 2>/dev/null || umount -l "${mounted[i]}" 2>/dev/null || true
  done
  rmdir "$CHROOT$WORK" 2>/dev/null || true
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT INT TERM
mount -t proc proc "$CHROOT/proc" && mounted+=("$CHROOT/proc")
mount --bind /dev "$CHROOT/dev" && mounted+=("$CHROOT/dev")
mount --bind "$WORK" "$CHROOT$WORK" && mounted+=("$CHROOT$WORK")

if [ ! -f "$CHROOT/root/.wine-parse-sync/.parse-sync-ready" ]; then
  log "initialising the WINEPREFIX (once)"
  # Wine's tools, like node.exe, misbehave when stdout is a pipe: their output goes to a file.
  chroot "$CHROOT" /usr/bin/env -i PATH=/usr/bin:/bin HOME=/root WINEPREFIX=/root/.wine-parse-sync WINEDEBUG=-all \
    wineboot -i >"$WORK/wineboot.log" 2>&1 || { cat "$WORK/wineboot.log" >&2; exit 1; }
  chroot "$CHROOT" /usr/bin/env -i PATH=/usr/bin:/bin WINEPREFIX=/root/.wine-parse-sync wineserver -w
  touch "$CHROOT/root/.wine-parse-sync/.parse-sync-ready"
fi

# The agent's install folder: the .exe with its files beside it, as on a Windows server.
cp "$EXE" "$WORK/ax-sync-client.exe"
log "$(chroot "$CHROOT" /usr/bin/env -i PATH=/usr/bin:/bin WINEDEBUG=-all wine --version) in $CHROOT, agent folder $WORK"
# The test runner brings its own PostgreSQL; the ERP is the simulator (Babelfish is for make test).
cd "$ROOT"
AGENT_WINE_CHROOT="$CHROOT" AGENT_WINE_WORK="$WORK" ERP_TARGET=simulator \
  node --import tsx test/run-suite.ts test/agent-windows/agent-windows.wine.ts
