/*
 * creds.h - the four OAuth 1.0a user-context secrets, from the environment
 * (X_API_KEY, X_API_SECRET, X_ACCESS_TOKEN, X_ACCESS_TOKEN_SECRET) or from
 * the credentials file (libconfig: api_key, api_secret, access_token,
 * access_token_secret), which must be mode 0600 or stricter.
 * No function here ever puts a secret into an error message.
 */
#ifndef CHATHOST_CREDS_H
#define CHATHOST_CREDS_H

#include "common.h"

struct ch_creds {
	char *api_key;             /* owned */
	char *api_secret;          /* owned */
	char *access_token;        /* owned */
	char *access_token_secret; /* owned */
};

/* The environment wins when all four variables are set; otherwise file
 * (may be NULL) is read. A file readable or writable by group or others is
 * refused ("chmod 600 FILE"). Returns 0, or -1 with err filled. */
int ch_creds_load(struct ch_creds *c, const char *file, struct ch_error *err);
/* Overwrites the secrets with zeros, then frees them. */
void ch_creds_free(struct ch_creds *c);

#endif
