/*
 * oauth.h - OAuth 1.0a user-context signing (HMAC-SHA1) with liboauth,
 * producing the value of the HTTP Authorization header:
 *
 *     OAuth oauth_consumer_key="...", oauth_nonce="...", oauth_signature="...",
 *           oauth_signature_method="HMAC-SHA1", oauth_timestamp="...",
 *           oauth_token="...", oauth_version="1.0"
 *
 * What is signed: the method, the URL without its query, the URL's query
 * parameters and, for an application/x-www-form-urlencoded body, the body's
 * parameters. A JSON body is not signed (pass form_body NULL).
 *
 * The URL's query must already be percent-encoded (RFC 3986, as
 * curl_easy_escape() or oauth_url_escape() do); a '+' in the query is read
 * as a space, so encode a literal plus as %2B.
 */
#ifndef CHATHOST_OAUTH_H
#define CHATHOST_OAUTH_H

#include "common.h"
#include "creds.h"

/* Signs a request with a fresh random nonce and the current time.
 * method: "GET", "POST", ... ; url: absolute, with its query (borrowed);
 * form_body: a form-encoded body to sign, or NULL (JSON bodies: NULL).
 * Returns the header value (caller frees), or NULL with err filled.
 * No secret ever goes into err. */
char *ch_oauth_header(const struct ch_creds *creds, const char *method,
		      const char *url, const char *form_body,
		      struct ch_error *err);

/* Same with an explicit nonce and timestamp, for tests; nonce NULL means a
 * random one, timestamp < 0 the current time. Caller frees the result. */
char *ch_oauth_header_at(const struct ch_creds *creds, const char *method,
			 const char *url, const char *form_body,
			 const char *nonce, long long timestamp,
			 struct ch_error *err);

/* The decoded value of parameter name (e.g. "oauth_signature") in an
 * Authorization header value made by the functions above; NULL if absent.
 * Caller frees. */
char *ch_oauth_header_param(const char *header, const char *name);

#endif
