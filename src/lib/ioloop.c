/* SPDX-License-Identifier: MIT */
/*
 * The event loop: epoll (level-triggered), timers in a binary min-heap,
 * signals through signalfd, child exits through SIGCHLD + waitpid. See
 * doc/architecture.md for why this is our own module and not libevent.
 */
#include "lib.h"
#include "ioloop.h"

#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define IOLOOP_MAX_EVENTS 128

struct io {
	int fd;
	enum io_condition condition;
	io_callback_t *callback;
	void *context;
};

struct io_fd {
	struct io *read_io, *write_io;
	uint32_t registered;	/* epoll events currently registered */
};

struct timeout {
	unsigned int msecs;
	uint64_t next_run;	/* monotonic msecs */
	uint64_t seq;		/* tie-break: earlier (re)scheduling first */
	uint64_t last_iteration;
	size_t heap_idx;
	io_callback_t *callback;
	void *context;
};

struct signal_entry {
	signal_handler_t *handler;
	void *context;
};

struct child_wait {
	pid_t pid;
	child_exit_callback_t *callback;
	void *context;
};

struct ioloop {
	int epfd;
	bool running;
	uint64_t iteration;
	ARRAY(struct io_fd *) fds;	/* indexed by fd */
	ARRAY(struct timeout *) heap;
	int sigfd;
	struct io *sig_io;
	sigset_t sigmask;
	struct signal_entry signals[65];
	ARRAY(struct child_wait) children;
	struct timeout *reap_to;	/* catch children that exited early */
	uint64_t timer_seq;
};

struct ioloop *current_ioloop = NULL;
time_t ioloop_time;
struct timeval ioloop_timeval;

void
ioloop_time_refresh(void)
{
	gettimeofday(&ioloop_timeval, NULL);
	ioloop_time = ioloop_timeval.tv_sec;
}

