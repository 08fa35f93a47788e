/* SPDX-License-Identifier: MIT */
/*
 * APOP (RFC 1939 §7) before login: the greeting timestamp and the APOP
 * command, which roost-auth checks through its "private" APOP mechanism
 * (doc/pop3.md "APOP"). Offered only when pop3_enable_apop = yes and
 * roost-auth offers APOP (auth_mechanisms includes apop).
 */
#ifndef ROOST_POP3_LOGIN_APOP_H
#define ROOST_POP3_LOGIN_APOP_H

#include "pop3-login.h"

/* Longest greeting timestamp we make; roost-auth accepts up to 256. */
#define POP3_LOGIN_APOP_MAX_HOSTNAME 64

/* Whether new connections get a timestamp: the setting is on, roost-auth
   is ready and offers APOP. Logs once when the setting is on but auth
   does not offer APOP. */
bool pop3_login_apop_is_enabled(void);
/* A new "<pid.clock.random@host>" (login pid, unix time, 64 random bits
   in hex, the host name), from pool. */
const char *pop3_login_apop_timestamp_create(pool_t pool);
/* pop3-login.c: the timestamp sent in pc's greeting, NULL if none;
   borrowed from the client's pool. */
const char *pop3_login_get_apop_timestamp(const struct pop3_login_client *pc);

/* APOP name digest */
pop3_login_command_func_t pop3_login_cmd_apop;

#endif
