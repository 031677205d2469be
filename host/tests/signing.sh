# SPDX-License-Identifier: GPL-2.0
#
# Secure Boot, as a kernel that enforces module signatures sees it: the
# debug kernel booted with module.sig_enforce=1 trusts a test certificate
# (vm/build-kernel makes it with host/mok: an enrolled MOK stands so), and
# make sign's modules load there while unsigned, wrongly signed, changed or
# stripped ones are refused; Debian's own 6.1 refuses an unsigned one the
# same way. Each kernel is booted once with every variant of sleep.ko.
# Its tests boot VMs, beside a leg of make check-all: each may take minutes.
# timeout: 600
# shellcheck shell=sh disable=SC2154 # root and tmp come from lib.sh

# variants KDIR KEY CERT: sleep.ko built for KDIR, as $tmp/ko/NAME/sleep.ko:
# unsigned, signed (make sign with KEY and CERT, twice: the second replaces
# the first), other (make mok and make sign as a learner would, a key the
# kernel does not trust), changed (signed, then one byte changed) and
# stripped (signed, then strip --strip-debug).
variants() {
	make -s -C "$root" modules KDIR="$1" W=1 KCFLAGS=-Werror >"$tmp/build.log" 2>&1 ||
		fail "build: $(tail -n 5 "$tmp/build.log")"
	_rel=$(sed -n 's/.*UTS_RELEASE "\(.*\)"/\1/p' "$1/include/generated/utsrelease.h")
	_built=$root/build/$_rel
	mkdir -p "$tmp/ko/unsigned" "$tmp/ko/signed" "$tmp/ko/other" "$tmp/ko/changed" \
		"$tmp/ko/stripped"
	cp "$_built/sleep.ko" "$tmp/ko/unsigned/"
	[ -n "$2" ] || return 0
	XDG_DATA_HOME=$tmp/data make -s -C "$root" mok >"$tmp/mok.log" 2>&1 ||
		fail "make mok: $(tail -n 5 "$tmp/mok.log")"
	grep -q "mokutil --import $tmp/data/waitq-lab/mok/mok.der" "$tmp/mok.log" ||
		fail "make mok did not say how to enrol the key: $(cat "$tmp/mok.log")"
	XDG_DATA_HOME=$tmp/data make -s -C "$root" sign KDIR="$1" >"$tmp/sign.log" 2>&1 ||
		fail "make sign with make mok's key: $(tail -n 5 "$tmp/sign.log")"
	cp "$_built/sleep.ko" "$tmp/ko/other/"
	make -s -C "$root" sign KDIR="$1" KEY="$2" CERT="$3" >"$tmp/sign.log" 2>&1 ||
		fail "make sign: $(tail -n 5 "$tmp/sign.log")"
	_once=$(stat -c %s "$_built/sleep.ko")
	host_sign_again "$1" "$2" "$3"
	expect_eq "$(stat -c %s "$_built/sleep.ko")" "$_once" "size of sleep.ko signed twice and once"
	cp "$_built"/*.ko "$tmp/ko/signed/"
	cp "$tmp/ko/signed/sleep.ko" "$tmp/ko/changed/"
	# One byte of the module's own text, far from the signature.
	printf 'X' | dd of="$tmp/ko/changed/sleep.ko" bs=1 seek=2000 conv=notrunc 2>/dev/null
	cp "$tmp/ko/signed/sleep.ko" "$tmp/ko/stripped/"
	strip --strip-debug "$tmp/ko/stripped/sleep.ko"
	# A fresh build for the tests that follow, unsigned as make leaves it.
	make -s -C "$root" modules KDIR="$1" >/dev/null 2>&1
}
# host_sign_again KDIR KEY CERT: sign the signed modules once more, as a
# second make sign does (make sign would rebuild them first).
host_sign_again() {
	"$root/host/sign" "$@" >"$tmp/sign.log" 2>&1 ||
		fail "signing a signed module: $(tail -n 5 "$tmp/sign.log")"
}

# In the guest: insmod (kmod's, as users run it) each variant of sleep.ko in
# turn and say, one line each, "NAME rc=STATUS" with insmod's message, then
# the kernel's lines.
# shellcheck disable=SC2016 # expanded in the guest
try_variants='for v in extra/ko/*/; do
	v=${v%/}; v=${v##*/}
	echo "waitq-sign: $v" >/dev/kmsg
	out=$(/bin/insmod extra/ko/$v/sleep.ko 2>&1); rc=$?
	loaded=$(grep -c "^sleep " /proc/modules)
	echo "$v rc=$rc loaded=$loaded: $out"
	dmesg | sed -n "/waitq-sign: $v\$/,\$p" | sed "1d; s/^\[[^]]*\] /$v log: /"
	/bin/rmmod sleep 2>/dev/null || true
done'

# outcome NAME: the line "NAME rc=... loaded=...: message" of the guest.
outcome() { sed -n "s/^$1 \(rc=.*\)$/\1/p" "$tmp/out"; }
refused() {
	expect_eq "$(outcome "$1" | cut -d: -f1)" "rc=1 loaded=0" "insmod of the $1 module, and what stayed loaded"
	outcome "$1" | grep -q 'Key was rejected by service$' ||
		fail "insmod of the $1 module said: $(outcome "$1")"
}
logged() {
	grep -q "^$1 log: .*$2" "$tmp/out" ||
		fail "the kernel did not log '$2' for the $1 module: $(grep "^$1 log: " "$tmp/out")"
}

t_an_enforcing_kernel_loads_only_what_make_sign_signed_with_a_trusted_key() {
	kdir=$("$root/vm/build-kernel" -n debug) ||
		skip "the debug kernel is not built (vm/build-kernel debug)"
	[ -f "$kdir/certs/waitq-test/mok.key" ] || fail "the debug kernel has no test key"
	variants "$kdir" "$kdir/certs/waitq-test/mok.key" "$kdir/certs/waitq-test/mok.pem"
	claim "make sign's modules, signed twice, name the key that signed them (modinfo -F signer)"
	for ko in "$tmp"/ko/signed/*.ko; do
		expect_eq "$(modinfo -F signer "$ko")" "waitq-lab module signing key" "signer of ${ko##*/}"
	done
	status=0
	VM_FILES="$tmp/ko" APPEND=module.sig_enforce=1 "$root/vm/vm" -k debug -t 600 -- "
		$try_variants
		cp extra/ko/signed/*.ko . &&
		guest/run.sh sleep:79_byte_message_round_trips_and_80_is_einval \
			sleepy:one_write_releases_exactly_one_of_three_sleeping_readers; rc=\$?
		echo \"tainted \$(cat /proc/sys/kernel/tainted)\"
		exit \$rc" >"$tmp/out" 2>"$tmp/err" || status=$?
	claim "unsigned: refused with EKEYREJECTED, 'Loading of unsigned module is rejected', nothing left loaded"
	refused unsigned
	logged unsigned 'Loading of unsigned module is rejected'
	claim "signed with the trusted key: it loads"
	expect_eq "$(outcome signed)" "rc=0 loaded=1: " "insmod of the signed module"
	claim "signed with a key the kernel does not trust: refused, 'module with unavailable key'"
	refused other
	logged other 'Loading of module with unavailable key is rejected'
	claim "signed, then one byte changed: refused"
	refused changed
	claim "signed, then stripped (the signature goes with it): refused as unsigned"
	refused stripped
	logged stripped 'Loading of unsigned module is rejected'
	claim "the signed modules work (their tests pass) and the kernel is not tainted E (unsigned module)"
	expect_eq "$status" 0 "vm/vm status ($(tail -n 3 "$tmp/err"))"
	grep -q '^ok [0-9]* sleep: 79_byte' "$tmp/out" || fail "sleep's test: $(grep 'ok' "$tmp/out")"
	grep -q '^ok [0-9]* sleepy: one_write' "$tmp/out" || fail "sleepy's test: $(grep 'ok' "$tmp/out")"
	taint=$(sed -n 's/^tainted //p' "$tmp/out")
	expect_eq "$((taint & 8192))" 0 "taint E in $taint"
}

t_debian_6_1_enforcing_signatures_refuses_an_unsigned_module() {
	found=$("$root/vm/kernel" 6.1) || skip "no 6.1 kernel (host/deps 6.1)"
	variants "$(echo "$found" | sed -n 2p)" "" ""
	claim "Debian's 6.1 booted with module.sig_enforce=1 (as under Secure Boot before the key is enrolled): an unsigned module is refused with EKEYREJECTED"
	status=0
	VM_FILES="$tmp/ko" APPEND=module.sig_enforce=1 "$root/vm/vm" -k 6.1 -t 300 -- \
		"$try_variants" >"$tmp/out" 2>"$tmp/err" || status=$?
	expect_eq "$status" 0 "vm/vm status ($(tail -n 3 "$tmp/err"))"
	refused unsigned
	logged unsigned 'Loading of unsigned module is rejected'
}
