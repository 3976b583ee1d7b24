#!/usr/bin/env bash
# Builds the release binary and writes the Debian package dist/awskeyring-helper_<version>_<arch>.deb:
# /usr/bin/awskeyring-helper (stripped), the man page, bash/zsh/fish completions and the copyright file
# (scripts/lib/install-layout.sh). Its Version is the tool's `--version` (scripts/version.sh); Depends
# names what dpkg-shlibdeps finds in the binary plus the libraries it loads with dlopen, which no tool
# can see. lintian must report no errors. The path of the package is the last line printed.
#
#   scripts/package-deb.sh
#   sudo apt install ./dist/awskeyring-helper_*.deb
#
# Nothing in the checkout changes but .build (the build) and dist/ (both git-ignored).
# AWSKEYRING_HELPER_MAINTAINER sets the Maintainer field; AWSKEYRING_HELPER_LINTIAN_FAIL_ON the lintian
# levels that fail the build (default: error; CI: error,warning).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/install-layout.sh

fail() {
  echo "package-deb.sh: $*" >&2
  exit 1
}

for tool in dpkg-deb dpkg-shlibdeps lintian readelf strip gzip md5sum; do
  command -v "$tool" >/dev/null || fail "$tool is missing: run scripts/install-deps.sh"
done

version="$(scripts/version.sh)"
arch="$(dpkg --print-architecture)"
maintainer="${AWSKEYRING_HELPER_MAINTAINER:-awskeyring-helper contributors <awskeyring-helper@users.noreply.github.com>}"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
bin="$(install_layout_build)"
# From the release programs just built: no second build of the tool.
echo "== man page" >&2
manpage="$(scripts/generate-manual.sh "$work/man")"

root="$work/root"
install_layout_stage "$root" /usr share/zsh/vendor-completions "$bin" "$manpage"

# A native package (no Debian revision) keeps its changelog as changelog.gz.
{
  echo "awskeyring-helper ($version) unstable; urgency=medium"
  echo
  echo "  * Release $version; see the project's history for the changes."
  echo
  echo " -- $maintainer  $(date -R -u -d "@$(git log -1 --format=%ct 2>/dev/null || date +%s)")"
} | gzip -9n >"$root/usr/share/doc/awskeyring-helper/changelog.gz"
chmod 0644 "$root/usr/share/doc/awskeyring-helper/changelog.gz"

# Libraries the binary names (libc6, libgcc-s1), from their shlibs/symbols files.
# dpkg-shlibdeps reads a debian/control, so it runs in the scratch folder.
mkdir -p "$work/debian"
printf 'Source: awskeyring-helper\n\nPackage: awskeyring-helper\nArchitecture: any\n' >"$work/debian/control"
shlibs="$(cd "$work" && dpkg-shlibdeps -O -e root/usr/bin/awskeyring-helper \
  -e root/usr/libexec/awskeyring-helper/awskeyring-helper-commands 2>/dev/null | sed -n 's/^shlibs:Depends=//p')"
[ -n "$shlibs" ] || fail "dpkg-shlibdeps found no dependencies in the binary"
# Libraries loaded with dlopen, which dpkg-shlibdeps cannot see:
# - libsecret-1-0 (Secret Service; 0.19.1 added secret_password_searchv_sync and SecretRetrievable),
#   which brings libglib2.0-0 (GLib, GIO, GObject; the loader calls GLib functions itself);
# - libcurl4 (STS, IAM and metadata requests);
# - libssl3 (libcrypto's HMAC-SHA-256 for signing them; libcurl4 loads it too);
# - libsystemd0 (sd-bus, the Secret Service reader on the cached path).
depends="$shlibs, libsecret-1-0 (>= 0.19.1), libglib2.0-0, libcurl4, libssl3, libsystemd0"

install -d -m 0755 "$root/DEBIAN"
(cd "$root" && find usr -type f -print0 | sort -z | xargs -0 md5sum) >"$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/md5sums"
cat >"$root/DEBIAN/control" <<CONTROL
Package: awskeyring-helper
Version: $version
Architecture: $arch
Maintainer: $maintainer
Installed-Size: $(du -k -s --exclude=DEBIAN "$root" | cut -f1)
Depends: $depends
Section: utils
Priority: optional
Description: AWS credentials from the OS keyring, for credential_process
 Keeps long-lived AWS access keys in the freedesktop Secret Service (GNOME
 Keyring, KeePassXC, ...) instead of ~/.aws/credentials, and hands them to
 every AWS SDK and the AWS CLI through the standard credential_process
 setting. It reads ~/.aws/config as botocore does, assumes roles and gets
 MFA sessions with STS itself, and caches the temporary credentials in the
 keyring.
CONTROL
chmod 0644 "$root/DEBIAN/control"

mkdir -p dist
deb="dist/awskeyring-helper_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >&2

echo "== lintian $deb" >&2
fail_on="${AWSKEYRING_HELPER_LINTIAN_FAIL_ON:-error}"
lintian --fail-on "$fail_on" --display-info "$deb" >&2 || fail "lintian reports problems ($fail_on) in $deb"
echo "$deb"
