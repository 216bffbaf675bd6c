#!/bin/sh
# Runs a cross build's unit tests and `loaxad --check` under qemu-user.
#   tests/run-cross.sh TRIPLET BUILD_DIR SYSROOT
# e.g. tests/run-cross.sh aarch64-linux-gnu build-aarch64-linux-gnu /opt/loaxa-sysroot/arm64
# qemu is called explicitly (no binfmt needed); -L SYSROOT makes it load the
# target's dynamic loader and libraries from the sysroot (or from / with host multiarch).
# Ends with "N passed, N failed" and exits non-zero when anything failed.
set -u

if [ $# -ne 3 ]; then
    echo "usage: $0 TRIPLET BUILD_DIR SYSROOT" >&2
    exit 2
fi
triplet=$1 build=$2 sysroot=$3

case "$triplet" in
    aarch64-*) qemu=qemu-aarch64 ;;
    arm-*)     qemu=qemu-arm ;;
    *) echo "run-cross: unknown target $triplet" >&2; exit 2 ;;
esac
if ! command -v "$qemu" >/dev/null; then
    echo "run-cross: $qemu not found: run 'make deps-cross' (package qemu-user)" >&2
    exit 2
fi
if [ ! -e "$sysroot/lib/$triplet" ] && [ ! -e "$sysroot/usr/lib/$triplet" ]; then
    echo "run-cross: no $triplet libraries under $sysroot: run 'make deps-cross'" >&2
    exit 2
fi

passed=0 failed=0 failures=""
QEMU_LD_PREFIX=$sysroot
export QEMU_LD_PREFIX

# check NAME COMMAND...: runs one target program under qemu, with a time limit
# because an emulated deadlock must not hang CI.
check() {
    name=$1; shift
    log=$(mktemp)
    if timeout 300 "$qemu" -L "$sysroot" "$@" >"$log" 2>&1; then
        passed=$((passed + 1))
        echo "ok     $triplet $name"
    else
        rc=$?
        failed=$((failed + 1))
        failures="$failures $name"
        echo "FAILED $triplet $name (exit $rc):"
        tail -n 40 "$log" | sed 's/^/    /'
    fi
    rm -f "$log"
}

# The binaries must really be for the target, or qemu would prove nothing.
for prog in "$build/loaxad" "$build/loaxactl" "$build/loaxa-publish"; do
    if [ ! -x "$prog" ]; then
        echo "FAILED $triplet: $prog was not built"
        failed=$((failed + 1)); failures="$failures $(basename "$prog")"
        continue
    fi
    case "$triplet:$(file -b "$prog")" in
        aarch64-*:*"ARM aarch64"*|arm-*:*"ARM, EABI5"*) ;;
        *) echo "FAILED $triplet: $prog is not a $triplet binary: $(file -b "$prog")"
           failed=$((failed + 1)); failures="$failures $(basename "$prog")-arch" ;;
    esac
done

# armhf: our code has a 64-bit time_t (-D_TIME_BITS=64, for dates past 2038) but
# bookworm's armhf libraries were built with a 32-bit one, so no time_t or struct
# timespec/timeval may cross into them. glibc is fine (it has both ABIs), and mpg123
# renames its off_t functions to *_64 under _FILE_OFFSET_BITS=64. These are the
# library functions that would pass a 32-bit time through; none may be imported.
if [ "${triplet#arm-}" != "$triplet" ]; then
    time32='^(snd_pcm_status_get_(h|trigger_h|audio_h|driver_h|trigger_)?tstamp|snd_pcm_htimestamp|snd_timer_status_get_timestamp|snd_rawmidi_status_get_tstamp|snd_seq_.*_time|curl_getdate|mpg123_[a-z_]+_32|mpg123_(open_fd|seek|tell|length|feedseek|set_filesize|framepos|index|replace_reader|timeframe|tellframe|seek_frame|position|decode_frame|framebyframe_next|set_index|open|open_handle|replace_reader_handle|framelength|tell_stream)|xmlNanoHTTP.*|sd_journal_.*realtime.*)$'
    for prog in "$build/loaxad" "$build/loaxactl" "$build/loaxa-publish"; do
        [ -x "$prog" ] || continue
        bad=$("$triplet-nm" -D --undefined-only "$prog" | awk '{print $NF}' | sed 's/@.*//' | grep -E "$time32" || true)
        if [ -n "$bad" ]; then
            echo "FAILED $triplet: $(basename "$prog") calls library functions with a 32-bit time_t/off_t ABI:" $bad
            failed=$((failed + 1)); failures="$failures $(basename "$prog")-time64"
        else
            passed=$((passed + 1))
            echo "ok     $triplet $(basename "$prog") imports no 32-bit time_t/off_t library functions"
        fi
    done
fi

found=0
for t in "$build"/tests/test_*; do
    [ -x "$t" ] || continue
    found=1
    check "$(basename "$t")" "$t"
done
if [ "$found" -eq 0 ]; then
    echo "FAILED $triplet: no unit test binaries in $build/tests"
    failed=$((failed + 1)); failures="$failures unit-tests"
fi

# The daemon must accept the example configuration on the target too.
if [ -x "$build/loaxad" ]; then
    check "loaxad --check" "$build/loaxad" --check -c etc/loaxa.conf.example
fi

echo "run-cross $triplet: $passed passed, $failed failed"
[ -z "$failures" ] || echo "run-cross $triplet: failed:$failures"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
