// SPDX-License-Identifier: GPL-2.0
/*
 * sleepy_write: make COUNT write(2) calls of one byte (or of zero bytes with
 * -z) on one open DEVICE, stopping at the first failure.
 *
 *   sleepy_write [-a UID:GID] [-z] DEVICE COUNT
 *
 * -a writes as UID:GID, without supplementary groups.
 * Prints "wrote N of COUNT", then ": ERRNO" (e.g. EAGAIN) if a write failed.
 * Exits 0 when every write succeeded, 1 otherwise, 2 on bad usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"

int main(int argc, char **argv)
{
	size_t len = 1;
	long count, done;
	ssize_t n = 0;
	int fd, opt;

	while ((opt = getopt(argc, argv, "a:z")) != -1) {
		switch (opt) {
		case 'a':
			if (become_ids(optarg)) {
				perror("-a");
				return 2;
			}
			break;
		case 'z':
			len = 0;
			break;
		default:
			return 2;
		}
	}
	if (optind != argc - 2) {
		fprintf(stderr, "usage: %s [-a UID:GID] [-z] DEVICE COUNT\n",
			argv[0]);
		return 2;
	}
	count = atol(argv[optind + 1]);

	fd = open(argv[optind], O_WRONLY);
	if (fd < 0) {
		printf("open %s\n", strerrorname_np(errno));
		return 1;
	}
	for (done = 0; done < count; done++) {
		/* A zero-length write must return 0, a one-byte write 1. */
		n = write(fd, "x", len);
		if (n != (ssize_t)len)
			break;
	}
	if (done == count) {
		printf("wrote %ld of %ld\n", done, count);
		return 0;
	}
	if (n < 0)
		printf("wrote %ld of %ld: %s\n", done, count,
		       strerrorname_np(errno));
	else
		printf("wrote %ld of %ld: returned %zd\n", done, count, n);
	return 1;
}
