# SPDX-License-Identifier: GPL-2.0
#
# The pages a reader follows: README.md and docs/*.md. Every relative link
# leads to a file of the tree, and every anchor to a heading of its page (as
# GitHub names headings); the kernel table of docs/kernels.md is vm/kernels'
# list; the README stays a front page; no file of the tree speaks of issue
# numbers or of a branch's history; and docs/testing.md gives the commands
# of "When a test fails" word for word, each naming tests that exist.
# shellcheck shell=sh disable=SC2154 # root and tmp come from lib.sh

# in_git: the project is a git checkout (the tree's files are git's).
in_git() {
	command -v git >/dev/null && git -C "$root" rev-parse --git-dir >/dev/null 2>&1
}

# tree_files: the files of the tree, tracked or new and not ignored (a page
# is checked before its first commit; build output is not in the tree).
tree_files() { git -C "$root" ls-files -co --exclude-standard; }

# md_links FILE: "LINE TARGET" for each link of a Markdown file, inline
# ([text](target), ![alt](target)) or a reference definition ([x]: target),
# outside code blocks and code spans; a link's title is dropped.
md_links() {
	awk '
	/^[ \t]*(```|~~~)/ { fence = !fence; next }
	fence { next }
	{
		s = $0
		gsub(/`[^`]*`/, "", s)
		if (match(s, /^ ? ? ?\[[^]]+\]:[ \t]+[^ \t]+/)) {
			t = substr(s, RSTART, RLENGTH)
			sub(/^[^]]*\]:[ \t]+/, "", t)
			print NR, t
			next
		}
		while (match(s, /\]\([^)]*\)/)) {
			t = substr(s, RSTART + 2, RLENGTH - 3)
			s = substr(s, RSTART + RLENGTH)
			sub(/^[ \t]+/, "", t)
			sub(/[ \t].*/, "", t)
			sub(/^</, "", t)
			sub(/>$/, "", t)
			if (t != "")
				print NR, t
		}
	}' "$1"
}

