#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The Debian package and its service, as a TAP test (tests/meson.build: test-package).
#
# Builds the package (dpkg-buildpackage -us -uc -b) from a copy of this source tree in a
# temporary directory, runs lintian on it (an error fails), holds the packaged unit's
# `systemd-analyze security --offline=true` exposure to MAX_EXPOSURE (2.0) and runs
# `systemd-analyze verify` on it. Only when CORDON_TEST_INSTALL=1 (CI sets it: a developer's
# machine must not get a package installed by a test) it installs the package with apt, checks
# the cordon user, the modes of /etc/cordon and its configuration, that the service is not
# enabled and that user cordon can check the configuration, then purges the package.
#
# Environment: CORDON_TEST_INSTALL=1 to install; DEB_BUILD_OPTIONS (default parallel=<cores>);
# CORDON_KEEP_TMP=1 keeps the temporary directory.
set -euo pipefail

src=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
max_exposure=2.0
install=${CORDON_TEST_INSTALL:-0}
plan=13

missing=()
for tool in dpkg-buildpackage lintian systemd-analyze; do
	command -v "$tool" >/dev/null || missing+=("$tool")
done
if [ "${#missing[@]}" -gt 0 ]; then
	echo "1..0 # SKIP ${missing[*]} not installed (apt-get install dpkg-dev debhelper lintian systemd)"
	exit 0
fi

