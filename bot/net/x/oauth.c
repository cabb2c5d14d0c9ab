/* oauth.c - OAuth 1.0a HMAC-SHA1 Authorization header with liboauth.
 *
 * liboauth adds oauth_nonce and oauth_timestamp only when the parameter
 * array lacks them, so a fixed nonce/timestamp is injected by adding them
 * to the array before oauth_sign_array2_process() sorts, encodes and signs
 * it. The header is then serialised from the oauth_* parameters alone
 * (oauth_serialize_url_sep mode 2|4: oauth_ only, quoted values). */
#include "oauth.h"

/* liboauth's header has the same name as ours: compile this file without
 * -Ibot (as the Makefile does) so that <oauth.h> is liboauth's. */
#include <oauth.h>
#ifndef _OAUTH_H
#error "<oauth.h> resolved to bot/oauth.h: compile bot/oauth.c without -Ibot"
#endif
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CH_OAUTH_MAX_FIELD 512 /* liboauth formats params into 1 KiB */

static int ch_oauth_field_ok(const char *s)
{
	size_t n;

	if (!s || !*s)
		return 0;
	n = strlen(s);
	if (n > CH_OAUTH_MAX_FIELD)
		return 0;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f)
			return 0;
	return 1;
}

/* Splits "k=v&k2=v2" (percent-encoded) into the array as decoded "k=v"
 * items; '+' is a space (form and query encoding alike). */
static void ch_oauth_add_params(int *argc, char ***argv, const char *q)
{
	const char *p = q;

	while (p && *p) {
		const char *end = strchr(p, '&');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		if (n > 0) {
			char *item = ch_xstrndup(p, n);
			char *eq = strchr(item, '=');
			char *k, *v, *kv;
			size_t i;

			for (i = 0; item[i]; i++)
				if (item[i] == '+')
					item[i] = ' ';
			if (eq)
				*eq = '\0';
			k = oauth_url_unescape(item, NULL);
			v = oauth_url_unescape(eq ? eq + 1 : "", NULL);
			kv = ch_xasprintf("%s=%s", k ? k : "", v ? v : "");
			oauth_add_param_to_array(argc, argv, kv);
			free(kv);
			free(k);
			free(v);
			free(item);
		}
		p = end ? end + 1 : NULL;
	}
}

char *ch_oauth_header_at(const struct ch_creds *creds, const char *method,
			 const char *url, const char *form_body,
			 const char *nonce, long long timestamp,
			 struct ch_error *err)
{
	int argc = 0;
	char **argv = NULL;
	char *base = NULL, *params = NULL, *result = NULL, *item = NULL;
	char *gen_nonce = NULL;
	const char *q, *hash;
	size_t baselen;

	if (!creds || !ch_oauth_field_ok(creds->api_key) ||
	    !ch_oauth_field_ok(creds->api_secret) ||
	    !ch_oauth_field_ok(creds->access_token) ||
	    !ch_oauth_field_ok(creds->access_token_secret)) {
		ch_error_set(err, "oauth", 0,
			     "credentials missing, empty, too long or with "
			     "control characters; check X_API_KEY, X_API_SECRET, "
			     "X_ACCESS_TOKEN, X_ACCESS_TOKEN_SECRET or the "
			     "credentials file");
		goto cleanup;
	}
	if (!method || !*method || !url ||
	    (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0)) {
		ch_error_set(err, "oauth", 0,
			     "cannot sign: method and an absolute http(s) URL "
			     "are required");
		goto cleanup;
	}
	if (nonce && !ch_oauth_field_ok(nonce)) {
		ch_error_set(err, "oauth", 0, "cannot sign: bad nonce");
		goto cleanup;
	}

	/* Base URL: everything before '?' (and any '#'). */
	q = strchr(url, '?');
	hash = strchr(url, '#');
	baselen = q ? (size_t)(q - url) : (hash ? (size_t)(hash - url) : strlen(url));
	base = ch_xstrndup(url, baselen);
	if (q) {
		params = ch_xstrdup(q + 1);
		if ((item = strchr(params, '#')))
			*item = '\0';
		item = NULL;
	}

	/* A URL without a path is signed as "scheme://host/". */
	{
		const char *hostpart = strstr(base, "://") + 3;
		if (!strchr(hostpart, '/')) {
			item = ch_xasprintf("%s/", base);
			free(base);
			base = item;
			item = NULL;
		}
	}

	oauth_add_param_to_array(&argc, &argv, base);
	ch_oauth_add_params(&argc, &argv, params);
	ch_oauth_add_params(&argc, &argv, form_body);

	if (!nonce) {
		gen_nonce = oauth_gen_nonce();
		if (!gen_nonce) {
			ch_error_set(err, "oauth", 0, "cannot make a nonce");
			goto cleanup;
		}
		nonce = gen_nonce;
	}
	if (timestamp < 0)
		timestamp = (long long)time(NULL);
	item = ch_xasprintf("oauth_nonce=%s", nonce);
	oauth_add_param_to_array(&argc, &argv, item);
	free(item);
	item = ch_xasprintf("oauth_timestamp=%lld", timestamp);
	oauth_add_param_to_array(&argc, &argv, item);
	free(item);
	item = NULL;

	oauth_sign_array2_process(&argc, &argv, NULL, OA_HMAC, method,
				  creds->api_key, creds->api_secret,
				  creds->access_token,
				  creds->access_token_secret);

	{
		char sep[] = ", ";
		char *auth = oauth_serialize_url_sep(argc, 1, argv, sep, 2 | 4);
		if (!auth || !strstr(auth, "oauth_signature=")) {
			free(auth);
			ch_error_set(err, "oauth", 0, "liboauth failed to sign");
			goto cleanup;
		}
		result = ch_xasprintf("OAuth %s", auth);
		free(auth);
	}

cleanup:
	if (argv)
		oauth_free_array(&argc, &argv);
	free(gen_nonce);
	free(params);
	free(base);
	return result;
}

char *ch_oauth_header(const struct ch_creds *creds, const char *method,
		      const char *url, const char *form_body,
		      struct ch_error *err)
{
	return ch_oauth_header_at(creds, method, url, form_body, NULL, -1, err);
}

char *ch_oauth_header_param(const char *header, const char *name)
{
	const char *p;
	size_t n;

	if (!header || !name)
		return NULL;
	n = strlen(name);
	p = header;
	if (strncmp(p, "OAuth ", 6) == 0)
		p += 6;
	while (*p) {
		while (*p == ' ' || *p == ',')
			p++;
		if (strncmp(p, name, n) == 0 && p[n] == '=' && p[n + 1] == '"') {
			const char *v = p + n + 2;
			const char *e = strchr(v, '"');
			char *raw, *dec;

			if (!e)
				return NULL;
			raw = ch_xstrndup(v, (size_t)(e - v));
			dec = oauth_url_unescape(raw, NULL);
			free(raw);
			return dec;
		}
		p = strchr(p, ',');
		if (!p)
			break;
	}
	return NULL;
}
