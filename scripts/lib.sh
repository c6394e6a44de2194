# Shared set-up steps for scripts/serve and scripts/test. Every step is idempotent and
# installs only from the Rust, Debian and npm registries.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

# Builds are reused across clones (CI clones afresh every run).
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/klaxon-target}"
export PATH="$HOME/.cargo/bin:$PATH"
# The site (pkg/: the style sheet, the public pages' script, app/<build>/) always lives in the
# checkout, whatever the target dir.
SITE_ROOT="$ROOT/target/site"
WASM_BINDGEN_VERSION="$(sed -n 's/^wasm-bindgen = "=\(.*\)"/\1/p' Cargo.toml)"
# wasm_split_cli_support's `wasm-split-cli`, which cuts the app's WASM into chunks
WASM_SPLIT_VERSION="0.2.4"

log() { printf '\033[1m== %s\033[0m\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

apt_install() {
  local missing=()
  # installed, not merely known (a removed package keeps its configuration files)
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing Debian packages: ${missing[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
}

ensure_wasm_toolchain() {
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    log "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
  if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
    log "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (a few minutes, once)"
    # no --locked: its lock file names a crate version the registry lacks
    cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
  fi
  # the splitter that cuts the app's WASM into a main module and one chunk per page
  if ! cargo install --list | grep -qx "wasm_split_cli_support v$WASM_SPLIT_VERSION:"; then
    log "installing wasm_split_cli_support $WASM_SPLIT_VERSION (a few minutes, once)"
    cargo install wasm_split_cli_support --version "$WASM_SPLIT_VERSION" --features build-binary --locked --force
  fi
  # wasm-strip, for the chunks' custom sections (names the splitter leaves in)
  apt_install wabt
}

# Builds the browser's files into target/site/pkg: the site's own (style sheet, the public
# pages' script) beside it, the internal app as a set in pkg/app/<build>/ (see
# app/src/server/assets.rs): its script and main WASM, the chunks' loader and one chunk per
# page, named by the routes in app/src/routes.rs.
build_site() {
  ensure_wasm_toolchain
  log "building the browser bundle (wasm)"
  cargo build -p frontend --lib --target wasm32-unknown-unknown --profile wasm-release
  local pkg="$SITE_ROOT/pkg" tmp f
  mkdir -p "$pkg/app"
  tmp="$(mktemp -d)"
  mkdir "$tmp/split" "$tmp/app"
  wasm-split-cli --target web --out-name klaxon \
    "$CARGO_TARGET_DIR/wasm32-unknown-unknown/wasm-release/frontend.wasm" "$tmp/split"
  wasm-bindgen --target web --no-typescript --keep-lld-exports --no-demangle \
    --remove-name-section --remove-producers-section \
    --out-dir "$tmp/app" --out-name klaxon "$tmp/split/klaxon.wasm"
  mv -f "$tmp/app/klaxon_bg.wasm" "$tmp/app/klaxon.wasm"
  rm -f "$tmp/split/klaxon.wasm"
  for f in "$tmp/split"/*; do
    case "$f" in *.wasm) wasm-strip "$f" ;; esac
    mv "$f" "$tmp/app/"
  done
  # the build is named by everything in it
  local build previous
  build="$(cd "$tmp/app" && sha256sum -- * | sha256sum | cut -c1-16)"
  previous="$(cat "$pkg/app/current" 2>/dev/null || true)"
  if [ ! -d "$pkg/app/$build" ]; then
    mv "$tmp/app" "$pkg/app/$build"
    precompress "$pkg/app/$build"
  fi
  printf '%s\n' "$build" > "$pkg/app/current.tmp" && mv -f "$pkg/app/current.tmp" "$pkg/app/current"
  # keep this build and the one before it (pages opened before the deploy load its chunks)
  for f in "$pkg/app"/*/; do
    f="${f%/}"
    case "${f##*/}" in "$build"|"$previous") ;; *) rm -rf "$f" ;; esac
  done
  # the site's own files; replace only what changed, so they keep their compressed copies
  rm -f "$pkg"/klaxon.js* "$pkg"/klaxon.wasm*
  cat style/*.css > "$tmp/klaxon.css"
  cp frontend/status.js "$tmp/status.js"
  for f in "$tmp"/*; do
    [ -f "$f" ] || continue
    cmp -s "$f" "$pkg/${f##*/}" || cp -f "$f" "$pkg/"
  done
  rm -rf "$tmp"
  precompress "$pkg"
}

# gzip and brotli copies of every file of a folder, made once here instead of per request;
# the server serves them beside their files (a copy older than its file is ignored).
precompress() {
  apt_install brotli
  local f
  for f in "$1"/*; do
    [ -f "$f" ] || continue
    case "$f" in *.gz|*.br) continue ;; esac
    [ "$f.gz" -nt "$f" ] || gzip -9 -n -c "$f" > "$f.gz"
    [ "$f.br" -nt "$f" ] || brotli -q 11 -n -f -o "$f.br" "$f"
  done
}

ensure_chromium() {
  apt_install chromium fonts-liberation
}

# A PostgreSQL server on 127.0.0.1:5432 with trust auth and a `test` database.
ensure_postgres() {
  if pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null && psql -h 127.0.0.1 -U postgres -d test -Atc 'select 1' >/dev/null 2>&1; then
    return 0
  fi
  if ! command -v pg_ctlcluster >/dev/null 2>&1 || [ -z "$(ls /etc/postgresql 2>/dev/null)" ]; then
    apt_install postgresql
  fi
  local ver
  ver="$(ls /etc/postgresql | sort -V | tail -n1)"
  log "starting PostgreSQL $ver"
  local hba="/etc/postgresql/$ver/main/pg_hba.conf"
  if ! grep -q '^host all all 127.0.0.1/32 trust' "$hba"; then
    as_root sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\nlocal all all trust' "$hba"
  fi
  as_root pg_ctlcluster --skip-systemctl-redirect "$ver" main start 2>/dev/null || as_root pg_ctlcluster --skip-systemctl-redirect "$ver" main reload
  for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
  psql -h 127.0.0.1 -U postgres -Atc "select 1 from pg_database where datname='test'" | grep -q 1 \
    || psql -h 127.0.0.1 -U postgres -c 'create database test' >/dev/null
}

# Python packages the tests drive Klaxon with: a real iCalendar parser, PagerDuty's own
# Events API client, and an SMTP server that files what it receives (aiosmtpd).
ensure_python_packages() {
  if ! python3 -c 'import icalendar, pagerduty, aiosmtpd' 2>/dev/null; then
    log "installing the Python test packages"
    python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore icalendar pagerduty aiosmtpd
  fi
}

# Prometheus Alertmanager (Debian's), which the tests run against Klaxon's webhook.
ensure_alertmanager() {
  apt_install prometheus-alertmanager
}

ensure_node_modules() {
  if [ ! -d end2end/node_modules/@playwright/test ] || [ end2end/package-lock.json -nt end2end/node_modules/.package-lock.json ]; then
    log "installing the end-to-end test packages"
    (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
  fi
}