sudo=""
if [ "$(id -u)" != 0 ]; then
	sudo="sudo -n"
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cordon-package.XXXXXX")
cleanup() {
	if [ "${CORDON_KEEP_TMP:-0}" = 1 ]; then
		echo "# kept $tmp"
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT

echo "1..$plan"
n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
# a command's output, as TAP diagnostics
diag() { sed -e 's/^/# /'; }
check() { # check NAME COMMAND...: ok when COMMAND succeeds, its output as diagnostics
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then
		ok "$name"
	else
		not_ok "$name"
		printf '%s\n' "$out" | tail -n 40 | diag
	fi
}
# skips every test left after a failure that the rest depend on, and exits
bail() {
	while [ "$n" -lt "$plan" ]; do
		skip "not run" "$1"
	done
	exit 1
}

# 1: the package builds from a copy of the tree: what git tracks or would track (uncommitted
# files included, build directories and node_modules not), or the whole tree but those when
# this is no git checkout; never what an earlier dpkg-buildpackage in the tree left (obj-*/)
version=$(dpkg-parsechangelog -l "$src/debian/changelog" -S Version)
tree="$tmp/cordon-${version%%-*}"
mkdir -p "$tree"
if git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
	(cd "$src" && git ls-files -z --cached --others --exclude-standard |
		while IFS= read -r -d '' f; do
			case $f in obj-*/*) continue ;; esac
			if [ -e "$f" ]; then printf '%s\0' "$f"; fi
		done |
		tar --null --files-from=- -cf -) | tar -xf - -C "$tree"
else
	tar -C "$src" --exclude='./build*' --exclude='./obj-*' --exclude=node_modules --exclude=.git \
		-cf - . |
		tar -xf - -C "$tree"
fi
build_log="$tmp/build.log"
start=$(date +%s)
if (cd "$tree" && DEB_BUILD_OPTIONS="${DEB_BUILD_OPTIONS:-parallel=$(nproc)}" \
	dpkg-buildpackage -us -uc -b) >"$build_log" 2>&1; then
	ok "dpkg-buildpackage -us -uc -b ($(($(date +%s) - start)) s)"
else
	not_ok "dpkg-buildpackage -us -uc -b"
	tail -n 60 "$build_log" | diag
	bail "the package did not build"
fi
changes=$(ls "$tmp"/cordon_*.changes)
deb=$(ls "$tmp"/cordon_*_*.deb | grep -v dbgsym)

# 2: lintian: no errors (the warnings are listed)
if out=$(lintian --fail-on error --display-info "$changes" 2>&1); then
	ok "lintian: no errors"
else
	not_ok "lintian: no errors"
fi
printf '%s\n' "$out" | grep -v '^$' | diag || true

# the packaged files, for the unit and the modes
root="$tmp/root"
dpkg-deb -x "$deb" "$root"
unit="$root/lib/systemd/system/cordon.service"

# 3: the contents
contents=$(dpkg-deb -c "$deb")
expect_files=(./usr/bin/cordon ./lib/systemd/system/cordon.service
	./usr/lib/sysusers.d/cordon.conf ./usr/lib/tmpfiles.d/cordon.conf
	./usr/share/man/man8/cordon.8.gz ./etc/cordon/cordon.conf
	./usr/share/cordon/pipelines/encode-x264.pipeline)
absent=()
for f in "${expect_files[@]}"; do
	grep -q " $f\$" <<<"$contents" || absent+=("$f")
done
if [ "${#absent[@]}" -eq 0 ] && dpkg-deb -I "$deb" conffiles | grep -qx /etc/cordon/cordon.conf; then
	ok "the package holds the daemon, unit, sysusers, tmpfiles, man page and conffile"
else
	not_ok "the package holds the daemon, unit, sysusers, tmpfiles, man page and conffile"
	echo "# missing: ${absent[*]:-none}; conffiles: $(dpkg-deb -I "$deb" conffiles 2>&1)"
fi

# 4: the unit's exposure
security=$(systemd-analyze security --offline=true "$unit" 2>&1 || true)
exposure=$(sed -n 's/.*Overall exposure level for cordon.service: \([0-9.]*\).*/\1/p' <<<"$security")
if [ -n "$exposure" ] && awk -v e="$exposure" -v m="$max_exposure" 'BEGIN { exit !(e <= m) }'; then
	ok "systemd-analyze security --offline=true: exposure $exposure <= $max_exposure"
else
	not_ok "systemd-analyze security --offline=true: exposure ${exposure:-unknown} <= $max_exposure"
	grep '✗\|exposure' <<<"$security" | diag
fi

# 5: the unit, as systemd loads it: offline, in a root made of the extracted package, this
# machine's system units (the targets it names) and /bin/kill (its ExecReload=), so that its
# ExecStart= is the packaged binary. systemd-analyze only warns about unknown keys and bad
# values: any output fails.
verify_unit() {
	local vroot="$tmp/verify-root" out
	mkdir -p "$vroot/bin"
	dpkg-deb -x "$deb" "$vroot"
	cp -an /lib/systemd/system/. "$vroot/lib/systemd/system/"
	cp /bin/kill "$vroot/bin/kill"
	out=$(systemd-analyze verify --man=no --root="$vroot" /lib/systemd/system/cordon.service 2>&1) &&
		[ -z "$out" ] || { printf '%s\n' "$out"; return 1; }
}
check "systemd-analyze verify" verify_unit

# 6: the maintainer scripts: postinst makes the user before the modes, enables the unit only
# where it was enabled before (debhelper's --no-enable snippet: "debian-installed" first),
# starts nothing (an upgrade try-restarts); prerm stops it on removal
scripts_ok() {
	local postinst prerm
	postinst=$(dpkg-deb -I "$deb" postinst)
	prerm=$(dpkg-deb -I "$deb" prerm)
	grep -n 'systemd-sysusers\|systemd-tmpfiles' <<<"$postinst" | head -n 1 | grep -q sysusers &&
		grep -q 'systemd-tmpfiles .*--create cordon.conf' <<<"$postinst" &&
		grep -q "deb-systemd-helper debian-installed 'cordon.service'" <<<"$postinst" &&
		! grep -q 'deb-systemd-invoke \(start\|restart\)' <<<"$postinst" &&
		grep -q 'deb-systemd-invoke stop cordon.service' <<<"$prerm" ||
		{ printf '%s\n' "$postinst" "$prerm"; return 1; }
}
check "maintainer scripts: user then modes, no enable, no start, stop on removal" scripts_ok

# 7..13: installed, only when asked to
if [ "$install" != 1 ]; then
	while [ "$n" -lt "$plan" ]; do
		skip "install and purge" "CORDON_TEST_INSTALL is not 1"
	done
	exit "$((failed > 0))"
fi
if dpkg-query -W -f '${Status}' cordon 2>/dev/null | grep -q 'installed'; then
	not_ok "apt install ./$(basename "$deb")"
	echo "# cordon is installed on this machine already: not replacing and purging it"
	bail "cordon was installed before the test"
fi
if out=$(DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$deb" 2>&1); then
	ok "apt install ./$(basename "$deb")"
else
	not_ok "apt install ./$(basename "$deb")"
	printf '%s\n' "$out" | tail -n 40 | diag
	$sudo apt-get purge -y -qq cordon >/dev/null 2>&1 || true
	bail "the package did not install"
fi

user_ok() {
	getent passwd cordon | awk -F: '$3 < 1000 && $6 == "/nonexistent" && $7 ~ /nologin$/ { f = 1 } END { exit !f }' &&
		getent group cordon >/dev/null
}
check "system user and group cordon, no home, no login shell" user_ok
mode_is() { # mode_is PATH MODE:OWNER:GROUP
	local got
	got=$(stat -c '%a:%U:%G' "$1")
	[ "$got" = "$2" ] || { echo "$1 is $got, not $2"; return 1; }
}
check "/etc/cordon is 0750 root:cordon" mode_is /etc/cordon 750:root:cordon
check "/etc/cordon/cordon.conf is 0640 root:cordon" mode_is /etc/cordon/cordon.conf 640:root:cordon
not_enabled() {
	[ -f /lib/systemd/system/cordon.service ] || { echo "no unit installed"; return 1; }
	local state
	state=$(systemctl is-enabled cordon.service 2>&1 || true)
	echo "systemctl is-enabled: $state"
	[ "$state" = disabled ] && [ ! -e /etc/systemd/system/multi-user.target.wants/cordon.service ]
}
check "the unit is installed and not enabled" not_enabled
# as the service runs it: user cordon reads the configuration, its pipeline templates load
# with the installed GStreamer plugins
as_cordon() {
	cordon --version &&
		$sudo runuser -u cordon -- env HOME=/nonexistent GST_REGISTRY="$tmp/cache/registry.bin" \
			cordon --check-config /etc/cordon/cordon.conf
}
chmod 0755 "$tmp"
$sudo install -d -o cordon -g cordon -m 0700 "$tmp/cache"
check "cordon --version; user cordon: cordon --check-config /etc/cordon/cordon.conf" as_cordon

purged() {
	DEBIAN_FRONTEND=noninteractive $sudo apt-get purge -y -qq cordon >/dev/null &&
		! dpkg-query -W -f '${Status}' cordon 2>/dev/null | grep -q installed &&
		[ ! -e /etc/cordon ] && [ ! -e /lib/systemd/system/cordon.service ] &&
		[ ! -e /usr/bin/cordon ]
}
check "apt purge cordon leaves no file" purged

exit "$((failed > 0))"