uint64_t
ioloop_monotonic_msecs(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

struct ioloop *
ioloop_create(void)
{
	struct ioloop *ioloop = xmalloc(sizeof(*ioloop));

	ioloop->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (ioloop->epfd < 0)
		i_fatal("epoll_create1() failed: %s", strerror(errno));
	array_init(&ioloop->fds, system_pool, 64);
	array_init(&ioloop->heap, system_pool, 16);
	array_init(&ioloop->children, system_pool, 4);
	ioloop->sigfd = -1;
	sigemptyset(&ioloop->sigmask);
	signal(SIGPIPE, SIG_IGN);
	current_ioloop = ioloop;
	ioloop_time_refresh();
	return ioloop;
}

void
ioloop_destroy(struct ioloop **_ioloop)
{
	struct ioloop *ioloop = *_ioloop;

	if (ioloop == NULL)
		return;
	*_ioloop = NULL;
	if (ioloop->sig_io != NULL)
		io_remove(&ioloop->sig_io);
	if (ioloop->sigfd >= 0) {
		close(ioloop->sigfd);
		sigprocmask(SIG_UNBLOCK, &ioloop->sigmask, NULL);
	}
	for (size_t i = 0; i < ioloop->fds.count; i++)
		free(ioloop->fds.v[i]);
	for (size_t i = 0; i < ioloop->heap.count; i++)
		free(ioloop->heap.v[i]);
	array_free(&ioloop->fds);
	array_free(&ioloop->heap);
	array_free(&ioloop->children);
	close(ioloop->epfd);
	if (current_ioloop == ioloop)
		current_ioloop = NULL;
	free(ioloop);
}

/* --- ios --- */

static struct io_fd *
io_fd_get(struct ioloop *ioloop, int fd, bool create)
{
	while (create && ioloop->fds.count <= (size_t)fd)
		array_append(&ioloop->fds, NULL);
	if ((size_t)fd >= ioloop->fds.count)
		return NULL;
	if (ioloop->fds.v[fd] == NULL && create)
		ioloop->fds.v[fd] = xmalloc(sizeof(struct io_fd));
	return ioloop->fds.v[fd];
}

static void
io_fd_update(struct ioloop *ioloop, int fd, struct io_fd *iofd)
{
	struct epoll_event ev = { .data.fd = fd };
	int op;

	if (iofd->read_io != NULL)
		ev.events |= EPOLLIN | EPOLLRDHUP;
	if (iofd->write_io != NULL)
		ev.events |= EPOLLOUT;
	if (ev.events == iofd->registered)
		return;
	if (ev.events == 0)
		op = EPOLL_CTL_DEL;
	else if (iofd->registered == 0)
		op = EPOLL_CTL_ADD;
	else
		op = EPOLL_CTL_MOD;
	if (epoll_ctl(ioloop->epfd, op, fd, &ev) < 0) {
		if (op == EPOLL_CTL_DEL && (errno == EBADF || errno == ENOENT))
			errno = 0;	/* already closed: fine */
		else
			lib_panic("epoll_ctl(%d, fd=%d) failed: %s", op, fd,
				  strerror(errno));
	}
	iofd->registered = ev.events;
	if (ev.events == 0) {
		free(iofd);
		ioloop->fds.v[fd] = NULL;
	}
}

struct io *
io_add_(int fd, enum io_condition condition, io_callback_t *callback,
	void *context)
{
	struct ioloop *ioloop = current_ioloop;
	struct io_fd *iofd;
	struct io *io;

	lib_assert(ioloop != NULL && fd >= 0);
	lib_assert(condition == IO_READ || condition == IO_WRITE);
	iofd = io_fd_get(ioloop, fd, true);
	io = xmalloc(sizeof(*io));
	io->fd = fd;
	io->condition = condition;
	io->callback = callback;
	io->context = context;
	if (condition == IO_READ) {
		lib_assert(iofd->read_io == NULL);
		iofd->read_io = io;
	} else {
		lib_assert(iofd->write_io == NULL);
		iofd->write_io = io;
	}
	io_fd_update(ioloop, fd, iofd);
	return io;
}

void
io_remove(struct io **_io)
{
	struct io *io = *_io;
	struct ioloop *ioloop = current_ioloop;

	if (io == NULL)
		return;
	*_io = NULL;
	struct io_fd *iofd = ioloop == NULL ? NULL :
		io_fd_get(ioloop, io->fd, false);
	if (iofd != NULL) {
		if (iofd->read_io == io)
			iofd->read_io = NULL;
		if (iofd->write_io == io)
			iofd->write_io = NULL;
		io_fd_update(ioloop, io->fd, iofd);
	}
	free(io);
}

/* --- timers: binary min-heap on next_run --- */

static bool
heap_less(struct ioloop *ioloop, size_t a, size_t b)
{
	const struct timeout *ta = ioloop->heap.v[a], *tb = ioloop->heap.v[b];

	if (ta->next_run != tb->next_run)
		return ta->next_run < tb->next_run;
	return ta->seq < tb->seq;
}

static void
heap_swap(struct ioloop *ioloop, size_t a, size_t b)
{
	struct timeout *t = ioloop->heap.v[a];

	ioloop->heap.v[a] = ioloop->heap.v[b];
	ioloop->heap.v[b] = t;
	ioloop->heap.v[a]->heap_idx = a;
	ioloop->heap.v[b]->heap_idx = b;
}

static void
heap_sift_up(struct ioloop *ioloop, size_t idx)
{
	while (idx > 0 && heap_less(ioloop, idx, (idx - 1) / 2)) {
		heap_swap(ioloop, idx, (idx - 1) / 2);
		idx = (idx - 1) / 2;
	}
}

static void
heap_sift_down(struct ioloop *ioloop, size_t idx)
{
	size_t count = ioloop->heap.count;

	for (;;) {
		size_t l = idx * 2 + 1, r = l + 1, min = idx;
		if (l < count && heap_less(ioloop, l, min))
			min = l;
		if (r < count && heap_less(ioloop, r, min))
			min = r;
		if (min == idx)
			break;
		heap_swap(ioloop, idx, min);
		idx = min;
	}
}

static void
heap_fix(struct ioloop *ioloop, size_t idx)
{
	heap_sift_up(ioloop, idx);
	heap_sift_down(ioloop, ioloop->heap.v[idx]->heap_idx);
}

struct timeout *
timeout_add_(unsigned int msecs, io_callback_t *callback, void *context)
{
	struct ioloop *ioloop = current_ioloop;
	struct timeout *timeout;

	lib_assert(ioloop != NULL);
	timeout = xmalloc(sizeof(*timeout));

	timeout->msecs = msecs;
	timeout->callback = callback;
	timeout->context = context;
	timeout->next_run = ioloop_monotonic_msecs() + msecs;
	timeout->seq = ++ioloop->timer_seq;
	timeout->last_iteration = ioloop->iteration;
	timeout->heap_idx = ioloop->heap.count;
	array_append(&ioloop->heap, timeout);
	heap_sift_up(ioloop, timeout->heap_idx);
	return timeout;
}

void
timeout_remove(struct timeout **_timeout)
{
	struct timeout *timeout = *_timeout;
	struct ioloop *ioloop = current_ioloop;

	if (timeout == NULL)
		return;
	*_timeout = NULL;
	size_t idx = timeout->heap_idx, last = ioloop->heap.count - 1;
	if (idx != last) {
		heap_swap(ioloop, idx, last);
		ioloop->heap.count--;
		heap_fix(ioloop, idx);
	} else {
		ioloop->heap.count--;
	}
	free(timeout);
}

void
timeout_reset(struct timeout *timeout)
{
	timeout->next_run = ioloop_monotonic_msecs() + timeout->msecs;
	timeout->seq = ++current_ioloop->timer_seq;
	heap_fix(current_ioloop, timeout->heap_idx);
}

static int
timers_wait_msecs(struct ioloop *ioloop)
{
	if (ioloop->heap.count == 0)
		return -1;
	uint64_t now = ioloop_monotonic_msecs();
	uint64_t next = ioloop->heap.v[0]->next_run;
	if (next <= now)
		return 0;
	return next - now > INT_MAX ? INT_MAX : (int)(next - now);
}

static void
timers_run(struct ioloop *ioloop)
{
	uint64_t now = ioloop_monotonic_msecs();

	while (ioloop->heap.count > 0 && ioloop->running) {
		struct timeout *t = ioloop->heap.v[0];
		/* Each timer runs at most once per iteration, so a 0 ms timer
		   cannot starve the ios. Rescheduled and new timers get a
		   higher seq, so a due timer that has not run yet always sorts
		   before one that already ran: stopping here is correct. */
		if (t->next_run > now || t->last_iteration == ioloop->iteration)
			break;
		t->last_iteration = ioloop->iteration;
		t->next_run = now + t->msecs;
		t->seq = ++ioloop->timer_seq;
		heap_sift_down(ioloop, 0);
		t->callback(t->context);	/* may remove t */
	}
}

/* --- signals and children --- */

static void
signals_read(struct ioloop *ioloop)
{
	struct signalfd_siginfo si;

	while (read(ioloop->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo >= N_ELEMENTS(ioloop->signals))
			continue;
		struct signal_entry *entry = &ioloop->signals[si.ssi_signo];
		if (entry->handler != NULL)
			entry->handler((int)si.ssi_signo, entry->context);
	}
}

/* Route signo through the signalfd (add) or give it back to its default
   disposition (remove). */
static void
signals_route(struct ioloop *ioloop, int signo, bool add)
{
	sigset_t one;

	sigemptyset(&one);
	sigaddset(&one, signo);
	if (add) {
		sigaddset(&ioloop->sigmask, signo);
		if (sigprocmask(SIG_BLOCK, &one, NULL) < 0)
			i_fatal("sigprocmask() failed: %s", strerror(errno));
	} else {
		sigdelset(&ioloop->sigmask, signo);
	}
	int fd = signalfd(ioloop->sigfd, &ioloop->sigmask,
			  SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0)
		i_fatal("signalfd() failed: %s", strerror(errno));
	if (ioloop->sigfd < 0) {
		ioloop->sigfd = fd;
		ioloop->sig_io = io_add(fd, IO_READ, signals_read, ioloop);
	}
	if (!add && sigprocmask(SIG_UNBLOCK, &one, NULL) < 0)
		i_fatal("sigprocmask() failed: %s", strerror(errno));
}

void
lib_signals_set_handler(int signo, signal_handler_t *handler, void *context)
{
	struct ioloop *ioloop = current_ioloop;

	lib_assert(ioloop != NULL);
	lib_assert(signo > 0 && (size_t)signo < N_ELEMENTS(ioloop->signals));
	lib_assert(signo != SIGKILL && signo != SIGSTOP);
	ioloop->signals[signo].handler = handler;
	ioloop->signals[signo].context = context;
	bool routed = sigismember(&ioloop->sigmask, signo) == 1;
	if ((handler != NULL) != routed)
		signals_route(ioloop, signo, handler != NULL);
}

void
lib_signals_reset_for_child(void)
{
	sigset_t all;

	sigfillset(&all);
	sigprocmask(SIG_UNBLOCK, &all, NULL);
	signal(SIGPIPE, SIG_DFL);
}

static void
sigchld_handler(int signo ATTR_UNUSED, void *context)
{
	struct ioloop *ioloop = context;
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (size_t i = 0; i < ioloop->children.count; i++) {
			struct child_wait cw = ioloop->children.v[i];
			if (cw.pid != pid)
				continue;
			array_delete(&ioloop->children, i, 1);
			cw.callback(pid, status, cw.context);
			break;
		}
	}
}

