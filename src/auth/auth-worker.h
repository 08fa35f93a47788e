/* SPDX-License-Identifier: MIT */
/*
 * A small pool of worker threads for slow password verification (argon2id
 * costs tens of milliseconds of CPU and memory): the event loop queues a job
 * and gets its result later through an eventfd watched by the loop, so one
 * slow hash never delays other clients. The queue is bounded.
 *
 * Threads run only password_scheme verify functions on private copies of
 * the inputs; every callback runs in the loop's thread.
 */
#ifndef ROOST_AUTH_WORKER_H
#define ROOST_AUTH_WORKER_H

struct password_scheme;
struct auth_worker_pool;
struct auth_worker_job;

/* result: 1 match, 0 mismatch, -1 malformed stored data (error static). */
typedef void auth_worker_callback_t(int result, const char *error,
				    void *context);

/* Starts the threads now (with every signal blocked in them). Needs
   current_ioloop. */
struct auth_worker_pool *auth_worker_pool_create(unsigned int threads,
						 unsigned int max_queue);
/* Stops and joins the threads; callbacks of unfinished jobs are not
   called. */
void auth_worker_pool_destroy(struct auth_worker_pool **pool);

/* Queue scheme->verify(plaintext, data). Both strings are copied (and
   wiped when the job is freed). Returns NULL if max_queue jobs wait
   already (the caller answers a temporary failure). The callback is called
   exactly once, later, from the loop, unless the job is aborted. */
struct auth_worker_job *
auth_worker_verify(struct auth_worker_pool *pool,
		   const struct password_scheme *scheme,
		   const char *plaintext, const char *data,
		   auth_worker_callback_t *callback, void *context);
/* The callback will not be called; sets *job to NULL. */
void auth_worker_job_abort(struct auth_worker_job **job);

#endif
