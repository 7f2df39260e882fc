/*
 * cli_zalo_oa.c — the operator's first Zalo Official Account tokens:
 *
 *   tipgate zalo-oa authorize [--config F] [--redirect-uri URL]
 *
 * Zalo's OAuth v4 for Official Accounts with PKCE: a code_verifier of 43 characters from
 * secure_random, its code_challenge (base64url of its SHA-256, no padding) and a state go into
 * the permission URL printed for the OA's admin; the admin allows the app in a browser, Zalo
 * redirects to the app's callback URL with ?code=…&state=…, and the operator pastes the code —
 * or the whole redirected URL, whose state, when present, must be ours — on standard input.
 * The code is exchanged (POST {oauth_base_url}/v4/oa/access_token: zoa_token_call in
 * bot/platforms/zalo_oa.c) and the pair stored in the database, where a running `tipgate
 * serve` finds it at its next sender turn. No token is ever printed.
 */
#include "cli/cli_commands.h"

#include "base/clock.h"
#include "base/secure.h"
#include "bot/platforms/zalo_oa.h"
#include "bot/webpush_crypto.h"
#include "cli/cli_util.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    CLI_ZOA_VERIFIER_BYTES = 32, /* → 43 base64url characters, what Zalo asks for */
    CLI_ZOA_B64_MAX = 64,
    CLI_ZOA_LINE_MAX = 8192, /* the pasted code or redirected URL */
    CLI_ZOA_TIMEOUT_S = 30,
};

#define CLI_ZOA_USAGE                                                                              \
    "tipgate: usage: tipgate zalo-oa authorize [--redirect-uri URL] [--config FILE]\n"

struct cli_zoa_pkce {
    char verifier[CLI_ZOA_B64_MAX], challenge[CLI_ZOA_B64_MAX], state[33];
};

static int cli_zoa_pkce_new(struct cli_zoa_pkce *p)
{
    uint8_t raw[CLI_ZOA_VERIFIER_BYTES], digest[SECURE_SHA256_LEN];
    if (secure_random(raw, sizeof raw) != 0 ||
        wpc_b64url_encode(raw, sizeof raw, p->verifier, sizeof p->verifier) != 0 ||
        secure_token_hex(16, p->state) != 0)
        return -1;
    secure_sha256(p->verifier, strlen(p->verifier), digest);
    return wpc_b64url_encode(digest, sizeof digest, p->challenge, sizeof p->challenge);
}

/* The permission URL for the OA admin; -1 when it cannot be built. */
static int cli_zoa_url(CURL *easy, const struct zoa_settings *s, const char *redirect,
                       const struct cli_zoa_pkce *p, char **url)
{
    char *app = curl_easy_escape(easy, s->app_id, 0);
    char *uri = redirect ? curl_easy_escape(easy, redirect, 0) : NULL;
    size_t n = strlen(s->oauth_base_url);
    while (n > 0 && s->oauth_base_url[n - 1] == '/')
        n--;
    int rc = -1;
    if (app && (uri || !redirect) &&
        asprintf(url, "%.*s/v4/oa/permission?app_id=%s%s%s&code_challenge=%s&state=%s", (int)n,
                 s->oauth_base_url, app, uri ? "&redirect_uri=" : "", uri ? uri : "", p->challenge,
                 p->state) >= 0)
        rc = 0;
    curl_free(app);
    curl_free(uri);
    return rc;
}

/* The value of name in the query of line ("…?code=X&state=Y" or "code=X&state=Y"),
 * url-decoded (curl_free it); NULL when absent. */
static char *cli_zoa_param(CURL *easy, const char *line, const char *name)
{
    const char *q = strchr(line, '?');
    q = q ? q + 1 : line;
    size_t n = strlen(name);
    while (q && *q) {
        if (strncmp(q, name, n) == 0 && q[n] == '=') {
            const char *v = q + n + 1;
            return curl_easy_unescape(easy, v, (int)strcspn(v, "&#"), NULL);
        }
        q = strchr(q, '&');
        q = q ? q + 1 : NULL;
    }
    return NULL;
}

/* Reads the pasted line: the code, or a redirected URL whose state, when present, must be
 * ours. *code is curl_free'd by the caller. 0, or 1 after printing what is wrong. */
