/* SPDX-License-Identifier: MIT */
/*
 * SMTP/LMTP command-line parsing (RFC 5321 §4.1, RFC 2033): splitting a
 * command into verb and arguments, and the reverse-path / forward-path with
 * ESMTP parameters of MAIL and RCPT. No I/O and no session state.
 */
#ifndef ROOST_SMTP_COMMAND_H
#define ROOST_SMTP_COMMAND_H

/* RFC 5321 §4.5.3.1: local part 64, domain 255, path 256 octets. */
#define SMTP_PATH_MAX_LEN 256
#define SMTP_MAX_PARAMS 16

struct smtp_param {
	const char *keyword;	/* upper-cased */
	const char *value;	/* NULL if none */
};

struct smtp_path_args {
	/* "local@domain" without brackets, "" for the null path <> */
	const char *address;
	struct smtp_param params[SMTP_MAX_PARAMS];
	unsigned int param_count;
};

/* Split "VERB args" at the first space: *verb_r upper-cased, *args_r the
   rest ("" if none). Both from pool. -1 if the verb is not 1-16 letters. */
int smtp_command_split(pool_t pool, const char *line, const char **verb_r,
		       const char **args_r) ATTR_NODISCARD;

/* Parse the argument of MAIL ("FROM:<path> params") or RCPT
   ("TO:<path> params"): prefix is "FROM:" or "TO:". allow_null permits "<>".
   Returns 0, or -1 with *error_r (a reply text without the code). Strings
   are from pool. */
int smtp_path_parse(pool_t pool, const char *args, const char *prefix,
		    bool allow_null, struct smtp_path_args *result_r,
		    const char **error_r) ATTR_NODISCARD;

#endif