# md_anchors FILE: the anchor of each heading of a Markdown file, as GitHub
# makes it: the heading's text (a link's text, a code span's content, no
# HTML tags), lower case, with every character but letters, digits, spaces,
# hyphens and underscores removed and each space made a hyphen; the n-th
# repeat of an anchor gets "-n". Letters outside ASCII are removed here
# (GitHub keeps them): a link to such a heading is reported, not missed.
md_anchors() {
	LC_ALL=C awk '
	/^[ \t]*(```|~~~)/ { fence = !fence; next }
	fence { next }
	/^ ? ? ?#+[ \t]/ {
		h = $0
		sub(/^ *#+[ \t]+/, "", h)
		sub(/[ \t]+#+[ \t]*$/, "", h)
		sub(/[ \t]+$/, "", h)
		while (match(h, /\[[^]]*\]\([^)]*\)/)) {
			seg = substr(h, RSTART + 1, RLENGTH - 1)
			sub(/\]\(.*$/, "", seg)
			h = substr(h, 1, RSTART - 1) seg substr(h, RSTART + RLENGTH)
		}
		gsub(/<[^>]*>/, "", h)
		h = tolower(h)
		gsub(/[^a-z0-9 _-]/, "", h)
		gsub(/ /, "-", h)
		if (h in seen) {
			seen[h]++
			print h "-" seen[h]
		} else {
			seen[h] = 0
			print h
		}
	}' "$1"
}

# dead_links TREE FILES MD...: each link of the Markdown files MD (paths
# relative to the folder TREE) that leads nowhere: to a path that is neither
# a file listed in FILES (one path a line, relative to TREE) nor a folder
# holding one, or to an anchor that no heading of its Markdown page has.
# One "MD:LINE: TARGET: why" line each. Links with a scheme (https:,
# mailto:) are not followed.
dead_links() {
	_tree=$1 _files=$2
	shift 2
	# The folders of the tree: every parent of a listed file.
	awk '{ while (sub(/\/[^\/]*$/, "")) print }' "$_files" | sort -u >"$tmp/dirs"
	for _md; do
		_dir=$(dirname "$_md")
		md_links "$_tree/$_md" | while read -r _line _target; do
			case $_target in
			[a-zA-Z]*:*) case ${_target%%:*} in *[!a-zA-Z0-9+.-]*) ;; *) continue ;; esac ;;
			esac
			_path=${_target%%#*} _frag=
			case $_target in *'#'*) _frag=${_target#*#} ;; esac
			case $_path in
			'') _path=$_md ;;
			/*) ;;
			*) _path=$_dir/$_path ;;
			esac
			# The path without ".", ".." and empty steps ("" is the top).
			_path=$(echo "$_path" | awk -F/ '{
				k = 0
				for (i = 1; i <= NF; i++) {
					if ($i == "" || $i == ".")
						continue
					if ($i == "..") {
						if (k == 0) {
							print "../"
							exit
						}
						k--
						continue
					}
					st[++k] = $i
				}
				out = ""
				for (i = 1; i <= k; i++)
					out = out (i > 1 ? "/" : "") st[i]
				print out
			}')
			if [ "$_path" = ../ ]; then
				echo "$_md:$_line: $_target: leads out of the tree"
				continue
			fi
			if [ -n "$_path" ] && ! grep -qxF "$_path" "$_files" &&
				! grep -qxF "$_path" "$tmp/dirs"; then
				echo "$_md:$_line: $_target: no ${_path} in the tree"
				continue
			fi
			case $_path in *.md) ;; *) continue ;; esac
			[ -n "$_frag" ] || continue
			md_anchors "$_tree/$_path" | grep -qxF "$_frag" ||
				echo "$_md:$_line: $_target: no heading of $_path has the anchor #$_frag"
		done
	done
}

t_every_relative_link_leads_to_a_file_of_the_tree_or_a_heading() {
	in_git || skip "not a git checkout: the tree's files are git's"
	tree_files >"$tmp/files"
	mds=$(grep -E '^(README\.md|docs/[^/]*\.md)$' "$tmp/files" | while read -r f; do
		[ ! -f "$root/$f" ] || echo "$f"
	done)
	claim "README.md and docs/*.md: $(echo "$mds" | wc -l) pages"
	grep -qx README.md "$tmp/files" || fail "no README.md in the tree"
	# shellcheck disable=SC2086 # one path a word
	dead_links "$root" "$tmp/files" $mds >"$tmp/dead"
	n=0
	for f in $mds; do
		n=$((n + $(md_links "$root/$f" | grep -cv '^[0-9]* [a-zA-Z][a-zA-Z0-9+.-]*:' || true)))
	done
	note "$n relative links followed"
	# A parser that found no link would find none dead: the README's table
	# alone has more than 20.
	expect_ge "$n" 20 "relative links found"
	[ ! -s "$tmp/dead" ] || fail "links that lead nowhere:
$(cat "$tmp/dead")"
}

t_the_link_check_finds_dead_links_and_names_headings_as_github_does() {
	claim "on a scratch tree: a missing file, a missing folder and a missing anchor are found; links in code are not links"
	mkdir -p "$tmp/s/docs/trace" "$tmp/s/src"
	: >"$tmp/s/src/a.c"
	: >"$tmp/s/docs/trace/x.svg"
	cat >"$tmp/s/docs/page.md" <<'EOF'
# The page: `/proc/sleep`, one [link](../src/a.c) & more!

## When a test fails
## When a test fails
### sleep.c_trace.h -- two  spaces

```sh
# not a heading [nor a link](nowhere.md)
```

Fine: [code](../src/a.c), [folder](../src/), ![pic](trace/x.svg "title"),
[top](#the-page-procsleep-one-link--more), [dup](#when-a-test-fails-1),
[dots](#sleepc_traceh----two--spaces), [web](https://example.org/x.md),
[self](page.md#when-a-test-fails), `[in code](nowhere.md)`.

Dead: [file](../src/b.c), [folder](../lib/), [anchor](#when-a-test-fails-2),
[anchor elsewhere](../README.md#nope), [outside](../../etc/passwd).

[ref]: ../src/c.c
EOF
	printf '# Top\n' >"$tmp/s/README.md"
	(cd "$tmp/s" && find . -type f | sed 's|^\./||') >"$tmp/files"
	dead_links "$tmp/s" "$tmp/files" docs/page.md >"$tmp/dead"
	sed 's/^/# found: /' "$tmp/dead"
	expect_eq "$(cut -d: -f3- "$tmp/dead" | sed 's/^ //; s/:.*//' | tr '\n' ' ')" \
		"../src/b.c ../lib/ #when-a-test-fails-2 ../README.md#nope ../../etc/passwd ../src/c.c " \
		"dead links found"
	claim "GitHub's anchors: code spans keep their text, punctuation goes, spaces become hyphens, repeats get -1"
	expect_eq "$(md_anchors "$tmp/s/docs/page.md" | tr '\n' ' ')" \
		"the-page-procsleep-one-link--more when-a-test-fails when-a-test-fails-1 sleepc_traceh----two--spaces " \
		"anchors"
}

# kernel_table FILE: the first column of the first table of FILE, one name a
# line, without its code span's backticks.
kernel_table() {
	awk '
	/^\|/ {
		if (++rows <= 2)
			next
		split($0, c, "|")
		sub(/^ *`?/, "", c[2])
		sub(/`? *$/, "", c[2])
		print c[2]
		next
	}
	rows { exit }' "$1"
}

t_the_kernel_table_has_the_kernels_of_vm_kernels_in_order() {
	claim "docs/kernels.md's table names exactly the kernels of 'vm/kernels names', in that order"
	[ -f "$root/docs/kernels.md" ] || fail "no docs/kernels.md"
	want=$("$root/vm/kernels" names | tr '\n' ' ')
	expect_eq "$(kernel_table "$root/docs/kernels.md" | tr '\n' ' ')" "$want" "kernel table"
	note "kernels: $want"
}

t_the_readme_is_a_front_page_under_200_lines() {
	claim "README.md has fewer than 200 lines; the rest is in docs/"
	n=$(wc -l <"$root/README.md")
	note "README.md: $n lines"
	expect_le "$n" 199 "README.md lines"
}

t_the_coverage_table_names_each_file_and_its_listed_lines() {
	claim "README.md's coverage table has a row per module and cat_nonblock.c, each with the number of its entries in host/tests/coverage-exceptions"
	list=$root/host/tests/coverage-exceptions
	want=$( (cd "$root" && make -s list-modules | sed 's/$/.c/'; echo cat_nonblock.c) |
		while read -r f; do
			echo "$f $(grep -c "^$f:" "$list")"
		done | tr '\n' ' ')
	got=$(sed -n '/^## Coverage/,/^## /s/^| \([a-z_]*\.c\) | .* | \([0-9]*\) |$/\1 \2/p' \
		"$root/README.md" | tr '\n' ' ')
	expect_eq "$got" "$want" "files and listed entries"
}

t_no_file_of_the_tree_speaks_of_issues_or_branches() {
	claim "git grep finds no issue number and no branch history in any tracked file"
	in_git || skip "not a git checkout"
	# Spelled so that this file does not match itself.
	rc=0
	git -C "$root" grep -nIiE 'issue [0-9]+|this[ ]branch' >"$tmp/found" 2>&1 || rc=$?
	[ "$rc" -le 1 ] || fail "git grep failed: $(cat "$tmp/found")"
	[ ! -s "$tmp/found" ] || fail "history a reader cannot use:
$(cat "$tmp/found")"
}

# The commands "When a test fails" gives, each with the selector it runs
# (- for none), which must name tests that exist.
commands() {
	cat <<'EOF'
sleepy:one_write_releases_exactly_one_of_three_sleeping_readers	make check T=sleepy:one_write_releases_exactly_one_of_three_sleeping_readers
trace:*	make check KVER=debug T='trace:*'
sleep:rmmod_*	vm/vm -k 6.1 -- guest/run.sh 'sleep:rmmod_*'
-	guest/run.sh -l
sleepy:one_write_releases_exactly_one_of_three_sleeping_readers	git bisect run env T=sleepy:one_write_releases_exactly_one_of_three_sleeping_readers host/check
EOF
}

t_when_a_test_fails_gives_its_commands_word_for_word() {
	claim "docs/testing.md's 'When a test fails' has each command, and each selector names tests that exist"
	awk '/^## When a test fails$/ { on = 1; next } on && /^## / { exit } on' \
		"$root/docs/testing.md" >"$tmp/section"
	[ -s "$tmp/section" ] || fail "docs/testing.md has no section '## When a test fails'"
	tab=$(printf '\t')
	commands >"$tmp/commands"
	while IFS=$tab read -r sel cmd; do
		grep -qF -- "$cmd" "$tmp/section" || fail "not in 'When a test fails': $cmd"
		[ "$sel" != - ] || continue
		"$root/guest/run.sh" -l "$sel" >"$tmp/list" 2>"$tmp/err" ||
			fail "guest/run.sh -l '$sel': $(cat "$tmp/err")"
		n=$(grep -c . "$tmp/list" || true)
		note "$sel: $n tests"
		expect_ge "$n" 1 "tests that '$sel' selects"
	done <"$tmp/commands"
	claim "the kernels they boot are kernels of vm/kernels"
	for k in 6.1 debug; do
		"$root/vm/kernels" names | grep -qx "$k" || fail "no kernel $k in vm/kernels"
	done
}
