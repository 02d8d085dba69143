/*
 * marathon_bulk.c — the streamed bulk read of marathon.h: a resumable
 * byte-level splitter over { "apps" : [ APP, ... ] } that hands each
 * complete app object to marathon_decode_app_object().  Pure: no I/O.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/buf.h"
#include "common/util.h"
#include "marathon/marathon.h"

/* Where the splitter stands in the document. */
enum bulk_state {
	B_START,      /* before '{' */
	B_KEY,        /* before the key's opening quote */
	B_KEY_STR,    /* inside the key */
	B_COLON,
	B_ARR,        /* before '[' */
	B_ELEM_OR_END,/* after '[': '{' or ']' */
	B_ELEM,       /* after ',': '{' */
	B_IN_ELEM,    /* inside an app object */
	B_COMMA_OR_END,
	B_OBJ_END,    /* after ']': '}' */
	B_DONE,
};

#define BULK_DEPTH_MAX 64

static int __attribute__((format(printf, 2, 3)))
bulk_fail(struct marathon_bulk *b, const char *fmt, ...)
{
	va_list ap;

	if (!b->failed) {
		va_start(ap, fmt);
		(void)vsnprintf(b->err, sizeof(b->err), fmt, ap);
		va_end(ap);
	}
	b->failed = 1;
	return -1;
}

void
marathon_bulk_init(struct marathon_bulk *b, size_t max_bytes,
    marathon_app_fn on_app, void *ud)
{
	memset(b, 0, sizeof(*b));
	b->on_app = on_app;
	b->ud = ud;
	b->max_bytes = max_bytes;
	b->state = B_START;
	buf_init(&b->elem, max_bytes);
}

void
marathon_bulk_free(struct marathon_bulk *b)
{
	buf_free(&b->elem);
}

static int
is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* One complete app object in b->elem: decode it, hand it over. */
static int
bulk_emit(struct marathon_bulk *b)
{
	struct marathon_app app;
	enum marathon_result r;
	char err[200];
	int rc = 0;

	if (b->napps >= MARATHON_LIST_MAX)
		return bulk_fail(b, "more than %d apps", MARATHON_LIST_MAX);
	r = marathon_decode_app_object(b->elem.data, b->elem.len, &app, err,
	    sizeof(err));
	if (r != MARATHON_OK)
		rc = bulk_fail(b, "apps[%zu]: %s", b->napps, err);
	else if (b->on_app != NULL && b->on_app(&app, b->ud) != 0)
		rc = bulk_fail(b, "apps[%zu] (%s): not kept (out of "
		    "memory)", b->napps, app.id);
	marathon_app_free(&app);
	b->napps++;
	buf_reset(&b->elem);
	return rc;
}

/* Inside an app object: strings, escapes and nesting; the closing
 * brace at depth 0 completes it.  Returns the bytes taken. */
static size_t
bulk_elem(struct marathon_bulk *b, const char *p, size_t n, int *done)
{
	size_t i;

	*done = 0;
	for (i = 0; i < n; i++) {
		char c = p[i];

		if (b->in_str) {
			if (b->esc)
				b->esc = 0;
			else if (c == '\\')
				b->esc = 1;
			else if (c == '"')
				b->in_str = 0;
			continue;
		}
		if (c == '"')
			b->in_str = 1;
		else if (c == '{' || c == '[') {
			if (++b->depth > BULK_DEPTH_MAX) {
				(void)bulk_fail(b, "nested deeper than %d",
				    BULK_DEPTH_MAX);
				return i;
			}
		} else if ((c == '}' || c == ']') && --b->depth == 0) {
			*done = 1;
			return i + 1;
		}
	}
	return n;
}

/* One byte outside an app object; -1 when it does not belong there. */
static int
bulk_outside(struct marathon_bulk *b, char c)
{
	if (b->state == B_KEY_STR) {
		if (c == '"') {
			b->state = B_COLON;
			return 0;
		}
		if (b->keylen + 1 >= sizeof(b->key) || c == '\\')
			return bulk_fail(b, "unexpected key (only \"apps\")");
		b->key[b->keylen++] = c;
		b->key[b->keylen] = '\0';
		return 0;
	}
	if (is_ws(c))
		return 0;
	switch (b->state) {
	case B_START:
		if (c != '{')
			return bulk_fail(b, "not JSON: no '{' at the start");
		b->state = B_KEY;
		return 0;
	case B_KEY:
		if (c != '"')
			return bulk_fail(b, "no \"apps\" array");
		b->keylen = 0;
		b->key[0] = '\0';
		b->state = B_KEY_STR;
		return 0;
	case B_COLON:
		if (c != ':')
			return bulk_fail(b, "not JSON: no ':' after a key");
		if (strcmp(b->key, "apps") != 0)
			return bulk_fail(b, "unexpected key \"%s\" (only "
			    "\"apps\")", b->key);
		b->state = B_ARR;
		return 0;
	case B_ARR:
		if (c != '[')
			return bulk_fail(b, "\"apps\" is not an array");
		b->state = B_ELEM_OR_END;
		return 0;
	case B_ELEM_OR_END:
		if (c == ']') {
			b->state = B_OBJ_END;
			return 0;
		}
		/* FALLTHROUGH */
	case B_ELEM:
		if (c != '{')
			return bulk_fail(b, "apps[%zu] is not an object",
			    b->napps);
		b->state = B_IN_ELEM;
		b->depth = 1;
		b->in_str = b->esc = 0;
		return buf_putc(&b->elem, c) == 0 ? 0 :
		    bulk_fail(b, "reply over %zu bytes", b->max_bytes);
	case B_COMMA_OR_END:
		if (c == ',')
			b->state = B_ELEM;
		else if (c == ']')
			b->state = B_OBJ_END;
		else
			return bulk_fail(b, "not JSON: no ',' or ']' after "
			    "apps[%zu]", b->napps - 1);
		return 0;
	case B_OBJ_END:
		if (c != '}')
			return bulk_fail(b, "unexpected key after \"apps\"");
		b->state = B_DONE;
		return 0;
	default:
		return bulk_fail(b, "not JSON: text after the document");
	}
}

int
marathon_bulk_feed(struct marathon_bulk *b, const char *p, size_t n)
{
	size_t i = 0;

	if (b->failed)
		return -1;
	if (n > b->max_bytes - b->seen)
		return bulk_fail(b, "reply over %zu bytes (marathon_max_"
		    "reply_mb)", b->max_bytes);
	b->seen += n;
	while (i < n) {
		if (b->state == B_IN_ELEM) {
			int done;
			size_t k = bulk_elem(b, p + i, n - i, &done);

			if (b->failed)
				return -1;
			if (buf_append(&b->elem, p + i, k) != 0)
				return bulk_fail(b, "reply over %zu bytes",
				    b->max_bytes);
			i += k;
			if (done) {
				b->state = B_COMMA_OR_END;
				if (bulk_emit(b) != 0)
					return -1;
			}
			continue;
		}
		if (bulk_outside(b, p[i]) != 0)
			return -1;
		i++;
	}
	return 0;
}

int
marathon_bulk_finish(struct marathon_bulk *b)
{
	if (b->failed)
		return -1;
	if (b->state != B_DONE)
		return bulk_fail(b, "truncated reply (%zu bytes, %zu apps "
		    "whole)", b->seen, b->napps);
	return 0;
}
