/* SPDX-License-Identifier: MIT */
/*
 * The login handoff to the master (doc/protocols.md "Login handoff"): one
 * SOCK_SEQPACKET packet "HANDOFF ..." with the client fd attached, answered
 * by "DONE <id>" (the mail process owns the client now: close it without a
 * word) or "FAIL <id> <temp|perm> <text>" (answer a temporary failure and
 * keep the client).
 */
#ifndef ROOST_LOGIN_HANDOFF_H
#define ROOST_LOGIN_HANDOFF_H

struct login_client;

/* fd: the inherited "master" socket. */
void login_handoff_init(int fd);
void login_handoff_deinit(void);
/* Number of handoffs waiting for an answer. */
unsigned int login_handoff_pending_count(void);

/* Auth said OK: hand the client over (once its output is flushed). */
void login_handoff_start(struct login_client *client);
/* The client's output drained while a handoff waits for it. */
void login_handoff_output_flushed(struct login_client *client);
/* The client is being destroyed: forget its pending handoff. */
void login_handoff_cancel(struct login_client *client);

#endif
