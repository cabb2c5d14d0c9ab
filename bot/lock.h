/*
 * lock.h - one `chathost run` per chat folder, one `chathost watch` per
 * care folder.
 *
 * A run takes an exclusive flock(2) on FOLDER/.lock (the chat's state
 * folder: LOGS/NAME, or LOGS/NAME/rehearsal for rehearsals) and writes its
 * process id into the file. A second run on the same folder is refused at
 * once with the holder's pid. The kernel drops the lock when the holder
 * dies (even by SIGKILL), so no stale lock is ever left behind; the pid in
 * the file is only for the message.
 *
 * The lock survives the exec into chathost-wait and back: the descriptor
 * is handed over in the environment (CHATHOST_LOCK_FD), and the process
 * that comes back recognises its own lock (same file, same open file
 * description) instead of refusing itself.
 */
#ifndef CHATHOST_LOCK_H
#define CHATHOST_LOCK_H

#include "common.h"

/* Takes the lock on dir (created if missing). Returns the descriptor
 * (owned by the caller: it holds the lock until closed or the process
 * ends; close-on-exec is set), or -1 with err filled: "already running
 * (pid N)" when another process holds it. */
int ch_lock_dir(const char *dir, struct ch_error *err);

/* The pid of the process holding the lock on dir, or 0 if none does
 * (the file is missing, or no one holds it). */
long ch_lock_holder(const char *dir);

/* Lets the lock cross an exec: clears close-on-exec on fd and names it in
 * CHATHOST_LOCK_FD. Call right before execv. */
void ch_lock_pass_on(int fd);

#endif
