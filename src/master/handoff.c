/* SPDX-License-Identifier: MIT */
/*
 * Login handoff (doc/protocols.md): a login process sends one HANDOFF
 * packet with the client fd over its SOCK_SEQPACKET socketpair; the master
 * claims the login from roost-auth with REQUEST, using the pid of the login
 * process it spawned (never one the login names), then starts the mail
 * process and answers DONE, or FAIL temp|perm. The received fd is always
 * closed here: after DONE the mail process has its own copy.
 */
#include "lib.h"
#include "net.h"
#include "auth-master-client.h"
#include "master.h"

#include <unistd.h>

#define HANDOFF_MAX_PACKET 65536
#define HANDOFF_FIELDS 12
#define HANDOFF_FIELD_MAX_LEN 1024	/* every field but the client input */

struct handoff {
	struct handoff *prev, *next;	/* master->handoffs */
	pool_t pool;
	struct service *svc;
	unsigned int generation;	/* of the login process that sent it */
	int client_fd;
	char **args;			/* unescaped HANDOFF fields */
};

enum handoff_field {
	HF_CMD = 0, HF_REQ_ID, HF_PROTO, HF_AUTH_ID, HF_COOKIE, HF_SESSION,
	HF_LOCAL_IP, HF_LOCAL_PORT, HF_REMOTE_IP, HF_REMOTE_PORT, HF_TAG,
	HF_INPUT,
};

static void
handoff_reply(struct handoff *h, const char *reply)
{
	struct service *svc = h->svc;

	if (svc->handoff_fd < 0 || svc->generation != h->generation)
		return;	/* that login process is gone */
	if (send(svc->handoff_fd, reply, strlen(reply), MSG_NOSIGNAL) < 0)
		i_error("%s: cannot answer handoff: %s", svc->name,
			strerror(errno));
}

static void
handoff_unlink(struct handoff *h)
{
	if (h->prev != NULL)
		h->prev->next = h->next;
	else if (master->handoffs == h)
		master->handoffs = h->next;
	if (h->next != NULL)
		h->next->prev = h->prev;
	h->prev = h->next = NULL;
	if (h->svc->generation == h->generation &&
	    h->svc->pending_handoffs > 0)
		h->svc->pending_handoffs--;
}

static void
handoff_free(struct handoff *h)
{
	if (h->client_fd >= 0)
		close(h->client_fd);
	pool_t pool = h->pool;
	pool_destroy(&pool);
}

/* Answer (DONE if temp_perm is NULL, else FAIL), close the fd, free h. */
static void
handoff_finish(struct handoff *h, const char *temp_perm, const char *text)
{
	struct str *reply = str_create(h->pool, 128);

	str_append(reply, temp_perm == NULL ? "DONE" : "FAIL");
	str_append_c(reply, '\t');
	str_append_tabescaped(reply, h->args[HF_REQ_ID]);
	if (temp_perm != NULL) {
		str_printfa(reply, "\t%s\t", temp_perm);
		str_append_tabescaped(reply, text);
	}
	handoff_reply(h, str_c(reply));
	handoff_unlink(h);
	handoff_free(h);
}

static void
handoff_claimed(struct handoff *h, const char *username,
		const char *const *fields)
{
	struct mail_process_request req = {
		.protocol = h->args[HF_PROTO],
		.username = username,
		.userdb_fields = fields,
		.session = h->args[HF_SESSION],
		.local_ip = h->args[HF_LOCAL_IP],
		.local_port = h->args[HF_LOCAL_PORT],
		.remote_ip = h->args[HF_REMOTE_IP],
		.remote_port = h->args[HF_REMOTE_PORT],
		.tag = h->args[HF_TAG],
		.client_input = h->args[HF_INPUT],
		.client_fd = h->client_fd,
	};
	bool is_temp;

	if (mail_process_start(h->pool, &req, &is_temp) < 0) {
		handoff_finish(h, is_temp ? "temp" : "perm",
			       "Internal error occurred. Refer to server log "
			       "for more information.");
		return;
	}
	handoff_finish(h, NULL, NULL);
}

static void
handoff_auth_callback(enum auth_master_result result, const char *username,
		      const char *const *fields, const char *error,
		      void *context)
{
	struct handoff *h = context;

	if (master->is_stopping) {
		handoff_finish(h, "temp", "Server shutting down.");
		return;
	}
	switch (result) {
	case AUTH_MASTER_OK:
		handoff_claimed(h, username, fields);
		return;
	case AUTH_MASTER_NOTFOUND:
		i_error("%s: login (auth id %s) could not be claimed from "
			"auth: no such finished login", h->svc->name,
			h->args[HF_AUTH_ID]);
		handoff_finish(h, "perm", "Login could not be verified.");
		return;
	case AUTH_MASTER_TEMP_FAIL:
		i_error("%s: claiming the login from auth failed: %s",
			h->svc->name, error == NULL ? "unknown error" : error);
		handoff_finish(h, "temp", "Temporary authentication failure.");
		return;
	}
	handoff_finish(h, "temp", "Internal error.");
}

