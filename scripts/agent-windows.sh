#!/usr/bin/env bash
# `make agent-test-windows`: dist/ax-sync-client.exe under Wine against the real server on loopback.
# Debian bookworm's Wine 8 aborts Node 24 (SegmentedTable::InitializeTable), so Wine 10 comes from a
# Debian trixie chroot made once with debootstrap and cached outside the repo (about 2 GB). The
# server and the ERP simulator run on the host (test/agent-windows/agent-windows.wine.ts starts them
# with test/agent-exe's helpers); the chroot shares the host's network namespace, so the .exe reaches
# them on 127.0.0.1. Needs root (debootstrap, chroot, mount) and deb.debian.org.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
export PATH="$ROOT/node_modules/.bin:$PATH" # Node 24 from the project, not the system's
CHROOT=${AGENT_WINE_CHROOT:-/var/cache/parse-sync/trixie-wine}
MIRROR=${AGENT_WINE_MIRROR:-http://deb.debian.org/debian}
EXE="$ROOT/dist/ax-sync-client.exe"

log() { printf '[agent-windows %s] %s\n' "$(date -u +%T)" "$*"; }

if [ "$(id -u)" != 0 ]; then
  echo "make agent-test-windows needs root (debootstrap, chroot and mount)" >&2
  exit 2
fi
[ -f "$EXE" ] || { echo "missing $EXE: run make agent first" >&2; exit 2; }

# One run at a time: runs would share the WINEPREFIX, and each one's cleanup stops its wineserver.
mkdir -p "$(dirname "$CHROOT")"
exec 9>"$CHROOT.lock"
flock -n 9 || { echo "another make agent-test-windows is using $CHROOT" >&2; exit 1; }

if ! command -v debootstrap >/dev/null; then
  log "installing debootstrap"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap
fi

# The chroot is built in a staging folder and renamed when complete, so an interrupted build is
# started over instead of being taken for a good one. Its long output goes to $CHROOT.build.log.
if [ ! -f "$CHROOT/.parse-sync-ready" ]; then
  staging="$CHROOT.partial"
  buildlog="$CHROOT.build.log"
  failed() { echo "building the chroot failed; end of $buildlog:" >&2; tail -40 "$buildlog" >&2; exit 1; }
  log "building the trixie + Wine chroot in $CHROOT (once; about 4 min and 2 GB; log in $buildlog)"
  rm -rf --one-file-system "$staging"
  log "debootstrap --variant=minbase trixie $MIRROR"
  debootstrap --variant=minbase trixie "$staging" "$MIRROR" >"$buildlog" 2>&1 || failed
  mount -t proc proc "$staging/proc"
  trap 'umount "$staging/proc" 2>/dev/null || true' EXIT
  log "apt-get install --no-install-recommends wine wine64 (in the chroot)"
  chroot "$staging" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
    sh -c 'apt-get update -qq && apt-get install -y -qq --no-install-recommends wine wine64 ca-certificates && apt-get clean' \
    >>"$buildlog" 2>&1 || failed
  umount "$staging/proc"
  trap - EXIT
  rm -rf --one-file-system "$CHROOT"
  mv "$staging" "$CHROOT"
  touch "$CHROOT/.parse-sync-ready"
  log "chroot ready: $(du -sh "$CHROOT" | cut -f1)"
fi

# A fresh work folder per run, bind-mounted at the same path inside the chroot so both sides name
# the agent's files alike. Mounts come off on any exit.
WORK=$(mktemp -d /tmp/ax-sync-wine.XXXXXX)
mkdir -p "$CHROOT$WORK"
mkdir -p -m 700 "$CHROOT/run/user/0" # Wine wants an XDG_RUNTIME_DIR
mounted=()
cleanup() {
  local rc=$?
  # Stop the Wine processes and wait for them, so that nothing holds the mounts taken off below.
  chroot "$CHROOT" /usr/bin/env -i PATH=/usr/bin:/bin WINEPREFIX=/root/.wine-parse-sync sh -c 'wineserver -k; wineserver -w' 2>/dev/null || true
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
    umount "${mounted[i]}" 2>/dev/null || umount -l "${mounted[i]}" 2>/dev/null || true
  done
  rmdir "$CHROOT$WORK" 2>/dev/null || true
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
# A run killed with SIGKILL leaves its mounts: they are reused, and taken off by this run.
mountpoint -q "$CHROOT/proc" || mount -t proc proc "$CHROOT/proc"
mounted+=("$CHROOT/proc")
mountpoint -q "$CHROOT/dev" || mount --bind /dev "$CHROOT/dev"
mounted+=("$CHROOT/dev")
mount --bind "$WORK" "$CHROOT$WORK"
mounted+=("$CHROOT$WORK")

if [ ! -f "$CHROOT/root/.wine-parse-sync/.parse-sync-ready" ]; then
  log "initialising the WINEPREFIX (once)"
  # Wine's tools, like node.exe, misbehave when stdout is a pipe: their output goes to a file.
  chroot "$CHROOT" /usr/bin/env -i PATH=/usr/bin:/bin HOME=/root WINEPREFIX=/root/.wine-parse-sync WINEDEBUG=-all \
    wineboot -i >"$WORK/wineboot.log" 2>&1 || { cat "$WORK/wineboot.log" >&2; exit 1; }
  chroot "$CHROOT" /usr/bin/env -i PATH=/usr/bin:/bin WINEPREFIX=/root/.wine-parse-sync wineserver -w
  touch "$CHROOT/root/.wine-parse-sync/.parse-sync-ready"
fi
log "$(chroot "$CHROOT" /usr/bin/env -i PATH=/usr/bin:/bin WINEDEBUG=-all wine --version) ready; running the test"

# The agent's install folder: the .exe with its files beside it, as on a Windows server.
cp "$EXE" "$WORK/ax-sync-client.exe"
log "agent folder $WORK (same path inside the chroot)"
# The test runner brings its own PostgreSQL; the ERP is the simulator (Babelfish is for make test).
cd "$ROOT"
AGENT_WINE_CHROOT="$CHROOT" AGENT_WINE_WORK="$WORK" ERP_TARGET=simulator \
  node --import tsx test/run-suite.ts test/agent-windows/agent-windows.wine.ts
log "done"
