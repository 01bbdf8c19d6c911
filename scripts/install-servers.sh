#!/usr/bin/env bash
# Ensure redis-server (Debian bookworm, 7.0) and valkey-server (bookworm-backports, 8.0) are
# installed, together with their CLIs (redis-cli, valkey-cli), for the integration tests, and
# the openssl CLI (the TLS tests make their certificates with it at run time), memcached and
# PostgreSQL (bookworm; the Keyv-backed provider's conformance runs on both: the harness starts
# its own memcached and its own throwaway PostgreSQL cluster with initdb, never the services),
# and Chromium (bookworm's chromium package, /usr/bin/chromium: the docs site's browser test
# drives it headless through playwright-core, which never downloads a browser).
#
# - Installs only what is missing; a second run only prints versions.
# - Adds the bookworm-backports suite (needed for valkey) by reusing the mirror URI and
#   Signed-By of the existing bookworm entry, read at run time from the apt configuration.
# - Prevents Debian's maintainer scripts from starting system daemons (a temporary
#   /usr/sbin/policy-rc.d exiting 101) and stops/disables any service that got started
#   anyway: the tests start their own servers on random ports.
set -euo pipefail

SUITE=bookworm
BACKPORTS="${SUITE}-backports"
DEB822_SOURCES=/etc/apt/sources.list.d/debian.sources
BACKPORTS_SOURCES=/etc/apt/sources.list.d/${BACKPORTS}.sources
POLICY_RC=/usr/sbin/policy-rc.d

log() { printf '[install-servers] %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

# Path of a binary if installed (PATH first, then /usr/bin), empty otherwise.
find_bin() {
  local p
  if p="$(command -v "$1" 2>/dev/null)" && [ -n "$p" ]; then
    printf '%s\n' "$p"
  elif [ -x "/usr/bin/$1" ]; then
    printf '%s\n' "/usr/bin/$1"
  fi
}
have_bin() { [ -n "$(find_bin "$1")" ]; }

print_versions() {
  local b
  for b in redis-server redis-cli valkey-server valkey-cli openssl memcached chromium; do
    if have_bin "$b"; then
      local flag=--version
      [ "$b" = openssl ] && flag=version
      # Debian's chromium launcher script prints a shell warning on stderr before the version.
      if [ "$b" = chromium ]; then
        printf '%-14s %s\n' "$b:" "$("$(find_bin "$b")" "$flag" 2>/dev/null | head -n 1)"
        continue
      fi
      printf '%-14s %s\n' "$b:" "$("$(find_bin "$b")" "$flag" 2>&1 | head -n 1)"
    else
      printf '%-14s %s\n' "$b:" "NOT INSTALLED"
    fi
  done
  if have_postgres; then
    printf '%-14s %s\n' "postgres:" "$("$(postgres_initdb)" --version 2>&1 | head -n 1)"
  else
    printf '%-14s %s\n' "postgres:" "NOT INSTALLED"
  fi
}

# The server binaries of Debian's postgresql package live outside PATH.
postgres_initdb() { ls -1 /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1; }
have_postgres() { [ -n "$(postgres_initdb)" ] && id postgres >/dev/null 2>&1; }

# ---------------------------------------------------------------------------------------------
# What is missing?
# ---------------------------------------------------------------------------------------------
main_pkgs=()
backports_pkgs=()
have_bin redis-server || main_pkgs+=(redis-server)
# redis-server depends on redis-tools; only ask for it explicitly when the server is present.
if have_bin redis-server && ! have_bin redis-cli; then main_pkgs+=(redis-tools); fi
have_bin valkey-server || backports_pkgs+=(valkey-server)
if have_bin valkey-server && ! have_bin valkey-cli; then backports_pkgs+=(valkey-tools); fi
have_bin openssl || main_pkgs+=(openssl)
have_bin memcached || main_pkgs+=(memcached)
have_postgres || main_pkgs+=(postgresql)
have_bin chromium || main_pkgs+=(chromium)

if [ "${#main_pkgs[@]}" -eq 0 ] && [ "${#backports_pkgs[@]}" -eq 0 ]; then
  print_versions
  exit 0
fi

# ---------------------------------------------------------------------------------------------
# Privileges
# ---------------------------------------------------------------------------------------------
SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
  else
    missing=("${main_pkgs[@]}" "${backports_pkgs[@]}")
    die "need to install ${missing[*]} but not running as root and sudo is not available; re-run as root (or install sudo)"
  fi
fi
as_root() { "${SUDO[@]}" "$@"; }

# ---------------------------------------------------------------------------------------------
# bookworm-backports source (only needed for valkey)
# ---------------------------------------------------------------------------------------------

# Print one field (with continuation lines, e.g. an inline Signed-By key) of the first enabled
# deb822 stanza in $1 whose Types include "deb" and whose Suites include exactly $SUITE.
deb822_field() {
  local file="$1" field="$2"
  awk -v suite="$SUITE" -v want="$field" '
    function flush() {
      if (n > 0 && is_deb && has_suite && enabled && (want in val)) { print val[want]; found = 1; exit }
      delete val; n = 0; is_deb = 0; has_suite = 0; enabled = 1; cur = ""
    }
    BEGIN { enabled = 1 }
    /^[[:space:]]*#/ { next }
    /^[[:space:]]*$/ { flush(); next }
    /^[[:space:]]/ { if (cur != "") val[cur] = val[cur] "\n" $0; next }
    {
      n++
      i = index($0, ":"); if (i == 0) next
      key = tolower(substr($0, 1, i - 1)); v = substr($0, i + 1); sub(/^[[:space:]]+/, "", v); sub(/[[:space:]]+$/, "", v)
      cur = key; val[key] = v
      if (key == "types") { split(v, t, /[[:space:]]+/); for (j in t) if (t[j] == "deb") is_deb = 1 }
      if (key == "suites") { split(v, s, /[[:space:]]+/); for (j in s) if (s[j] == suite) has_suite = 1 }
      if (key == "enabled" && tolower(v) == "no") enabled = 0
    }
    END { if (!found) flush() }
  ' "$file"
}

# One-line format: "deb [options] URI SUITE components..."; prints "URI<TAB>signed-by-or-empty".
oneline_entry() {
  local f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -r "$f" ] || continue
    awk -v suite="$SUITE" '
      /^[[:space:]]*deb[[:space:]]/ {
        line = $0; sub(/^[[:space:]]*deb[[:space:]]+/, "", line)
        signed = ""
        if (substr(line, 1, 1) == "[") {
          opts = substr(line, 2, index(line, "]") - 2); line = substr(line, index(line, "]") + 1)
          n = split(opts, o, /[[:space:]]+/)
          for (i = 1; i <= n; i++) if (o[i] ~ /^signed-by=/) { signed = o[i]; sub(/^signed-by=/, "", signed) }
        }
        n = split(line, w, /[[:space:]]+/); k = 0
        for (i = 1; i <= n; i++) if (w[i] != "") ww[++k] = w[i]
        if (k >= 2 && ww[2] == suite) { printf "%s\t%s\n", ww[1], signed; exit }
      }
    ' "$f" | head -n 1
  done | head -n 1
}

