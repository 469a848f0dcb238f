#!/usr/bin/env bash
# Installs the modelgate binary for the GitHub Action (action.yml, step `install`).
#
# Which version: the `version` input, else the ref the workflow pinned the action at
# (`uses: modelgate/modelgate@<ref>`):
#   vX.Y.Z      that release;
#   vN, vN.M    the newest stable release vN.* (vN.M.*), from the repository's tags;
#   a full SHA  the release tagged at that commit; a commit without a release tag is built
#               from the action's own checkout (which is that commit);
#   latest      the newest stable release tag;
#   a branch    the newest stable release, with a notice (pin a tag or a SHA).
# The binary comes from the release's archive, verified against its SHA256SUMS, and is
# kept in the runner's tool cache ($RUNNER_TOOL_CACHE/modelgate/<version>/<arch>, with the
# `<arch>.complete` marker actions/tool-cache uses), so a self-hosted runner downloads it
# once. Only a 404 of that exact version's archive (no binary for this platform, or a
# release still building) falls back to `cargo install --locked` of that exact version;
# any other failure, and a checksum mismatch, fails the step.
#
# Inputs arrive as environment variables only (INPUT_VERSION), never as `${{ }}` text.
set -euo pipefail

# Workflow commands are read from stdout and stderr; stderr also from inside $( ).
fail() { echo "::error title=modelgate::$*" >&2; exit 2; }
note() { echo "::notice title=modelgate::$*"; }

# Forward slashes also on Windows, where these paths use backslashes.
action_path="${GITHUB_ACTION_PATH//\\//}"
runner_temp="${RUNNER_TEMP//\\//}"
tool_cache="${RUNNER_TOOL_CACHE:-$runner_temp/tool-cache}"
tool_cache="${tool_cache//\\//}"
server="${GITHUB_SERVER_URL:-https://github.com}"
proto="${MODELGATE_CURL_PROTO:-=https}"

exe=modelgate
case "${RUNNER_OS:-}/${RUNNER_ARCH:-}" in
  Linux/X64)     target=x86_64-unknown-linux-musl ;;
  Linux/ARM64)   target=aarch64-unknown-linux-musl ;;
  macOS/X64)     target=x86_64-apple-darwin ;;
  macOS/ARM64)   target=aarch64-apple-darwin ;;
  Windows/X64)   target=x86_64-pc-windows-msvc; exe=modelgate.exe ;;
  *)             target="" ;;
esac
arch="$(printf '%s' "${RUNNER_ARCH:-unknown}" | tr '[:upper:]' '[:lower:]')"

# The action's repository and ref, from its checkout path (.../_actions/OWNER/REPO/REF):
# the github.action_* contexts are empty in composite actions.
repo="" ref=""
case "$action_path" in
  */_actions/*/*/*)
    rest="${action_path#*/_actions/}"
    owner="${rest%%/*}"; rest="${rest#*/}"
    name="${rest%%/*}"; ref="${rest#*/}"
    repo="$owner/$name" ;;
esac

stable='^v[0-9]+\.[0-9]+\.[0-9]+$'

# "<commit> <tag>" for every stable release tag, newest first (annotated tags peeled to
# their commit).
tags() {
  git ls-remote --tags "$server/$repo" 'v*' \
    | awk '{ r = $2; sub("^refs/tags/", "", r);
             if (sub("\\^\\{\\}$", "", r)) peeled[r] = $1; else plain[r] = $1 }
           END { for (r in plain) print ((r in peeled) ? peeled[r] : plain[r]), r }' \
    | awk -v re="$stable" '$2 ~ re' \
    | sort -k2,2 -V -r
}

from_checkout=""   # set when the version to build is the action's own checkout
resolve() {
  local v="$1" hit
  if ! [[ "$v" =~ ^v[0-9]+\.[0-9]+\.[0-9]+ ]] && [ -z "$repo" ]; then
    fail "cannot tell the action's repository from $action_path to resolve $v; set the version input to vX.Y.Z"
  fi
  if [[ "$v" =~ ^v[0-9]+\.[0-9]+\.[0-9]+[-.A-Za-z0-9]*$ ]]; then
    echo "$v"
  elif [[ "$v" =~ ^v[0-9]+(\.[0-9]+)?$ ]]; then
    hit="$(tags | awk -v p="$v." 'index($2, p) == 1 { print $2; exit }')"
    [ -n "$hit" ] || fail "no release matches $v (looked for the newest $v.* tag in $server/$repo)"
    echo "$hit"
  elif [[ "$v" =~ ^[0-9a-f]{40}$ ]]; then
    hit="$(tags | awk -v s="$v" '$1 == s { print $2; exit }')"
    echo "${hit:-}"
  elif [ "$v" = latest ]; then
    hit="$(tags | awk 'NR == 1 { print $2 }')"
    [ -n "$hit" ] || fail "no release tag in $server/$repo"
    echo "$hit"
  else
    fail "version must be latest, vN, vN.M, vX.Y.Z or a full commit SHA (got: $v)"
  fi
}

