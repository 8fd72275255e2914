/* Minimal checks for the plain-C test programs (threaded tests, which run under
 * ThreadSanitizer, where Criterion cannot run: Snaipe/Criterion#274). */
#ifndef AXV_TESTS_TCHECK_H
#define AXV_TESTS_TCHECK_H

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tcheck_failed;
static int tcheck_passed;

#define CHECK(cond, ...)                                                                   \
	do {                                                                               \
		if (cond) {                                                                \
			tcheck_passed++;                                                   \
		} else {                                                                   \
			tcheck_failed++;                                                   \
			fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__,   \
				#cond);                                                    \
			fprintf(stderr, __VA_ARGS__);                                      \
			fputc('\n', stderr);                                               \
		}                                                                          \
	} while (0)

/* Run `handler` on signal `sig` (interrupted system calls restart), the threaded tests'
 * stand-in for an interrupt. */
static inline void tcheck_on_signal(int sig, void (*handler)(int))
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(sig, &sa, NULL);
}

/* Print the closing line and return the exit status. */
static inline int tcheck_done(const char *name)
{
	printf("%s: %d passed, %d failed\n", name, tcheck_passed, tcheck_failed);
	return tcheck_failed ? 1 : 0;
}

#endif
