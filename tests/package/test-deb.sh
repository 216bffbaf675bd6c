#!/bin/sh
# Builds the Debian package of this tree, installs it on this machine, checks what
# a technician relies on, upgrades it in place, removes and purges it, and leaves
# the machine as it found it. Needs root (CI runs it as root: `make check-package`).
# Ends with "N passed, N failed"; exits non-zero when anything failed.
#   LOAXA_DEB=path.deb  test that package instead of building one
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
passed=0 failed=0

ok()   { passed=$((passed + 1)); echo "ok     $*"; }
bad()  { failed=$((failed + 1)); echo "FAILED $*"; }
# expect DESCRIPTION COMMAND...: one check that passes when COMMAND succeeds.
expect() { d=$1; shift; if "$@" >/dev/null 2>&1; then ok "$d"; else bad "$d"; fi; }
finish() { echo "test-deb: $passed passed, $failed failed"; echo "$passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit $?; }

if [ "$(id -u)" -ne 0 ]; then
    echo "test-deb: needs root (it installs the package with dpkg); skipped"
    exit 0
fi
if dpkg-query -W -f='${Status}' loaxa 2>/dev/null | grep -q installed; then
    echo "test-deb: a loaxa package is already installed here; refusing to replace a real station's" >&2
    exit 1
fi

work=$(mktemp -d /tmp/loaxa-deb.XXXXXX)
user_before=$(getent passwd loaxa >/dev/null && echo yes || echo no)
group_before=$(getent group loaxa >/dev/null && echo yes || echo no)

cleanup() {
    if dpkg-query -W -f='${Status}' loaxa 2>/dev/null | grep -qv not-installed; then
        dpkg -P loaxa >/dev/null 2>&1 || true
    fi
    [ "$user_before" = yes ] || userdel loaxa >/dev/null 2>&1 || true
    [ "$group_before" = yes ] || groupdel loaxa >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

# --- build ---------------------------------------------------------------------
if [ -n "${LOAXA_DEB:-}" ]; then
    deb=$LOAXA_DEB
else
    # A copy of the tree (tracked and new files, no build dirs), so that the build
    # neither writes ../*.deb next to the checkout nor touches anyone's build/.
    mkdir "$work/src"
    (cd "$top" && git ls-files -co --exclude-standard -z | xargs -0 tar -cf - 2>/dev/null) |
        tar -xf - -C "$work/src"
    echo "test-deb: dpkg-buildpackage -us -uc -b (log: $work/build.log)"
    if (cd "$work/src" && DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" \
            dpkg-buildpackage -us -uc -b) >"$work/build.log" 2>&1; then
        ok "dpkg-buildpackage -us -uc -b"
    else
        bad "dpkg-buildpackage -us -uc -b:"; tail -n 40 "$work/build.log" | sed 's/^/    /'
        finish
    fi
    deb=$(ls "$work"/loaxa_*.deb)
fi
echo "test-deb: $deb"

# lintian: errors fail, warnings are shown.
lintian --tag-display-limit 0 "$deb" >"$work/lintian.log" 2>&1
sed 's/^/    lintian: /' "$work/lintian.log"
if grep -q '^E:' "$work/lintian.log"; then bad "lintian reports errors"; else ok "lintian: no errors"; fi

# --- install -------------------------------------------------------------------
if dpkg -i "$deb" >"$work/install.log" 2>&1; then
    ok "dpkg -i"
else
    bad "dpkg -i:"; sed 's/^/    /' "$work/install.log"; finish
fi

expect "/usr/sbin/loaxad is installed"            test -x /usr/sbin/loaxad
expect "/usr/bin/loaxactl is installed"           test -x /usr/bin/loaxactl
expect "/usr/bin/loaxa-publish is installed"      test -x /usr/bin/loaxa-publish
expect "/etc/loaxa/loaxa.conf is a conffile" \
    sh -c "dpkg-query -W -f='\${Conffiles}' loaxa | grep -q ' /etc/loaxa/loaxa.conf '"
if [ -f "$top/etc/loaxad.service" ]; then
    expect "loaxad.service is installed"          test -f /lib/systemd/system/loaxad.service
    expect "loaxad.service runs /usr/sbin/loaxad" \
        sh -c "grep -q '^ExecStart=/usr/sbin/loaxad ' /lib/systemd/system/loaxad.service && ! grep -q /usr/local/ /lib/systemd/system/loaxad.service"
    if command -v systemd-analyze >/dev/null; then
        expect "systemd-analyze verify loaxad.service" systemd-analyze verify /lib/systemd/system/loaxad.service
    else
        echo "skip   systemd-analyze verify loaxad.service: systemd-analyze is not installed"
    fi
else
    bad "etc/loaxad.service is missing from the source tree: the package has no service"
fi

if out=$(runuser -u loaxa -- /usr/sbin/loaxad --check -c /etc/loaxa/loaxa.conf 2>&1); then
    ok "loaxad --check -c /etc/loaxa/loaxa.conf (as user loaxa) exits 0"
else
    bad "loaxad --check -c /etc/loaxa/loaxa.conf exits $?:"; echo "$out" | sed 's/^/    /'
fi

expect "system user loaxa exists" getent passwd loaxa
expect "loaxa is a system user (uid < 1000)" sh -c '[ "$(id -u loaxa)" -lt 1000 ]'
expect "loaxa is in group audio" sh -c 'id -nG loaxa | tr " " "\n" | grep -qx audio'
expect "group loaxa exists" getent group loaxa
for dir in /var/lib/loaxa /var/cache/loaxa /var/log/loaxa; do
    expect "$dir is owned by loaxa:loaxa" sh -c "[ \"\$(stat -c %U:%G $dir)\" = loaxa:loaxa ]"
done
expect "the daemon can write its state folder" runuser -u loaxa -- touch /var/lib/loaxa/.probe
rm -f /var/lib/loaxa/.probe
expect "/etc/loaxa/loaxa.conf is readable by loaxa, not by others" \
    sh -c '[ "$(stat -c %a:%G /etc/loaxa/loaxa.conf)" = 640:loaxa ]'

# --- upgrade (reinstall) keeps the operator's config and the station's state ----
echo '# changed by the operator' >>/etc/loaxa/loaxa.conf
echo '{"queued":[]}' >/var/lib/loaxa/queue-probe.json
echo '{"kind":"test"}' >/var/log/loaxa/played.jsonl
if dpkg -i "$deb" >"$work/upgrade.log" 2>&1; then ok "reinstall over itself"; else bad "reinstall:"; sed 's/^/    /' "$work/upgrade.log"; fi
expect "upgrade keeps the operator's config" grep -q 'changed by the operator' /etc/loaxa/loaxa.conf
expect "upgrade keeps the station's state" test -f /var/lib/loaxa/queue-probe.json
expect "upgrade keeps the as-played log" test -s /var/log/loaxa/played.jsonl

# --- remove, then purge --------------------------------------------------------
if dpkg -r loaxa >"$work/remove.log" 2>&1; then ok "dpkg -r"; else bad "dpkg -r:"; sed 's/^/    /' "$work/remove.log"; fi
expect "remove takes the programs away" test ! -e /usr/sbin/loaxad
expect "remove keeps the config" test -f /etc/loaxa/loaxa.conf
expect "remove keeps the state" test -f /var/lib/loaxa/queue-probe.json
if dpkg -P loaxa >"$work/purge.log" 2>&1; then ok "dpkg -P"; else bad "dpkg -P:"; sed 's/^/    /' "$work/purge.log"; fi
for path in /etc/loaxa /var/lib/loaxa /var/cache/loaxa /var/log/loaxa; do
    expect "purge removes $path" test ! -e "$path"
done
expect "dpkg no longer knows loaxa" sh -c "! dpkg-query -W -f='\${Status}' loaxa 2>/dev/null | grep -q installed"

finish
