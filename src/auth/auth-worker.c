/* SPDX-License-Identifier: MIT */
/*
 * Worker threads for slow password hashes. Jobs move queue -> (a thread)
 * -> done list; the loop is woken through an eventfd and runs callbacks.
 * A job is freed only by the loop thread, after it is on the done list.
 */
#include "lib.h"
#include "ioloop.h"
#include "password-scheme.h"
#include "auth-worker.h"

#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <unistd.h>

struct auth_worker_job {
	struct auth_worker_job *next;
	struct auth_worker_pool *pool;
	const struct password_scheme *scheme;
	char *plaintext, *data;
	bool aborted;		/* protected by pool->mutex */
	int result;
	const char *error;
	auth_worker_callback_t *callback;
	void *context;
};

struct job_list {
	struct auth_worker_job *head, *tail;
	unsigned int count;
};

struct auth_worker_pool {
	pthread_mutex_t mutex;
	pthread_cond_t cond;
	struct job_list queue, done;
	bool shutdown;
	unsigned int max_queue;

	pthread_t *threads;
	unsigned int thread_count;
	int event_fd;
	struct io *io;
};

static void
job_list_push(struct job_list *list, struct auth_worker_job *job)
{
	job->next = NULL;
	if (list->tail == NULL)
		list->head = job;
	else
		list->tail->next = job;
	list->tail = job;
	list->count++;
}

static struct auth_worker_job *
job_list_pop(struct job_list *list)
{
	struct auth_worker_job *job = list->head;

	if (job == NULL)
		return NULL;
	list->head = job->next;
	if (list->head == NULL)
		list->tail = NULL;
	list->count--;
	return job;
}

static void
job_free(struct auth_worker_job *job)
{
	safe_memset0(job->plaintext, strlen(job->plaintext));
	safe_memset0(job->data, strlen(job->data));
	xfree(job->plaintext);
	xfree(job->data);
	xfree(job);
}

static void
worker_notify(struct auth_worker_pool *pool)
{
	uint64_t one = 1;

	/* Cannot fail short of a bug (EAGAIN only at 2^64-1 pending). */
	if (write(pool->event_fd, &one, sizeof(one)) != sizeof(one))
		abort();
}

static void *
worker_thread(void *context)
{
	struct auth_worker_pool *pool = context;
	struct auth_worker_job *job;
	bool run;

	for (;;) {
		pthread_mutex_lock(&pool->mutex);
		while (!pool->shutdown && pool->queue.head == NULL)
			pthread_cond_wait(&pool->cond, &pool->mutex);
		if (pool->shutdown) {
			pthread_mutex_unlock(&pool->mutex);
			return NULL;
		}
		job = job_list_pop(&pool->queue);
		run = !job->aborted;
		pthread_mutex_unlock(&pool->mutex);

		job->error = NULL;
		job->result = !run ? 0 :
			password_scheme_verify(job->scheme, job->plaintext,
					       job->data, &job->error);

		pthread_mutex_lock(&pool->mutex);
		job_list_push(&pool->done, job);
		pthread_mutex_unlock(&pool->mutex);
		worker_notify(pool);
	}
}

static void
worker_done_input(struct auth_worker_pool *pool)
{
	struct job_list done;
	struct auth_worker_job *job;
	uint64_t count;

	if (read(pool->event_fd, &count, sizeof(count)) < 0 &&
	    errno != EAGAIN)
		i_error("auth worker: read(eventfd) failed: %s",
			strerror(errno));
	pthread_mutex_lock(&pool->mutex);
	done = pool->done;
	memset(&pool->done, 0, sizeof(pool->done));
	pthread_mutex_unlock(&pool->mutex);

	/* aborted is only set by this thread, so it is safe to read here */
	while ((job = job_list_pop(&done)) != NULL) {
		if (!job->aborted)
			job->callback(job->result, job->error, job->context);
		job_free(job);
	}
}

struct auth_worker_pool *
auth_worker_pool_create(unsigned int threads, unsigned int max_queue)
{
	struct auth_worker_pool *pool = xcalloc(1, sizeof(*pool));
	sigset_t all, old;

	lib_assert(threads > 0);
	pthread_mutex_init(&pool->mutex, NULL);
	pthread_cond_init(&pool->cond, NULL);
	pool->max_queue = max_queue;
	pool->event_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (pool->event_fd < 0)
		i_fatal("eventfd() failed: %s", strerror(errno));
	pool->io = io_add(pool->event_fd, IO_READ, worker_done_input, pool);

	/* Signals go to the loop's signalfd: keep them blocked in workers. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pool->threads = xcalloc(threads, sizeof(*pool->threads));
	for (unsigned int i = 0; i < threads; i++) {
		int ret = pthread_create(&pool->threads[i], NULL,
					 worker_thread, pool);
		if (ret != 0)
			i_fatal("pthread_create() failed: %s", strerror(ret));
		pool->thread_count++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return pool;
}

static void
job_list_free(struct job_list *list)
{
	struct auth_worker_job *job;

	while ((job = job_list_pop(list)) != NULL)
		job_free(job);
}

void
auth_worker_pool_destroy(struct auth_worker_pool **_pool)
{
	struct auth_worker_pool *pool = *_pool;

	if (pool == NULL)
		return;
	*_pool = NULL;
	pthread_mutex_lock(&pool->mutex);
	pool->shutdown = true;
	pthread_cond_broadcast(&pool->cond);
	pthread_mutex_unlock(&pool->mutex);
	for (unsigned int i = 0; i < pool->thread_count; i++)
		pthread_join(pool->threads[i], NULL);
	job_list_free(&pool->queue);
	job_list_free(&pool->done);
	io_remove(&pool->io);
	if (close(pool->event_fd) < 0)
		i_error("close(eventfd) failed: %s", strerror(errno));
	pthread_cond_destroy(&pool->cond);
	pthread_mutex_destroy(&pool->mutex);
	xfree(pool->threads);
	xfree(pool);
}

struct auth_worker_job *
auth_worker_verify(struct auth_worker_pool *pool,
		   const struct password_scheme *scheme,
		   const char *plaintext, const char *data,
		   auth_worker_callback_t *callback, void *context)
{
	struct auth_worker_job *job;

	pthread_mutex_lock(&pool->mutex);
	if (pool->queue.count >= pool->max_queue) {
		pthread_mutex_unlock(&pool->mutex);
		return NULL;
	}
	pthread_mutex_unlock(&pool->mutex);

	job = xcalloc(1, sizeof(*job));
	job->pool = pool;
	job->scheme = scheme;
	job->plaintext = xstrdup(plaintext);
	job->data = xstrdup(data);
	job->callback = callback;
	job->context = context;

	pthread_mutex_lock(&pool->mutex);
	job_list_push(&pool->queue, job);
	pthread_cond_signal(&pool->cond);
	pthread_mutex_unlock(&pool->mutex);
	return job;
}

void
auth_worker_job_abort(struct auth_worker_job **_job)
{
	struct auth_worker_job *job = *_job;

	if (job == NULL)
		return;
	*_job = NULL;
	pthread_mutex_lock(&job->pool->mutex);
	job->aborted = true;
	pthread_mutex_unlock(&job->pool->mutex);
}