static void
children_reap_timeout(struct ioloop *ioloop)
{
	timeout_remove(&ioloop->reap_to);
	sigchld_handler(SIGCHLD, ioloop);
}

void
child_wait_add(pid_t pid, child_exit_callback_t *callback, void *context)
{
	struct ioloop *ioloop = current_ioloop;
	struct child_wait *cw = array_push(&ioloop->children);

	cw->pid = pid;
	cw->callback = callback;
	cw->context = context;
	if (ioloop->signals[SIGCHLD].handler == NULL)
		lib_signals_set_handler(SIGCHLD, sigchld_handler, ioloop);
	/* The child may have exited before SIGCHLD was routed to the
	   signalfd; reap from the loop (never from inside this call, so the
	   callback cannot run before the caller has recorded the child). */
	if (ioloop->reap_to == NULL)
		ioloop->reap_to = timeout_add(0, children_reap_timeout, ioloop);
}

void
child_wait_remove(pid_t pid)
{
	struct ioloop *ioloop = current_ioloop;

	for (size_t i = 0; i < ioloop->children.count; i++) {
		if (ioloop->children.v[i].pid == pid) {
			array_delete(&ioloop->children, i, 1);
			return;
		}
	}
}

/* --- the loop --- */

static void
dispatch(struct ioloop *ioloop, const struct epoll_event *ev)
{
	int fd = ev->data.fd;
	struct io_fd *iofd = io_fd_get(ioloop, fd, false);

	if (iofd != NULL && iofd->read_io != NULL &&
	    (ev->events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0)
		iofd->read_io->callback(iofd->read_io->context);
	/* the read callback may have removed or replaced the ios */
	iofd = io_fd_get(ioloop, fd, false);
	if (iofd != NULL && iofd->write_io != NULL &&
	    (ev->events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) != 0)
		iofd->write_io->callback(iofd->write_io->context);
}

void
ioloop_run(struct ioloop *ioloop)
{
	struct epoll_event events[IOLOOP_MAX_EVENTS];

	ioloop->running = true;
	while (ioloop->running) {
		int n = epoll_wait(ioloop->epfd, events, IOLOOP_MAX_EVENTS,
				   timers_wait_msecs(ioloop));
		ioloop->iteration++;
		ioloop_time_refresh();
		if (n < 0 && errno != EINTR)
			i_fatal("epoll_wait() failed: %s", strerror(errno));
		for (int i = 0; i < n && ioloop->running; i++)
			dispatch(ioloop, &events[i]);
		timers_run(ioloop);
	}
}

void
ioloop_stop(struct ioloop *ioloop)
{
	ioloop->running = false;
}
