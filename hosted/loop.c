/* loop.c: the hosted event loop (see loop.h). */
#define _GNU_SOURCE
#include "loop.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

typedef struct watch {
	int fd;
	hosted_fd_fn fn;
	void *ud;
	struct watch *next;
} watch;

typedef struct timer {
	uint64_t id, deadline;
	hosted_timer_fn fn;
	void *ud;
	struct timer *next;     /* sorted by deadline */
} timer;

struct hosted_loop {
	int epfd;
	watch *watches;
	uint32_t nwatches;
	timer *timers;
	uint64_t next_timer;
	uint32_t holds;         /* hosted_loop_hold minus hosted_loop_release */
	volatile sig_atomic_t stop;
};

uint64_t hosted_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

hosted_loop *hosted_loop_new(void)
{
	hosted_loop *l = calloc(1, sizeof *l);
	if (!l) return NULL;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		free(l);
		return NULL;
	}
	l->next_timer = 1;
	return l;
}

void hosted_loop_free(hosted_loop *l)
{
	if (!l) return;
	while (l->watches) {
		watch *w = l->watches;
		l->watches = w->next;
		free(w);
	}
	while (l->timers) {
		timer *t = l->timers;
		l->timers = t->next;
		free(t);
	}
	close(l->epfd);
	free(l);
}

static watch *find_watch(hosted_loop *l, int fd)
{
	for (watch *w = l->watches; w; w = w->next)
		if (w->fd == fd) return w;
	return NULL;
}

int hosted_loop_watch(hosted_loop *l, int fd, uint32_t events, hosted_fd_fn fn, void *ud)
{
	watch *w = find_watch(l, fd);
	struct epoll_event ev = { .events = events, .data.fd = fd };
	if (w) {
		w->fn = fn;
		w->ud = ud;
		return epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ev);
	}
	w = calloc(1, sizeof *w);
	if (!w) return -1;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
		free(w);
		return -1;
	}
	w->fd = fd;
	w->fn = fn;
	w->ud = ud;
	w->next = l->watches;
	l->watches = w;
	l->nwatches++;
	return 0;
}

void hosted_loop_unwatch(hosted_loop *l, int fd)
{
	for (watch **pp = &l->watches; *pp; pp = &(*pp)->next) {
		if ((*pp)->fd != fd) continue;
		watch *w = *pp;
		*pp = w->next;
		epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
		free(w);
		l->nwatches--;
		return;
	}
}

uint64_t hosted_loop_timer(hosted_loop *l, uint64_t deadline_ns, hosted_timer_fn fn, void *ud)
{
	timer *t = calloc(1, sizeof *t);
	if (!t) return 0;
	t->id = l->next_timer++;
	t->deadline = deadline_ns;
	t->fn = fn;
	t->ud = ud;
	timer **pp = &l->timers;
	while (*pp && (*pp)->deadline <= deadline_ns) pp = &(*pp)->next;
	t->next = *pp;
	*pp = t;
	return t->id;
}

void hosted_loop_cancel(hosted_loop *l, uint64_t id)
{
	for (timer **pp = &l->timers; *pp; pp = &(*pp)->next) {
		if ((*pp)->id != id) continue;
		timer *t = *pp;
		*pp = t->next;
		free(t);
		return;
	}
}

void hosted_loop_stop(hosted_loop *l) { l->stop = 1; }

void hosted_loop_hold(hosted_loop *l) { l->holds++; }

void hosted_loop_release(hosted_loop *l)
{
	if (l->holds) l->holds--;
}

static void fire_timers(hosted_loop *l)
{
	uint64_t now = hosted_now_ns();
	while (l->timers && l->timers->deadline <= now) {
		timer *t = l->timers;
		l->timers = t->next;
		t->fn(t->ud, t->id);
		free(t);
	}
}

int hosted_loop_run(hosted_loop *l, kern_state *k, bool (*done)(void *ud), void *ud)
{
	struct epoll_event evs[32];
	while (!l->stop) {
		if (k) kern_run_ready(k);
		if (done && done(ud)) return 0;
		if (k && kern_live_count(k) == 0 && !l->holds) return 0;
		fire_timers(l);
		if (done && done(ud)) return 0;
		int timeout = -1;
		if (k && kern_has_ready(k)) {
			timeout = 0; /* look at events between rounds, then run the next */
		} else if (l->timers) {
			uint64_t now = hosted_now_ns();
			uint64_t d = l->timers->deadline > now ? l->timers->deadline - now : 0;
			timeout = (int)((d + 999999) / 1000000);
		} else if (l->nwatches == 0) {
			fprintf(stderr, "wasmos: every process waits and nothing can wake it\n");
			return -1;
		}
		int n = epoll_wait(l->epfd, evs, 32, timeout);
		if (n < 0 && errno != EINTR) {
			perror("wasmos: epoll_wait");
			return -1;
		}
		for (int i = 0; i < n; i++) {
			watch *w = find_watch(l, evs[i].data.fd);
			if (w) w->fn(w->ud, w->fd, evs[i].events);
		}
		fire_timers(l);
	}
	return 0;
}
