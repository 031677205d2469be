// SPDX-License-Identifier: GPL-2.0
/*
 * cat_nonblock - print a file like cat, but open and read it with O_NONBLOCK,
 * so a file that would make us sleep makes us fail instead.
 *
 * Exit status: 0 the whole file was printed, 1 the open or a read would
 * block, 2 any other error, 64 usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define EXIT_WOULD_BLOCK 1
#define EXIT_ERROR 2
#define EXIT_USAGE 64

/*
 * Write all of buf, whatever the size of each write(). No signal handler is
 * installed, so a signal does not make a write() or read() here fail with
 * EINTR: the kernel restarts a call it cut short (-ERESTARTSYS), or the
 * signal ends the process. A driver that returns EINTR itself is an error
 * like any other.
 */
static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int main(int argc, char *argv[])
{
	char buf[4096];
	ssize_t n;
	int fd;

	if (argc != 2) {
		fprintf(stderr, "Usage: %s <filename>\n", argv[0]);
		fputs("Reads the content of a file, but doesn't wait for input\n",
		      stderr);
		return EXIT_USAGE;
	}

	fd = open(argv[1], O_RDONLY | O_NONBLOCK);
	if (fd < 0) {
		if (errno == EAGAIN) {
			puts("Open would block");
			return EXIT_WOULD_BLOCK;
		}
		fprintf(stderr, "Open failed: %s: %s\n", argv[1],
			strerror(errno));
		return EXIT_ERROR;
	}

	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n == 0)
			break;
		if (n < 0) {
			if (errno == EAGAIN) {
				puts("Normally I'd block, but you told me not to");
				return EXIT_WOULD_BLOCK;
			}
			fprintf(stderr, "Read failed: %s: %s\n", argv[1],
				strerror(errno));
			return EXIT_ERROR;
		}
		if (write_all(STDOUT_FILENO, buf, (size_t)n) < 0) {
			fprintf(stderr, "Write failed: %s\n", strerror(errno));
			return EXIT_ERROR;
		}
	}

	if (close(fd) < 0) {
		fprintf(stderr, "Close failed: %s: %s\n", argv[1],
			strerror(errno));
		return EXIT_ERROR;
	}
	return 0;
}
