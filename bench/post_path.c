/* post_path.c - where chathost's time goes between a post's instant and
 * the request leaving: against a running fake X API (BASE), N posts are
 * made with ch_xapi_post on a warmed connection, as `chathost run` makes
 * them; for each, the time from the call to the request going out
 * (xapi's last_sent: libcurl's pre-request callback, after signing and
 * setup), and the whole round trip; then N OAuth signatures alone
 * (ch_oauth_header); then N absolute-deadline sleeps of 50 ms
 * (clock_nanosleep on CLOCK_REALTIME, as chathost waits for a post) and
 * how late each one woke up: the machine's own share. Prints min, median,
 * p99 and max in microseconds.
 *   post_path BASE [N]      (credentials from X_API_* in the environment)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common.h"
#include "net/x/creds.h"
#include "net/x/oauth.h"
#include "net/x/xapi.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void show(const char *what, double *v, int n)
{
	int k = (99 * n + 99) / 100 - 1;

	qsort(v, (size_t)n, sizeof v[0], cmp);
	printf("| %s | %.1f | %.1f | %.1f | %.1f |\n", what, v[0] * 1e6,
	       v[n / 2] * 1e6, v[k < 0 ? 0 : k] * 1e6, v[n - 1] * 1e6);
}

int main(int argc, char **argv)
{
	struct ch_creds creds = {0};
	struct ch_xapi x;
	struct ch_error err;
	int n = argc > 2 ? atoi(argv[2]) : 20, i, rc = 1, xinit = 0;
	double *pre = NULL, *rt = NULL, *sig = NULL, *wake = NULL;
	char id[64], text[128], url[512];

	ch_error_clear(&err);
	if (argc < 2 || n < 1 || n > 100000) {
		fprintf(stderr, "usage: post_path BASE [N]\n");
		return 2;
	}
	pre = calloc((size_t)n, sizeof *pre);
	rt = calloc((size_t)n, sizeof *rt);
	sig = calloc((size_t)n, sizeof *sig);
	wake = calloc((size_t)n, sizeof *wake);
	if (!pre || !rt || !sig || !wake)
		goto cleanup;
	if (ch_creds_load(&creds, NULL, &err) < 0 ||
	    ch_xapi_init(&x, argv[1], &creds, &err) < 0)
		goto cleanup;
	xinit = 1;
	if (ch_xapi_warm(&x, &err) < 0)
		goto cleanup;
	for (i = 0; i < n; i++) {
		double t0, t1;

		snprintf(text, sizeof text, "post_path %d %.6f #ICMIchat", i, now());
		t0 = now();
		if (ch_xapi_post(&x, text, NULL, NULL, id, sizeof id, &err) < 0)
			goto cleanup;
		t1 = now();
		pre[i] = (double)x.last_sent.tv_sec + (double)x.last_sent.tv_nsec / 1e9 - t0;
		rt[i] = t1 - t0;
	}
	snprintf(url, sizeof url, "%s/2/tweets", argv[1]);
	for (i = 0; i < n; i++) {
		double t0 = now();
		char *h = ch_oauth_header(&creds, "POST", url, NULL, &err);

		sig[i] = now() - t0;
		if (!h)
			goto cleanup;
		free(h);
	}
	for (i = 0; i < n; i++) {
		double t = now() + 0.05;
		struct timespec ts;

		ts.tv_sec = (time_t)t;
		ts.tv_nsec = (long)((t - (double)ts.tv_sec) * 1e9);
		clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &ts, NULL);
		wake[i] = now() - t;
	}
	printf("| step (%d samples) | min us | median us | p99 us | max us |\n|---|---|---|---|---|\n", n);
	show("ch_xapi_post called to the request going out", pre, n);
	show("whole post round trip", rt, n);
	show("one OAuth signature (ch_oauth_header)", sig, n);
	show("wake-up from an absolute 50 ms sleep, late by", wake, n);
	rc = 0;
cleanup:
	if (rc)
		fprintf(stderr, "post_path: %s\n", err.text[0] ? err.text : "out of memory");
	if (xinit)
		ch_xapi_free(&x);
	ch_creds_free(&creds);
	free(pre);
	free(rt);
	free(sig);
	free(wake);
	return rc;
}