static int cli_zoa_read_code(CURL *easy, const char *state, char **code)
{
    char line[CLI_ZOA_LINE_MAX];
    *code = NULL;
    if (!fgets(line, sizeof line, stdin)) {
        fprintf(stderr, "tipgate: no code was given on standard input\n");
        return 1;
    }
    line[strcspn(line, "\r\n")] = '\0';
    char *start = line + strspn(line, " \t");
    if (!strstr(start, "code=")) {
        size_t len = strcspn(start, " \t");
        start[len] = '\0';
        *code = len ? curl_easy_unescape(easy, start, 0, NULL) : NULL;
    } else {
        char *got = cli_zoa_param(easy, start, "state");
        if (got && strcmp(got, state) != 0) {
            fprintf(stderr, "tipgate: the URL's state does not match this authorization (an "
                            "old link or someone else's): start again\n");
            curl_free(got);
            return 1;
        }
        curl_free(got);
        *code = cli_zoa_param(easy, start, "code");
    }
    if (!*code || !**code) {
        fprintf(stderr, "tipgate: no authorization code found in what was pasted\n");
        curl_free(*code);
        *code = NULL;
        return 1;
    }
    return 0;
}

/* Exchanges code for the pair and stores it. 0 or an exit status. */
static int cli_zoa_exchange(struct app *app, CURL *easy, const struct zoa_settings *s,
                            const char *code, const struct cli_zoa_pkce *p)
{
    char why[PLATFORM_WHY_MAX], *form = NULL;
    struct zoa_tokens t;
    char *c = curl_easy_escape(easy, code, 0);
    int rc = APP_EXIT_RUNTIME;
    if (!c || asprintf(&form, "code=%s&grant_type=authorization_code&code_verifier=%s", c,
                       p->verifier) < 0) {
        form = NULL;
        fprintf(stderr, "tipgate: out of memory\n");
        goto out;
    }
    if (zoa_token_call(easy, s, form, clock_now_ms(), CLI_ZOA_TIMEOUT_S, &t, why, sizeof why) !=
        0) {
        fprintf(stderr, "tipgate: Zalo did not give tokens for this code: %s\n", why);
        goto out;
    }
    if ((rc = cli_util_begin(app)) != 0)
        goto out;
    if (zoa_tokens_save(app->db, &t, clock_now_ms()) != DB_OK) {
        db_rollback(app->db);
        fprintf(stderr, "tipgate: cannot store the tokens in the database\n");
        rc = APP_EXIT_RUNTIME;
        goto out;
    }
    rc = cli_util_commit(app);
out:
    memset(&t, 0, sizeof t);
    curl_free(c);
    free(form);
    return rc;
}

static int cli_zoa_authorize(struct app *app, const struct cli_args *a)
{
    const struct zoa_settings *s = zoa_settings_of(app->cfg);
    struct cli_zoa_pkce p;
    char *url = NULL, *code = NULL;
    CURL *easy = curl_easy_init();
    int rc = APP_EXIT_RUNTIME;
    if (!s || !*s->app_id || !*s->app_secret) {
        fprintf(stderr, "tipgate: set platforms.zalo_oa.app_id and app_secret (from the app's "
                        "page on developers.zalo.me) first\n");
        rc = APP_EXIT_CONFIG;
        goto out;
    }
    if (!easy || cli_zoa_pkce_new(&p) != 0 || cli_zoa_url(easy, s, a->redirect_uri, &p, &url)) {
        fprintf(stderr, "tipgate: cannot prepare the authorization\n");
        goto out;
    }
    printf("1. Quản trị viên của Official Account mở đường dẫn sau, chọn OA và bấm \"Cho phép\":"
           "\n\n%s\n\n2. Zalo chuyển trình duyệt đến địa chỉ callback của ứng dụng. Dán mã "
           "(code) hoặc cả địa chỉ đó vào đây rồi nhấn Enter (mã có hiệu lực 10 phút):\n",
           url);
    fflush(stdout);
    if ((rc = cli_zoa_read_code(easy, p.state, &code)) != 0)
        goto out;
    if ((rc = cli_zoa_exchange(app, easy, s, code, &p)) == 0)
        printf("Đã xong: tipgate đã lưu mã truy cập của Official Account vào cơ sở dữ liệu. "
               "Nếu tipgate serve đang chạy, nó sẽ dùng mã mới ở lượt gửi tới.\n");
out:
    memset(&p, 0, sizeof p);
    curl_free(code);
    free(url);
    if (easy)
        curl_easy_cleanup(easy);
    return rc;
}

int cli_zalo_oa(const char *config, const struct cli_args *a)
{
    if (!a->action || strcmp(a->action, "authorize") != 0) {
        fputs(CLI_ZOA_USAGE, stderr);
        return 2;
    }
    struct app app;
    int rc = cli_util_open(config, &app);
    if (rc != 0)
        return rc;
    rc = cli_zoa_authorize(&app, a);
    app_free(&app);
    return rc;
}
