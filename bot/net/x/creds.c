/* creds.c - X's four OAuth secrets, read by the core's secrets.c. */
#include "creds.h"

#include <string.h>

#include "secrets.h"

static const char *const env[4] = {
	"X_API_KEY", "X_API_SECRET", "X_ACCESS_TOKEN", "X_ACCESS_TOKEN_SECRET",
};
static const char *const keys[4] = {
	"api_key", "api_secret", "access_token", "access_token_secret",
};

static const struct ch_secrets_spec x_spec = {
	.n = 4,
	.env = env,
	.keys = keys,
	.env_list = "X_API_KEY, X_API_SECRET, X_ACCESS_TOKEN, X_ACCESS_TOKEN_SECRET",
	.key_list = "api_key, api_secret, access_token, access_token_secret",
	.setting = "api.credentials",
	.source = "the developer portal",
};

void ch_creds_free(struct ch_creds *c)
{
	if (!c)
		return;
	ch_secret_free(&c->api_key);
	ch_secret_free(&c->api_secret);
	ch_secret_free(&c->access_token);
	ch_secret_free(&c->access_token_secret);
}

int ch_creds_load(struct ch_creds *c, const char *file, struct ch_error *err)
{
	char *v[4];

	memset(c, 0, sizeof *c);
	if (ch_secrets_load(&x_spec, v, file, err) < 0)
		return -1;
	c->api_key = v[0];
	c->api_secret = v[1];
	c->access_token = v[2];
	c->access_token_secret = v[3];
	return 0;
}