backports_configured() {
  [ -e "$BACKPORTS_SOURCES" ] && return 0
  grep -rqsE --include='*.list' --include='*.sources' \
    "^[^#]*([[:space:]]|^)${BACKPORTS}([[:space:]]|$)" \
    /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null
}

ensure_backports() {
  if backports_configured; then
    log "${BACKPORTS} already configured"
    return 0
  fi
  local uri="" signed_by=""
  if [ -r "$DEB822_SOURCES" ]; then
    uri="$(deb822_field "$DEB822_SOURCES" uris | head -n 1 | awk '{print $1}')"
    signed_by="$(deb822_field "$DEB822_SOURCES" signed-by || true)"
  fi
  if [ -z "$uri" ]; then
    local entry
    entry="$(oneline_entry || true)"
    if [ -n "$entry" ]; then
      uri="${entry%%$'\t'*}"
      signed_by="${entry#*$'\t'}"
    fi
  fi
  [ -n "$uri" ] || die "could not find a '${SUITE}' apt source (in $DEB822_SOURCES or sources.list) to derive the ${BACKPORTS} mirror from"
  if [ -z "$signed_by" ] && [ -r /usr/share/keyrings/debian-archive-keyring.gpg ]; then
    signed_by=/usr/share/keyrings/debian-archive-keyring.gpg
  fi
  log "adding ${BACKPORTS} (${uri}) as ${BACKPORTS_SOURCES}"
  {
    printf 'Types: deb\n'
    printf 'URIs: %s\n' "$uri"
    printf 'Suites: %s\n' "$BACKPORTS"
    printf 'Components: main\n'
    if [ -n "$signed_by" ]; then printf 'Signed-By: %s\n' "$signed_by"; fi
  } | as_root tee "$BACKPORTS_SOURCES" >/dev/null
}

if [ "${#backports_pkgs[@]}" -gt 0 ]; then
  ensure_backports
fi

# ---------------------------------------------------------------------------------------------
# Install without starting system daemons
# ---------------------------------------------------------------------------------------------
policy_backup=""
cleanup_policy() {
  if [ -n "$policy_backup" ]; then
    as_root mv -f "$policy_backup" "$POLICY_RC" || true
  else
    as_root rm -f "$POLICY_RC" || true
  fi
}
if [ -e "$POLICY_RC" ]; then
  policy_backup="$(as_root mktemp "${POLICY_RC}.bak.XXXXXX")"
  as_root cp -p "$POLICY_RC" "$policy_backup"
fi
trap cleanup_policy EXIT
printf '#!/bin/sh\n# temporary, written by install-servers.sh: do not start services\nexit 101\n' |
  as_root tee "$POLICY_RC" >/dev/null
as_root chmod 0755 "$POLICY_RC"

apt_install() {
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@"
}

log "apt-get update"
as_root apt-get update
if [ "${#main_pkgs[@]}" -gt 0 ]; then
  log "installing ${main_pkgs[*]}"
  apt_install "${main_pkgs[@]}"
fi
if [ "${#backports_pkgs[@]}" -gt 0 ]; then
  log "installing ${backports_pkgs[*]} from ${BACKPORTS}"
  apt_install -t "$BACKPORTS" "${backports_pkgs[@]}"
fi

cleanup_policy
trap - EXIT

# Belt and braces: if a daemon got started anyway (or is enabled at boot), stop and disable it.
for svc in redis-server valkey-server memcached postgresql; do
  if command -v service >/dev/null 2>&1; then
    as_root service "$svc" stop >/dev/null 2>&1 || true
  fi
  if command -v systemctl >/dev/null 2>&1; then
    as_root systemctl stop "$svc" >/dev/null 2>&1 || true
    as_root systemctl disable "$svc" >/dev/null 2>&1 || true
  fi
done

have_bin redis-cli || die "redis-cli is still missing after installing redis-server (package redis-tools)"
have_bin valkey-cli || die "valkey-cli is still missing after installing valkey-server (package valkey-tools)"
have_bin openssl || die "openssl is still missing after installing it"
have_bin memcached || die "memcached is still missing after installing it"
have_postgres || die "initdb (package postgresql) is still missing after installing it"
have_bin chromium || die "chromium is still missing after installing it"

print_versions
