# SPDX-License-Identifier: GPL-2.0
#
# The kernels of other Debian suites (latest: unstable's, 5.10: Debian 11's),
# built in their roots by vm/make: what each build is, that host/deps picks
# and keeps a release and fails clearly without a mirror, and what sleepy.c's
# one version check compiles to on each side of Linux 6.13. A test whose
# kernel is not installed (host/deps latest, host/deps 5.10) is skipped.
# shellcheck shell=sh disable=SC2154 # root and tmp come from lib.sh

# installed NAME: skip unless NAME's image and headers are installed.
installed() {
	"$root/vm/kernel" "$1" >/dev/null 2>&1 || skip "no $1 kernel (host/deps $1)"
}

# build NAME: build the modules for NAME with W=1 -Werror (vm/make); sets
# $ko, the folder of its .ko files.
build() {
	installed "$1"
	_rel=$("$root/vm/kernel" "$1" | sed -n 3p)
	"$root/vm/make" "$1" -s modules W=1 KCFLAGS=-Werror >"$tmp/build-$1.log" 2>&1 ||
		fail "vm/make $1: $(tail -n 5 "$tmp/build-$1.log")"
	ko=$root/build/$_rel
	[ -f "$ko/sleepy.ko" ] || fail "no sleepy.ko in $ko"
}

# barriers KO: the full barriers (x86's smp_mb(), a locked instruction on
# the stack) in KO's sleepy_poll().
barriers() {
	objdump -d --no-show-raw-insn "$1" |
		awk '/<sleepy_poll>:$/ { on = 1; next } on && /^$/ { exit } on' |
		grep -c 'lock .*(%rsp)'
}

t_sleepy_poll_adds_its_barrier_only_before_6_13() {
	build latest
	latest=$ko
	build 6.1
	old=$ko
	claim "built for 7.2, sleepy_poll() has one full barrier: poll_wait()'s own"
	expect_eq "$(barriers "$latest/sleepy.ko")" 1 "barriers in the 7.2 sleepy_poll()"
	claim "built for 6.1, it has two: poll_wait()'s (backported to 6.1.127) and sleepy's own"
	expect_eq "$(barriers "$old/sleepy.ko")" 2 "barriers in the 6.1 sleepy_poll()"
	claim "the 6.1 build inlines poll_does_not_wait(); the 7.2 build has no trace of it"
	readelf --debug-dump=info "$old/sleepy.ko" 2>/dev/null | grep -q poll_does_not_wait ||
		fail "the 6.1 sleepy.ko's debug info does not name poll_does_not_wait"
	! readelf --debug-dump=info "$latest/sleepy.ko" 2>/dev/null | grep -q poll_does_not_wait ||
		fail "the 7.2 sleepy.ko's debug info names poll_does_not_wait"
}

# compiler NAME: the compiler's version in the .comment of NAME's sleepy.ko,
# and the one the kernel's .config says it was built with.
compiler() {
	build "$1"
	dir=$("$root/vm/root" path "$("$root/vm/kernels" get "$1" kind)")
	kdir=$("$root/vm/kernel" "$1" | sed -n 2p)
	built=$(sed -n 's/^CONFIG_CC_VERSION_TEXT="\(.*\)"/\1/p' "$dir$kdir/.config")
	[ -n "$built" ] || fail "no CONFIG_CC_VERSION_TEXT in $dir$kdir/.config"
	used=$(readelf -p .comment "$ko/sleepy.ko" | grep -o 'GCC: .*' | head -n 1)
	note "$1: kernel built with '$built'; sleepy.ko: '$used'"
	# "gcc-16 (Debian 16.2.0-4) 16.2.0" and "GCC: (Debian 16.2.0-4) 16.2.0".
	expect_eq "${used#GCC: }" "${built#* }" "compiler of $1's sleepy.ko"
}

t_latest_is_built_with_its_own_compiler() {
	claim "the modules for latest are built, W=1 -Werror, by the gcc that built the kernel"
	compiler latest
}

t_5_10_is_built_with_its_own_compiler() {
	claim "the modules for 5.10 are built, W=1 -Werror, by the gcc that built the kernel (gcc-10)"
	compiler 5.10
}

t_a_kernel_of_a_suite_is_the_release_kept() {
	installed latest
	claim "vm/kernel latest names the release host/deps kept, its image in the root and its headers"
	kept=$(cat "${XDG_CACHE_HOME:-$HOME/.cache}/waitq-lab/latest.release") ||
		fail "no kept release"
	dir=$("$root/vm/root" path sid)
	expect_eq "$("$root/vm/kernel" latest | tr '\n' ' ')" \
		"$dir/boot/vmlinuz-$kept /usr/src/linux-headers-$kept $kept " "vm/kernel latest"
	claim "the image is a bzImage whose version string is that release"
	file -b "$dir/boot/vmlinuz-$kept" | grep -q "Linux kernel x86 boot executable bzImage, version ${kept} " ||
		fail "not a bzImage of $kept: $(file -b "$dir/boot/vmlinuz-$kept")"
	claim "modules built for it carry its release"
	build latest
	expect_eq "$(modinfo -F vermagic "$ko/sleepy.ko" | cut -d' ' -f1)" "$kept" "vermagic"
}

t_deps_fails_clearly_without_a_mirror() {
	[ "$(id -u)" -eq 0 ] || skip "making a root needs root"
	command -v debootstrap >/dev/null || skip "no debootstrap (host/deps latest)"
	claim "with the mirror unreachable, host/deps latest exits 1 and names the command that failed"
	rc=0
	XDG_CACHE_HOME=$tmp/cache WAITQ_MIRROR=http://127.0.0.1:9/debian \
		"$root/host/deps" latest >"$tmp/out" 2>"$tmp/err" || rc=$?
	expect_eq "$rc" 1 "host/deps status ($(tail -n 3 "$tmp/err"))"
	grep -q '^root: failed: debootstrap .* sid .* http://127.0.0.1:9/debian$' "$tmp/err" ||
		fail "the failed command is not named: $(cat "$tmp/err")"
	claim "and shows why: the end of debootstrap's log"
	grep -q '^root:   E: Failed getting release file http://127.0.0.1:9/debian/' "$tmp/err" ||
		fail "debootstrap's error is not shown: $(cat "$tmp/err")"
	grep -q '^deps: could not install: latest$' "$tmp/err" ||
		fail "host/deps did not say what it could not install: $(tail -n 3 "$tmp/err")"
	claim "it leaves no root and no kept release behind: vm/kernel latest says it is not installed"
	for left in root-sid root-sid.new; do
		[ ! -e "$tmp/cache/waitq-lab/$left" ] || fail "$left was left behind"
	done
	[ ! -e "$tmp/cache/waitq-lab/latest.release" ] || fail "a release was kept"
	rc=0
	XDG_CACHE_HOME=$tmp/cache "$root/vm/kernel" latest >/dev/null 2>&1 || rc=$?
	expect_eq "$rc" 1 "vm/kernel latest status"
}

t_an_unknown_kernel_fails_at_once_with_the_names() {
	claim "make check KVER=4.19 fails at once and lists the kernels, latest and 5.10 among them"
	rc=0
	make -s -C "$root" check KVER=4.19 >"$tmp/out" 2>&1 || rc=$?
	[ "$rc" -ne 0 ] || fail "make check KVER=4.19 succeeded"
	grep -q "no kernel '4.19'; the kernels are: .*latest 5.10" "$tmp/out" ||
		fail "no list of kernels: $(cat "$tmp/out")"
	! grep -q '^KTAP' "$tmp/out" || fail "it started a run: $(cat "$tmp/out")"
}