/* NULL if the fields of a well-formed HANDOFF are usable, else why not. */
static const char *
handoff_fields_check(const struct handoff *h, unsigned int *auth_id_r)
{
	if (strcmp(h->args[HF_PROTO], h->svc->protocol) != 0)
		return "protocol differs from the login process's";
	if (str_to_uint(h->args[HF_AUTH_ID], auth_id_r) < 0)
		return "auth id is not a number";
	if (*h->args[HF_COOKIE] == '\0' || *h->args[HF_REQ_ID] == '\0')
		return "empty cookie or request id";
	for (unsigned int i = 0; i < HANDOFF_FIELDS; i++) {
		const char *p = h->args[i];
		if (i != HF_INPUT && strlen(p) > HANDOFF_FIELD_MAX_LEN)
			return "field too long";
		for (; *p != '\0'; p++) {
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				return "control character in a field";
		}
	}
	return NULL;
}

static struct handoff *
handoff_create(struct service *svc, const char *packet, int client_fd)
{
	pool_t pool = pool_create_arena("handoff", 1024);
	struct handoff *h = p_malloc(pool, sizeof(*h));

	h->pool = pool;
	h->svc = svc;
	h->generation = svc->generation;
	h->client_fd = client_fd;
	h->args = p_strsplit(pool, packet, "\t");
	if (strv_length(h->args) == HANDOFF_FIELDS) {
		for (unsigned int i = 0; i < HANDOFF_FIELDS; i++)
			h->args[i] = p_str_tabunescape(pool, h->args[i]);
	}
	h->next = master->handoffs;
	if (h->next != NULL)
		h->next->prev = h;
	master->handoffs = h;
	svc->pending_handoffs++;
	return h;
}

/* A packet that is not a HANDOFF with an fd: the peer is broken. */
static void
handoff_malformed(struct service *svc, struct handoff *h, size_t size)
{
	i_error("%s (pid %d): malformed handoff packet (%zu bytes, fd %s); "
		"closing the handoff socket", svc->name, (int)svc->pid, size,
		h->client_fd < 0 ? "missing" : "present");
	handoff_unlink(h);
	handoff_free(h);
	handoff_service_stopped(svc);
}

static void
handoff_start(struct handoff *h)
{
	struct service *svc = h->svc;
	unsigned int auth_id;
	const char *error = handoff_fields_check(h, &auth_id);

	if (error != NULL) {
		i_error("%s (pid %d): bad handoff: %s", svc->name,
			(int)svc->pid, error);
		handoff_finish(h, "perm", "Internal error.");
	} else if (master->is_stopping) {
		handoff_finish(h, "temp", "Server shutting down.");
	} else if (svc->pending_handoffs > MASTER_MAX_PENDING_HANDOFFS) {
		i_warning("%s: %u logins are already being handed off; "
			  "refusing more", svc->name,
			  MASTER_MAX_PENDING_HANDOFFS);
		handoff_finish(h, "temp", "Too many logins at once.");
	} else {
		auth_master_login_request(master->auth_master, svc->pid,
					  auth_id, h->args[HF_COOKIE],
					  handoff_auth_callback, h);
	}
}

static void
handoff_read(struct service *svc)
{
	char buf[HANDOFF_MAX_PACKET + 1];
	int client_fd;
	ssize_t ret = fd_read(svc->handoff_fd, buf, sizeof(buf), &client_fd);

	if (ret < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (ret <= 0) {
		/* the login process is gone; service_exited() follows */
		if (ret < 0)
			i_error("%s: handoff socket: %s", svc->name,
				strerror(errno));
		handoff_service_stopped(svc);
		return;
	}
	/* a packet that filled the whole buffer may have been truncated */
	buf[MIN((size_t)ret, HANDOFF_MAX_PACKET)] = '\0';
	struct handoff *h = handoff_create(svc, buf, client_fd);
	if ((size_t)ret > HANDOFF_MAX_PACKET || client_fd < 0 ||
	    strlen(buf) != (size_t)ret ||
	    strv_length(h->args) != HANDOFF_FIELDS ||
	    strcmp(h->args[HF_CMD], "HANDOFF") != 0) {
		handoff_malformed(svc, h, (size_t)ret);
		return;
	}
	handoff_start(h);
}

void
handoff_service_started(struct service *svc, int handoff_fd)
{
	lib_assert(svc->handoff_fd < 0);
	svc->handoff_fd = handoff_fd;
	svc->pending_handoffs = 0;
	net_set_nonblock(handoff_fd, true);
	svc->handoff_io = io_add(handoff_fd, IO_READ, handoff_read, svc);
}

void
handoff_service_stopped(struct service *svc)
{
	io_remove(&svc->handoff_io);
	if (svc->handoff_fd >= 0) {
		close(svc->handoff_fd);
		svc->handoff_fd = -1;
	}
}

void
handoffs_deinit(struct master *m)
{
	while (m->handoffs != NULL) {
		struct handoff *h = m->handoffs;
		handoff_unlink(h);
		handoff_free(h);
	}
}