requested="${INPUT_VERSION:-}"
if [ -z "$requested" ]; then
  if [[ "$ref" =~ ^(v[0-9]+(\.[0-9]+){0,2}([-.A-Za-z0-9]*)|[0-9a-f]{40})$ ]]; then
    requested="$ref"
  else
    note "the action is used at ${ref:-an unknown ref}, not a release tag or SHA: installing the newest release (pin uses: modelgate/modelgate@vN or a commit SHA)"
    requested=latest
  fi
fi
version="$(resolve "$requested")"
if [ -z "$version" ]; then
  # A SHA without a release tag: the action's checkout is exactly that commit.
  from_checkout=yes
  version="${requested:0:12}"
  note "commit $requested has no release tag: building modelgate from the action's checkout"
elif [ "$version" = "$ref" ] || { [ "$requested" = "$ref" ] && [[ "$ref" =~ ^[0-9a-f]{40}$ ]]; }; then
  # The action's checkout is that release's source.
  from_checkout=yes
fi

dir="$tool_cache/modelgate/${version#v}/$arch"
bin="$dir/$exe"

sha256() { if command -v sha256sum >/dev/null; then sha256sum "$1"; else shasum -a 256 "$1"; fi | cut -d' ' -f1; }

# HTTP status of a download to $2 ("000" when the server was not reached).
fetch() { curl -sSL --proto "$proto" --retry 3 -w '%{http_code}' -o "$2" "$1" 2>/dev/null || true; }

build() {
  command -v cargo >/dev/null || fail "no release binary for ${target:-this runner} at $version, and no cargo to build it (install Rust with rustup first)"
  local root="$runner_temp/modelgate-cargo"
  if [ -n "$from_checkout" ]; then
    cargo install --locked --quiet --root "$root" --path "$action_path"
  else
    cargo install --locked --quiet --root "$root" --git "$server/$repo" --tag "$version" modelgate
  fi
  mkdir -p "$dir"
  cp "$root/bin/$exe" "$dir/"
}

installed=""
if [ -f "$dir.complete" ] && [ -x "$bin" ]; then
  installed="$version from the tool cache"
elif [ -n "$from_checkout" ] && [ "${version:0:1}" != v ]; then
  build
  installed="$version built from the action's checkout"
elif [ -z "$target" ]; then
  build
  installed="$version built from source (no release binary for ${RUNNER_OS:-?}/${RUNNER_ARCH:-?})"
else
  command -v curl >/dev/null || fail "curl is needed to download modelgate; install it in an earlier step (apt-get install -y curl)"
  [ -n "$repo" ] || fail "cannot tell the action's repository from $action_path"
  asset="modelgate-${target}.tar.gz"
  base="$server/$repo/releases/download/$version"
  tmp="$(mktemp -d)"
  code="$(fetch "$base/$asset" "$tmp/$asset")"
  case "$code" in
    200)
      sums="$(fetch "$base/SHA256SUMS" "$tmp/SHA256SUMS")"
      [ "$sums" = 200 ] || { echo "::error title=modelgate::cannot download $base/SHA256SUMS (HTTP $sums)"; exit 1; }
      want="$(awk -v a="$asset" '$2 == a || $2 == "*"a { print $1 }' "$tmp/SHA256SUMS")"
      got="$(sha256 "$tmp/$asset")"
      if [ -z "$want" ] || [ "$want" != "$got" ]; then
        # A mismatch is a tampered or broken download: never fall back.
        echo "::error title=modelgate::checksum mismatch for $asset (expected ${want:-none}, got $got)"
        exit 1
      fi
      mkdir -p "$dir"
      tar -xzf "$tmp/$asset" -C "$dir"
      installed="release $version ($target)"
      ;;
    404)
      note "no release binary $asset for $version (HTTP 404): building $version from source with cargo install --locked"
      build
      installed="$version built from source"
      ;;
    *)
      echo "::error title=modelgate::downloading $base/$asset failed (HTTP $code); not building another version instead"
      exit 1
      ;;
  esac
  rm -rf "$tmp"
fi
chmod +x "$bin" 2>/dev/null || true
touch "$dir.complete"
echo "modelgate: $("$bin" --version) ($installed)"
echo "bin=$bin" >> "$GITHUB_OUTPUT"
if [ -n "${GITHUB_PATH:-}" ]; then echo "$dir" >> "$GITHUB_PATH"; fi
