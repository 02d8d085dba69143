/*
 * standin_http.h — a tiny HTTP/1.1 server on 127.0.0.1 (ephemeral port)
 * in a thread of the test itself, standing in for InfluxDB so a test can
 * check the exact bytes a sink sends and script the replies.  Header-only
 * (static functions) so a unit test or a benchmark just includes it.
 *
 * It serves one connection at a time with keep-alive, reads a request's
 * head up to the blank line and then Content-Length bytes of body, asks
 * the test's reply function what to answer, and keeps a copy of every
 * request (unless keep is 0: then it only counts them, as the benchmark's
 * null endpoint).
 */
#ifndef HOIST_STANDIN_HTTP_H
#define HOIST_STANDIN_HTTP_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define STANDIN_MAX_REQS  512
#define STANDIN_HEAD_MAX  8192
#define STANDIN_BODY_MAX  (64u << 20)

struct standin_req {
	char   *head;        /* request line and headers, with the CRLFs */
	size_t  head_len;
	char   *body;
	size_t  body_len;
};

struct standin_reply {
	int  status;
	char headers[256];   /* extra header lines, each ending in "\r\n" */
	char body[1024];
};

struct standin;
/* Decide the reply to request number n (0-based). */
typedef void (*standin_fn)(struct standin *sv, int n,
    const struct standin_req *r, struct standin_reply *out);

struct standin {
	int                lfd, port, keep;
	pthread_t          th;
	pthread_mutex_t    mu;
	_Atomic int        stop;
	standin_fn         fn;
	void              *arg;
	struct standin_req reqs[STANDIN_MAX_REQS];
	int                nreqs;     /* under mu */
	uint64_t           nrequests, body_bytes;
};

static int
standin_write_all(int fd, const char *p, size_t len)
{
	ssize_t r;

	while (len > 0) {
		r = write(fd, p, len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		len -= (size_t)r;
	}
	return 0;
}

static size_t
standin_content_length(const char *head, size_t len)
{
	const char *p = head, *end = head + len;
	size_t n = 0;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		if (eol == NULL)
			break;
		if ((size_t)(eol - p) > 15 &&
		    strncasecmp(p, "Content-Length:", 15) == 0) {
			const char *q = p + 15;
			while (*q == ' ')
				q++;
			for (; *q >= '0' && *q <= '9'; q++)
				n = n * 10 + (size_t)(*q - '0');
		}
		p = eol + 1;
	}
	return n;
}

static void
standin_answer(struct standin *sv, int fd, struct standin_req *r)
{
	struct standin_reply rep;
	char out[2048];
	int n, idx;

	memset(&rep, 0, sizeof(rep));
	rep.status = 204;
	pthread_mutex_lock(&sv->mu);
	idx = (int)sv->nrequests++;
	sv->body_bytes += r->body_len;
	pthread_mutex_unlock(&sv->mu);
	if (sv->fn != NULL)
		sv->fn(sv, idx, r, &rep);
	n = snprintf(out, sizeof(out), "HTTP/1.1 %d X\r\nContent-Length: "
	    "%zu\r\n%s\r\n%s", rep.status, strlen(rep.body), rep.headers,
	    rep.body);
	/* Keep the request before answering: once the client has its reply
	 * the test may look at reqs[] at once. */
	pthread_mutex_lock(&sv->mu);
	if (sv->keep && sv->nreqs < STANDIN_MAX_REQS) {
		sv->reqs[sv->nreqs++] = *r;
		r->head = r->body = NULL;
	}
	pthread_mutex_unlock(&sv->mu);
	standin_write_all(fd, out, (size_t)n);
	free(r->head);
	free(r->body);
}

/* Read into buf until `want` bytes are there; -1 on EOF, error or stop. */
static int
standin_fill(struct standin *sv, int fd, char **buf, size_t *len,
    size_t *cap, size_t want)
{
	struct pollfd pfd;
	ssize_t r;

	while (*len < want) {
		if (*cap < want + 1) {
			char *nb = realloc(*buf, want + 65536);
			if (nb == NULL)
				return -1;
			*buf = nb;
			*cap = want + 65536;
		}
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (sv->stop)
			return -1;
		if (poll(&pfd, 1, 50) <= 0)
			continue;
		r = read(fd, *buf + *len, *cap - *len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		*len += (size_t)r;
		(*buf)[*len] = '\0';
	}
	return 0;
}

/* Serve requests on one connection until the peer closes it. */
static void
standin_serve(struct standin *sv, int fd)
{
	char *buf = NULL, *hend;
	size_t len = 0, cap = 0, hl, bl;
	struct standin_req r;

	for (;;) {
		while ((hend = len ? memmem(buf, len, "\r\n\r\n", 4) : NULL)
		    == NULL) {
			if (len >= STANDIN_HEAD_MAX ||
			    standin_fill(sv, fd, &buf, &len, &cap, len + 1))
				goto out;
		}
		hl = (size_t)(hend - buf) + 4;
		bl = standin_content_length(buf, hl);
		if (bl > STANDIN_BODY_MAX ||
		    standin_fill(sv, fd, &buf, &len, &cap, hl + bl) != 0)
			goto out;
		memset(&r, 0, sizeof(r));
		r.head = strndup(buf, hl);
		r.head_len = hl;
		r.body = malloc(bl + 1);
		if (r.head == NULL || r.body == NULL) {
			free(r.head);
			free(r.body);
			goto out;
		}
		memcpy(r.body, buf + hl, bl);
		r.body[bl] = '\0';
		r.body_len = bl;
		memmove(buf, buf + hl + bl, len - hl - bl);
		len -= hl + bl;
		standin_answer(sv, fd, &r);
	}
out:
	free(buf);
	close(fd);
}

static void *
standin_main(void *arg)
{
	struct standin *sv = arg;
	struct pollfd pfd;
	int fd;

	while (!sv->stop) {
		pfd.fd = sv->lfd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 50) <= 0)
			continue;
		fd = accept(sv->lfd, NULL, NULL);
		if (fd >= 0)
			standin_serve(sv, fd);
	}
	return NULL;
}

/* Listen on 127.0.0.1:0 and start the thread; 0 or -1. */
static int
standin_start(struct standin *sv, standin_fn fn, void *arg, int keep)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);

	memset(sv, 0, sizeof(*sv));
	sv->fn = fn;
	sv->arg = arg;
	sv->keep = keep;
	pthread_mutex_init(&sv->mu, NULL);
	sv->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sv->lfd < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(sv->lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    listen(sv->lfd, 8) != 0 ||
	    getsockname(sv->lfd, (struct sockaddr *)&sa, &sl) != 0) {
		close(sv->lfd);
		return -1;
	}
	sv->port = ntohs(sa.sin_port);
	if (pthread_create(&sv->th, NULL, standin_main, sv) != 0) {
		close(sv->lfd);
		return -1;
	}
	return 0;
}

static __attribute__((unused)) int
standin_count(struct standin *sv)
{
	int n;

	pthread_mutex_lock(&sv->mu);
	n = (int)sv->nrequests;
	pthread_mutex_unlock(&sv->mu);
	return n;
}

/* Stop the thread, close the socket and free the kept requests. */
static void
standin_stop(struct standin *sv)
{
	int i;

	sv->stop = 1;
	pthread_join(sv->th, NULL);
	close(sv->lfd);
	for (i = 0; i < sv->nreqs; i++) {
		free(sv->reqs[i].head);
		free(sv->reqs[i].body);
	}
	pthread_mutex_destroy(&sv->mu);
}

#endif
