/*
 * board.h - the live board: one read-only web page of the hour, for the
 * host and the care team, served by chathost run --board and chathost
 * watch --board (libmicrohttpd), with live updates as Server-Sent Events.
 *
 * What it shows comes from the files chathost writes anyway: the board
 * tails the chat's log and the care log (each line, once written, is an
 * event), and the chat tells it its plan (ch_board_chat). So the posting
 * and the capture never wait for it: they write their files as always,
 * and ch_board_chat only copies a small object under a lock.
 *
 *   GET /        the page (self-contained: its style and script inline,
 *                allowed by a per-response nonce; nothing from a post is
 *                ever read as markup: the script sets text only)
 *   GET /events  text/event-stream: every event since Last-Event-ID (or
 *                all of them), then each new one; a comment every 15 s
 *
 * Events: "chat" (the chat, its zone and its plan, JSON as given), "line"
 * (a line of the chat's log), "care" (a line of the care log); each
 * "data" is one line of JSON, each "id" counts up from 1.
 *
 * Safety: a loopback address (127.0.0.0/8, ::1) needs nothing; any other
 * needs a token (at least 16 characters), which a request gives as
 * "Authorization: Bearer TOKEN", or as the cookie the page's link with
 * ?token=TOKEN sets once (HttpOnly, SameSite=Strict, then a redirect
 * that drops it from the address). Only GET and HEAD. A client that does
 * not read is dropped after 30 s without progress; at most 512 at once.
 *
 * Threads: one thread tails the files (every 200 ms), one per client
 * (libmicrohttpd's thread per connection, 256 KiB stacks). The events are
 * kept in memory (at most 50000; the oldest go first).
 *
 * Ownership: struct ch_board is opaque, made by ch_board_start and freed
 * by ch_board_stop; every argument is copied.
 */
#ifndef CHATHOST_BOARD_H
#define CHATHOST_BOARD_H

#include <jansson.h>
#include <stdbool.h>

#include "common.h"

struct ch_board;

/* The token of a board on a non-loopback address: the first line of
 * file (a regular file no one else may read: mode 0600 or stricter) or,
 * with file NULL, $CHATHOST_BOARD_TOKEN. Returns a new string, or NULL
 * with err (none given, unreadable, too short). */
char *ch_board_token(const char *file, struct ch_error *err);

/* Whether addr ("HOST:PORT", "[V6]:PORT") is a loopback address. Returns
 * 1, 0, or -1 with err (not an address and port). */
int ch_board_loopback(const char *addr, struct ch_error *err);

/* Serves the board on addr; token: required (NULL refused) when addr is
 * not loopback, else ignored. The address it listens on, with the port
 * chosen when addr's is 0, goes to url (>= 80 bytes: "http://H:P/").
 * Returns the board, or NULL with err. */
struct ch_board *ch_board_start(const char *addr, const char *token,
				char *url, size_t url_size,
				struct ch_error *err);

/* The chat: an object (borrowed, copied) the page shows as the hour's
 * frame - hashtag, title, date, timezone, and "posts": [{key, label, due
 * (epoch seconds), text}] - sent as a "chat" event. */
void ch_board_chat(struct ch_board *b, json_t *chat);

/* Tails path as kind "line" (a chat's log) or "care" (a care log), from
 * its start; a file already tailed is left as it is. dir_kind: path is a
 * folder whose newest YYYY-MM-DD.jsonl is tailed (a care folder: a new
 * day starts a new file). */
void ch_board_tail(struct ch_board *b, const char *path, const char *kind,
		   bool dir_kind);

/* --board ADDR:PORT [--board-token FILE]: the board on addr, with the
 * token (token_file or the environment) an address other than loopback
 * needs; its address said in the log. Returns it, or NULL with err. */
struct ch_board *ch_board_open(const char *addr, const char *token_file,
			       struct ch_error *err);

/* Stops serving (the clients' streams end) and frees b. NULL is fine. */
void ch_board_stop(struct ch_board *b);

/* Connections one address may hold at once (the board's pages and
 * streams): 512 slow connections from one address no longer lock
 * everyone else out before a token is even read. */
#define CH_BOARD_PER_ADDRESS 32

#endif
