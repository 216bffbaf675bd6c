#!/bin/sh
# Installs every Debian package loaxa's build and tests need.
#   tools/install-deps.sh          native build, tests, packaging (make deps)
#   tools/install-deps.sh --cross  arm64 + armhf cross toolchains, qemu-user and one
#                                  sysroot per architecture (make deps-cross)
# Idempotent: when everything is there it does not touch apt at all, because CI
# runs it on every build.
#
# Why sysroots and not `dpkg --add-architecture`: multiarch needs every library
# at exactly the same version for amd64 and the foreign architecture, so a host
# image a few point releases behind its mirror (or a mirror caught mid-sync)
# cannot install libssl3:arm64 & co. without upgrading the host first. A sysroot
# made of Debian's own arm64/armhf .debs, unpacked with dpkg-deb, is independent
# of the host's versions; the cross gcc takes it as --sysroot and qemu-user as -L.
set -eu

NATIVE="build-essential pkg-config libasound2-dev libasound2-plugins libmpg123-dev mpg123
libconfig-dev libcurl4-openssl-dev libsodium-dev libxml2-dev libxml2-utils libjansson-dev
libcmocka-dev libsystemd-dev libpulse-dev pulseaudio pulseaudio-utils alsa-utils sox
libsox-fmt-mp3 lame espeak-ng nginx-light minisign python3 python3-pytest python3-numpy
clang libclang-rt-14-dev valgrind hyperfine curl tzdata ca-certificates systemd
dpkg-dev debhelper devscripts lintian fakeroot adduser wrk openssl
ffmpeg libavformat-dev libavcodec-dev libswresample-dev libavutil-dev libebur128-dev
libespeak-ng-dev libgpiod-dev gpiod libseccomp-dev libmicrohttpd-dev libpq-dev postgresql
libnginx-mod-nchan chromium chromium-driver python3-selenium stress-ng"

CROSS_TOOLS="gcc-aarch64-linux-gnu gcc-arm-linux-gnueabihf binutils-aarch64-linux-gnu
binutils-arm-linux-gnueabihf qemu-user file apt dpkg"
# What the code links, fetched for each target architecture into its sysroot.
SYSROOT_PKGS="libc6-dev libasound2-dev libmpg123-dev libconfig-dev libjansson-dev
libcurl4-openssl-dev libsodium-dev libxml2-dev libsystemd-dev libcmocka-dev
libavformat-dev libavcodec-dev libswresample-dev libavutil-dev libebur128-dev
libespeak-ng-dev libgpiod-dev libseccomp-dev libmicrohttpd-dev libpq-dev"
CROSS_ARCHS="arm64 armhf"
SYSROOTS="${LOAXA_SYSROOTS:-/opt/loaxa-sysroot}"
# Bump when SYSROOT_PKGS changes so existing sysroots are rebuilt.
SYSROOT_STAMP="v2 $SYSROOT_PKGS"

if [ "$(id -u)" -eq 0 ]; then SUDO=; else SUDO=sudo; fi

# apt-get update, retried: a mirror caught mid-sync fails one index at a time.
# After three tries go on with what was fetched; the install fails loudly if it matters.
apt_update() {
    for try in 1 2 3; do
        if "$@" update -q; then return 0; fi
        echo "install-deps: apt-get update failed (try $try of 3)" >&2
        sleep $((try * 3))
    done
}

missing_packages() {
    for p in "$@"; do
        status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
        [ "$status" = "install ok installed" ] || printf ' %s' "$p"
    done
}

install_host_packages() {
    # shellcheck disable=SC2086  # the lists are meant to be split into words
    missing=$(missing_packages $1)
    if [ -z "$missing" ]; then
        echo "install-deps: all $(echo $1 | wc -w) host packages already installed"
        return 0
    fi
    echo "install-deps: installing$missing"
    apt_update $SUDO env DEBIAN_FRONTEND=noninteractive apt-get
    # shellcheck disable=SC2086
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
}

# Downloads SYSROOT_PKGS and their dependencies for ARCH with a private apt
# state (the host's sources, the host's dpkg database untouched) and unpacks them.
build_sysroot() {
    arch=$1
    root="$SYSROOTS/$arch"
    if [ -f "$root/.loaxa-sysroot" ] && [ "$(cat "$root/.loaxa-sysroot")" = "$SYSROOT_STAMP" ]; then
        echo "install-deps: sysroot $root is up to date"
        return 0
    fi
    echo "install-deps: building sysroot $root"
    state="$SYSROOTS/.apt-$arch"
    $SUDO rm -rf "$root" "$state"
    $SUDO mkdir -p "$root" "$state/lists/partial" "$state/archives/partial" "$state/dpkg"
    $SUDO touch "$state/dpkg/status"
    set -- $SUDO apt-get -q \
        -o APT::Architecture="$arch" -o APT::Architectures::="$arch" \
        -o Dir::State::Lists="$state/lists" -o Dir::State::status="$state/dpkg/status" \
        -o Dir::Cache="$state" -o Dir::Cache::archives="$state/archives" \
        -o Debug::NoLocking=1 -o APT::Sandbox::User=root
    apt_update "$@"
    # shellcheck disable=SC2086
    "$@" install -y --download-only --no-install-recommends $SYSROOT_PKGS
    for deb in "$state"/archives/*.deb; do
        $SUDO dpkg-deb -x "$deb" "$root"
    done
    $SUDO sh -c "$(typeset_relativize); relativize_symlinks '$root'"
    echo "$SYSROOT_STAMP" | $SUDO tee "$root/.loaxa-sysroot" >/dev/null
    $SUDO rm -rf "$state"
}

# Prints relativize_symlinks ROOT, so it runs under sudo too: it rewrites
# absolute symlinks inside a sysroot to relative ones, so that both the linker
# (--sysroot) and qemu (-L) stay inside it.
typeset_relativize() {
    cat <<'FN'
relativize_symlinks() {
    root=$1
    find "$root" -type l | while read -r link; do
        target=$(readlink "$link")
        case "$target" in
            /*) ln -sfn "$(realpath -m --relative-to="$(dirname "$link")" "$root$target")" "$link" ;;
        esac
    done
}
FN
}

case "${1:-}" in
    "")
        install_host_packages "$NATIVE" ;;
    --cross)
        install_host_packages "$CROSS_TOOLS"
        for arch in $CROSS_ARCHS; do
            build_sysroot "$arch"
            # qemu -L falls back to the host's file when the sysroot lacks one: empty
            # ALSA plugin folders keep the host's (amd64) PulseAudio hooks out, as on
            # a Pi with plain ALSA.
            $SUDO mkdir -p "$SYSROOTS/$arch/etc/alsa/conf.d" "$SYSROOTS/$arch/usr/share/alsa/alsa.conf.d"
        done ;;
    *)
        echo "usage: $0 [--cross]" >&2; exit 2 ;;
esac
