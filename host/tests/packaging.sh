# SPDX-License-Identifier: GPL-2.0
#
# What a packager or admin relies on. Builds against the default
# VM kernel's headers (Debian 6.1); needs modinfo, depmod and, for DKMS, root
# and the dkms package.
# shellcheck shell=sh disable=SC2154 # root and tmp come from lib.sh

# The modules: Kbuild's list.
mods=$(modules)

# Build for the default kernel; sets $kdir and $krel.
build_default() {
	_found=$("$root/vm/kernel" 6.1) || skip "no 6.1 headers (host/deps 6.1)"
	kdir=$(echo "$_found" | sed -n 2p)
	krel=$(echo "$_found" | sed -n 3p)
	"$root/vm/make" 6.1 -s modules >"$tmp/build.log" 2>&1 ||
		fail "build: $(tail -n 5 "$tmp/build.log")"
}

t_modinfo_describes_every_module() {
	claim "every module has a description, author, GPL licence, version and a description for each parameter"
	build_default
	for m in $mods; do
		ko=$root/build/$krel/$m.ko
		[ -f "$ko" ] || fail "$m.ko was not built"
		for field in description author version; do
			[ -n "$(modinfo -F "$field" "$ko")" ] || fail "$m.ko has no $field"
		done
		expect_eq "$(modinfo -F license "$ko")" GPL "$m.ko licence"
		# A parameter without MODULE_PARM_DESC shows as "name:(type)".
		if modinfo -F parm "$ko" | grep -q '^[a-z_0-9]*:('; then
			fail "$m.ko has a parameter without a description: $(modinfo -F parm "$ko")"
		fi
	done
}

t_install_and_uninstall() {
	claim "make install puts the modules in updates/ and runs depmod; make uninstall removes exactly those"
	build_default
	dest=$tmp/root
	make -s -C "$root" install KDIR="$kdir" INSTALL_MOD_PATH="$dest" >"$tmp/log" 2>&1 ||
		fail "make install: $(tail -n 5 "$tmp/log")"
	for m in $mods; do
		ls "$dest/lib/modules/$krel/updates/$m.ko"* >/dev/null 2>&1 || fail "$m.ko not installed"
		grep -q "^updates/$m.ko" "$dest/lib/modules/$krel/modules.dep" ||
			fail "$m.ko not in modules.dep"
	done
	touch "$dest/lib/modules/$krel/updates/other.txt"
	make -s -C "$root" uninstall KDIR="$kdir" INSTALL_MOD_PATH="$dest" >"$tmp/log" 2>&1 ||
		fail "make uninstall: $(tail -n 5 "$tmp/log")"
	expect_eq "$(ls "$dest/lib/modules/$krel/updates")" other.txt "updates/ after uninstall"
	! grep -q "^updates/sleep" "$dest/lib/modules/$krel/modules.dep" || fail "modules.dep still lists them"
}

t_dkms_builds_against_default_headers() {
	claim "dkms add, build and remove work against the installed 6.1 headers"
	[ "$(id -u)" -eq 0 ] || skip "dkms needs root"
	command -v dkms >/dev/null || skip "dkms is not installed (host/deps dkms)"
	build_default
	ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$root/dkms.conf")
	! dkms status | grep -q "^waitq-lab/" || skip "waitq-lab is already in DKMS here; not touching it"
	# DKMS copies the tree: give it a clean one, without this checkout's builds.
	mkdir "$tmp/src"
	(cd "$root" && git ls-files -z | xargs -0 cp --parents -t "$tmp/src") ||
		fail "copying the tree"
	rc=0
	{
		dkms add "$tmp/src" && dkms build "waitq-lab/$ver" -k "$krel"
	} >"$tmp/log" 2>&1 || rc=$?
	dir=/var/lib/dkms/waitq-lab/$ver/$krel/x86_64/module
	built=$(cd "$dir" 2>/dev/null && echo *.ko)
	signer=$(modinfo -F signer "$dir/sleep.ko" 2>/dev/null)
	dkms remove "waitq-lab/$ver" --all >/dev/null 2>&1
	rm -rf "/usr/src/waitq-lab-$ver"
	expect_eq "$rc" 0 "dkms add/build ($(tail -n 3 "$tmp/log"))"
	expect_eq "$built" "$(for m in $mods; do echo "$m.ko"; done | sort | tr '\n' ' ' | sed 's/ $//')" \
		"modules DKMS built"
	claim "DKMS signs what it builds with its own key, /var/lib/dkms/mok.key (made on its first build), named by modinfo -F signer"
	cert=/var/lib/dkms/mok.pub
	[ -f "$cert" ] || fail "DKMS made no key pair: no $cert"
	cn=$(openssl x509 -inform DER -in "$cert" -noout -subject -nameopt multiline 2>/dev/null |
		sed -n 's/^ *commonName *= //p')
	[ -n "$cn" ] || fail "no common name in $cert"
	expect_eq "$signer" "$cn" "signer of the sleep.ko DKMS built"
}
