/* SPDX-License-Identifier: MIT */
/*
 * POP3 command lines (RFC 1939 §3, RFC 2449 §3): keyword and arguments,
 * strict message-number parsing, and the dot-stuffing of multi-line
 * responses. No I/O and no session state; shared by roost-login and
 * roost-pop3.
 */
#ifndef ROOST_POP3_COMMAND_H
#define ROOST_POP3_COMMAND_H

#define POP3_MAX_ARGS 4

struct pop3_command {
	const char *keyword;	/* upper-cased, 3-4 letters (RFC 2449: <=4) */
	const char *args[POP3_MAX_ARGS + 1];	/* NULL-terminated */
	unsigned int arg_count;
};

/* Split line (without CRLF) into keyword and space-separated args. Strings
   are from pool. -1 if the keyword is not 3-4 letters or there are more
   than POP3_MAX_ARGS arguments. */
int pop3_command_parse(pool_t pool, const char *line,
		       struct pop3_command *cmd_r) ATTR_NODISCARD;

/* A message number: decimal digits only, 1..max. -1 otherwise. */
int pop3_parse_msgnum(const char *arg, uint32_t max, uint32_t *num_r)
	ATTR_NODISCARD;
/* A non-negative line count (TOP): digits only, no overflow. */
int pop3_parse_count(const char *arg, uint64_t *count_r) ATTR_NODISCARD;

/* Dot-stuffing state across chunks of a multi-line response. */
struct pop3_dotstuff {
	bool at_line_start;
	bool last_was_cr;
	char last_char;
};

void pop3_dotstuff_init(struct pop3_dotstuff *ds);
/* Append data to dest with a '.' doubled at each line start. */
void pop3_dotstuff_append(struct pop3_dotstuff *ds, const void *data,
			  size_t size, struct str *dest);
/* The terminator: CRLF first if the data did not end in one, then ".". */
void pop3_dotstuff_finish(struct pop3_dotstuff *ds, struct str *dest);

#endif
