/*
 * secrets.h - a network's credentials, from the environment or from a
 * credentials file (libconfig, mode 0600 or stricter). Each network says
 * which values it needs in a struct ch_secrets_spec (net/x/creds.c,
 * net/bluesky/bluesky.c). No function here ever puts a secret into an
 * error message: messages name variables, keys, files and lines only.
 */
#ifndef CHATHOST_SECRETS_H
#define CHATHOST_SECRETS_H

#include <stddef.h>

#include "common.h"

#define CH_SECRETS_MAX 4

struct ch_secrets_spec {
	int n;                        /* values, 1..CH_SECRETS_MAX */
	const char *const *env;       /* their environment variables */
	const char *const *keys;      /* their keys in the file */
	const char *env_list;         /* "A, B" for messages */
	const char *key_list;         /* "a, b" for messages */
	const char *setting;          /* the schedule setting naming the file */
	const char *source;           /* where a user copies them from */
};

/* The environment wins when all n variables are set (some but not all
 * is an error); otherwise file (may be NULL) is read. A file readable or
 * writable by group or others is refused ("chmod 600 FILE"). Fills
 * out[0..n) with owned strings (free each with ch_secret_free). Returns
 * 0, or -1 with err filled (then out holds nothing). */
int ch_secrets_load(const struct ch_secrets_spec *sp, char **out,
		    const char *file, struct ch_error *err);
/* Whether the credentials can be read (ch_secrets_load, then wiped at
 * once): `check`'s offline test. Returns 0, or -1 with err. */
int ch_secrets_check(const struct ch_secrets_spec *sp, const char *file,
		     struct ch_error *err);
/* Overwrites the n bytes at s with zeros (the compiler cannot drop it). */
void ch_secret_wipe(char *s, size_t n);
/* Wipes and frees *s, then sets it to NULL. */
void ch_secret_free(char **s);

#endif
