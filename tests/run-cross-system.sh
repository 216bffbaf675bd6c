#!/bin/sh
# Runs the system tests that need no PulseAudio against a cross build, each target
# program under qemu-user:
#   tests/run-cross-system.sh TRIPLET BUILD_DIR SYSROOT
# e.g. tests/run-cross-system.sh arm-linux-gnueabihf build-arm-linux-gnueabihf /opt/loaxa-sysroot/armhf
#
# No binfmt is needed: the tests start loaxad, loaxactl and loaxa-publish from
# $LOAXA_BUILD, so BUILD_DIR/qemu/ gets three sh wrappers that exec qemu on the real
# binaries, and LOAXA_BUILD points there. Whatever the target programs start in turn
# (the ALSA file plugin's "|script" capture pipe: /bin/sh, date, cat) are host
# programs, which the kernel runs natively. nginx and the test code run natively.
# BUILD_DIR/qemu/ has no tests/tools/, so the tests that preload libfakeclock.so
# (an x86-64 shim cannot go into an emulated process) skip themselves.
#
# Ends with "N passed, N failed" (pytest errors count as failed) and exits non-zero
# when anything failed. Extra arguments after SYSROOT go to pytest (e.g. -k volume).
set -u

if [ $# -lt 3 ]; then
    echo "usage: $0 TRIPLET BUILD_DIR SYSROOT [PYTEST-ARGS...]" >&2
    exit 2
fi
triplet=$1 build=$2 sysroot=$3
shift 3

case "$triplet" in
    aarch64-*) qemu=qemu-aarch64 ;;
    arm-*)     qemu=qemu-arm ;;
    *) echo "run-cross-system: unknown target $triplet" >&2; exit 2 ;;
esac
if ! command -v "$qemu" >/dev/null; then
    echo "run-cross-system: $qemu not found: run 'make deps-cross' (package qemu-user)" >&2
    exit 2
fi
python=${PYTHON:-/usr/bin/python3}
repo=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$build" && pwd) || exit 2
sysroot=$(cd "$sysroot" && pwd) || exit 2

failed_setup=0
for prog in loaxad loaxactl loaxa-publish; do
    if [ ! -x "$build/$prog" ]; then
        echo "FAILED $triplet: $build/$prog was not built"
        failed_setup=$((failed_setup + 1))
    fi
done
if [ "$failed_setup" -ne 0 ]; then
    echo "run-cross-system $triplet: 0 passed, $failed_setup failed"
    echo "0 passed, $failed_setup failed"
    exit 1
fi

# loaxad execs its network process (loaxa-net) beside itself; qemu-user cannot
# follow an exec into another target binary (no binfmt here), and qemu refuses
# the seccomp filter loaxa-net insists on. The host's own loaxa-net stands in: it
# speaks the same channel, and what is under test is the target's loaxad.
host_net="$repo/build/loaxa-net"
[ -x "$host_net" ] || host_net="$repo/${LOAXA_HOST_BUILD:-build}/loaxa-net"

# The wrappers. QEMU_LD_PREFIX as well as -L: a target program that re-executes
# itself would otherwise lose the sysroot. ALSA_PLUGIN_DIR is an empty folder, so
# alsa-lib never loads a plugin (with SYSROOT=/ and host multiarch, the host's
# /etc/alsa/conf.d would point "default" at the PulseAudio plugin); the tests use
# only alsa-lib's built-in file and null plugins.
wrappers=$build/qemu
rm -rf "$wrappers"
mkdir -p "$wrappers/no-alsa-plugins"
for prog in loaxad loaxactl loaxa-publish; do
    cat >"$wrappers/$prog" <<EOF
#!/bin/sh
# $prog of $build under $qemu (made by tests/run-cross-system.sh)
QEMU_LD_PREFIX='$sysroot' ALSA_PLUGIN_DIR='$wrappers/no-alsa-plugins'
export QEMU_LD_PREFIX ALSA_PLUGIN_DIR
[ -n "\${LOAXA_NET:-}" ] || { LOAXA_NET='$host_net'; export LOAXA_NET; }
exec $qemu -L '$sysroot' '$build/$prog' "\$@"
EOF
    chmod 755 "$wrappers/$prog"
done

# What runs under qemu: every system test that needs no PulseAudio and is not
# marked slow (the slow ones are the paced PulseAudio tests, the fakeclock test
# and multi-restart scenarios; the budget for both targets is a few minutes).
# test_harness.py is left out apart from its loaxad --check test: the rest
# checks the host's tools (sox, aplay, mpg123, PulseAudio), not the target.
# Tests too tight for emulation are deselected below, each with its reason;
# they still run natively (make check-system).
# test_bulletins_https.py (when present) runs the target's libcurl/OpenSSL
# certificate verification against nginx on the host.
files="test_playout.py test_publish.py test_loaxactl.py test_bulletins.py test_harness.py"
[ -e "$repo/tests/system/test_bulletins_https.py" ] && files="$files test_bulletins_https.py"
select="not test_harness.py or generated_config_passes_loaxad_check"
# Deselected under emulation only (pytest -k names), with the reason:
# - test_volume_50_is_minus_6_db: a new file's loudness is measured by a worker
#   thread, and a timed item waits for the figure only until its mark; under qemu
#   the first of the test's two airings misses it and airs at the file's own level,
#   so the two levels differ by the loudness gain as well as the volume. (Natively
#   the figure is in time; that a late figure changes the level is a known gap.)
# (The raw-connect control-socket tests were deselected until loaxad made its
# socket visible only once it listens: control/ctl.c, ctl_create.)
# - test_test_messages_air_only_where_allowed: a Test bulletin is announced in speech,
#   and the armhf sysroot holds no espeak-ng voice data (phontab), so the target's
#   libespeak-ng cannot start under qemu there; natively it runs.
tight="test_volume_50_is_minus_6_db or test_test_messages_air_only_where_allowed"
[ -z "$tight" ] || select="($select) and not ($tight)"

log=$(mktemp)
trap 'rm -f "$log"' EXIT
start=$(date +%s)
(
    cd "$repo/tests/system" &&
    LOAXA_BUILD=$wrappers timeout 900 "$python" -m pytest -q -rfE -m "not slow" -k "$select" \
        $files "$@"
) 2>&1 | tee "$log" | sed "s/^/[$triplet] /"
secs=$(( $(date +%s) - start ))

# pytest's last line: "3 failed, 52 passed, 10 deselected, 1 error in 120.3s"
summary=$(grep -E '[0-9]+ (passed|failed|errors?)' "$log" | tail -n 1)
count() { echo "$summary" | grep -oE "[0-9]+ $1" | grep -oE '^[0-9]+' || echo 0; }
passed=$(count passed)
failed=$(( $(count failed) + $(count 'errors?') ))
if [ -z "$summary" ] || [ "$passed" -eq 0 ]; then
    echo "FAILED $triplet: pytest ran no system test (see above)"
    failed=$((failed + 1))
fi

echo "run-cross-system $triplet: $passed passed, $failed failed in ${secs}s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
