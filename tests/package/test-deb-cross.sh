#!/bin/sh
# Builds the Raspberry Pi packages on this amd64 machine (`make package-cross`:
# dpkg-buildpackage -a arm64 / -a armhf with the cross compilers and the sysroots of
# `make deps-cross`) and checks what apt on a Pi will rely on: the architecture, that the
# programs are for the Pi's CPU, the library Depends, the conffile, the unit, lintian;
# then runs each packaged loaxad --check under qemu-user on the packaged configuration.
# No root needed. Ends with "N passed, N failed"; exits non-zero when anything failed.
#   LOAXA_DEB_DIR=dir  check the loaxa_*_{arm64,armhf}.deb in dir instead of building them
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
sysroots=${LOAXA_SYSROOTS:-/opt/loaxa-sysroot}
passed=0 failed=0

ok()   { passed=$((passed + 1)); echo "ok     $*"; }
bad()  { failed=$((failed + 1)); echo "FAILED $*"; }
finish() { echo "test-deb-cross: $passed passed, $failed failed"; echo "$passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit $?; }

for tool in aarch64-linux-gnu-gcc arm-linux-gnueabihf-gcc qemu-aarch64 qemu-arm dpkg-buildpackage lintian readelf; do
    command -v "$tool" >/dev/null || { bad "$tool not found: run 'make deps deps-cross'"; finish; }
done
for arch in arm64 armhf; do
    [ -d "$sysroots/$arch/usr/lib" ] || { bad "no sysroot $sysroots/$arch: run 'make deps-cross'"; finish; }
done

work=$(mktemp -d /tmp/loaxa-deb-cross.XXXXXX)
trap 'rm -rf "$work"' EXIT INT TERM

if [ -n "${LOAXA_DEB_DIR:-}" ]; then
    debs=$LOAXA_DEB_DIR
else
    start=$(date +%s)
    if make -s -C "$top" package-cross PKG_DIR="$work/debs" >"$work/package-cross.log" 2>&1; then
        ok "make package-cross (both packages in $(( $(date +%s) - start )) s)"
    else
        bad "make package-cross:"; sed 's/^/    /' "$work/package-cross.log"; finish
    fi
    debs=$work/debs
fi

# Library packages loaxad links (see debian/shlibs.cross); apt installs them on the Pi.
runtime_deps="libc6 libasound2 libmpg123-0 libconfig9 libjansson4 libcurl4 libsodium23 libxml2 libsystemd0 adduser"

# check_deb ARCH QEMU ELF_MACHINE
check_deb() {
    arch=$1 qemu=$2 machine=$3
    deb=$(ls "$debs"/loaxa_*_"$arch".deb 2>/dev/null | head -n 1)
    if [ -z "$deb" ]; then bad "$arch: no loaxa_*_$arch.deb in $debs"; return; fi
    echo "test-deb-cross: $deb"

    field=$(dpkg-deb -f "$deb" Architecture)
    if [ "$field" = "$arch" ]; then ok "$arch: Architecture: $arch"; else bad "$arch: Architecture is '$field'"; fi

    root=$work/root-$arch
    dpkg-deb -x "$deb" "$root"
    for prog in usr/sbin/loaxad usr/bin/loaxactl usr/bin/loaxa-publish; do
        got=$(readelf -h "$root/$prog" 2>/dev/null | sed -n 's/^ *Machine: *//p')
        if [ "$got" = "$machine" ]; then ok "$arch: /$prog is an $machine ELF"
        else bad "$arch: /$prog machine is '${got:-not an ELF}', expected $machine"; fi
    done
    interp=$(readelf -l "$root/usr/sbin/loaxad" | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
    if [ -e "$sysroots/$arch$interp" ]; then ok "$arch: loaxad's loader $interp is the target's"
    else bad "$arch: loaxad asks for loader '$interp', which $arch lacks"; fi

    # Each library package, with a version, so that apt fetches it on the Pi; and
    # nothing of the build machine's architecture.
    depends=$(dpkg-deb -f "$deb" Depends)
    missing=""
    for p in $runtime_deps; do
        echo ", $depends," | grep -q ", $p[ ,]" || missing="$missing $p"
    done
    if [ -z "$missing" ]; then ok "$arch: Depends names every runtime library package"
    else bad "$arch: Depends lacks$missing (Depends: $depends)"; fi
    if echo "$depends" | grep -q ', libasound2 (>= [0-9]'; then ok "$arch: library Depends carry versions"
    else bad "$arch: library Depends carry no versions: $depends"; fi
    if echo "$depends" | grep -q ':amd64'; then bad "$arch: Depends names amd64 packages: $depends"
    else ok "$arch: Depends names no amd64 packages"; fi

    conffiles=$(dpkg-deb --info "$deb" conffiles 2>/dev/null)
    if [ "$conffiles" = "/etc/loaxa/loaxa.conf" ]; then ok "$arch: conffiles: /etc/loaxa/loaxa.conf"
    else bad "$arch: conffiles are '$conffiles', expected /etc/loaxa/loaxa.conf"; fi

    unit=$root/lib/systemd/system/loaxad.service
    if [ -f "$unit" ] && grep -q '^ExecStart=/usr/sbin/loaxad ' "$unit" && ! grep -q /usr/local/ "$unit"; then
        ok "$arch: loaxad.service is packaged and runs /usr/sbin/loaxad"
    else
        bad "$arch: /lib/systemd/system/loaxad.service missing or not pointing at /usr/sbin/loaxad"
    fi
    if dpkg-deb --info "$deb" postinst | grep -q 'deb-systemd-helper'; then ok "$arch: postinst enables the service"
    else bad "$arch: postinst does not enable loaxad.service"; fi

    lintian --tag-display-limit 0 "$deb" 2>&1 | grep -v 'running with root privileges' >"$work/lintian-$arch.log"
    sed "s/^/    lintian $arch: /" "$work/lintian-$arch.log"
    if grep -q '^E:' "$work/lintian-$arch.log"; then bad "$arch: lintian reports errors"; else ok "$arch: lintian: no errors"; fi

    # The packaged daemon on the packaged configuration, on the Pi's CPU under qemu:
    # it loads the target's libraries from the sysroot, as the Pi loads its own.
    if out=$(cd "$root" && QEMU_LD_PREFIX="$sysroots/$arch" timeout 120 \
            "$qemu" -L "$sysroots/$arch" ./usr/sbin/loaxad --check -c ./etc/loaxa/loaxa.conf 2>&1); then
        ok "$arch: packaged loaxad --check -c /etc/loaxa/loaxa.conf under $qemu exits 0"
    else
        bad "$arch: packaged loaxad --check under $qemu exits $?:"; echo "$out" | sed 's/^/    /'
    fi
    for prog in usr/bin/loaxactl usr/bin/loaxa-publish; do
        if "$qemu" -L "$sysroots/$arch" "$root/$prog" --help >/dev/null 2>&1; then
            ok "$arch: packaged /$prog --help runs under $qemu"
        else
            bad "$arch: packaged /$prog --help fails under $qemu"
        fi
    done
}

check_deb arm64 qemu-aarch64 AArch64
check_deb armhf qemu-arm ARM

finish
