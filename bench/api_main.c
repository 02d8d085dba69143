/*
 * bench/api — what the collector's API costs: rendering /metrics,
 * /v1/containers and /v1/apps/{id} for 1000 containers (100 apps of 10
 * tasks), and requests per second over loopback with libcurl keep-alive.
 * Prints one "name value unit" line per figure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector/api.h"
#include "collector/apijson.h"
#include "collector/prom.h"
#include "common/http.h"
#include "common/log.h"
#include "tests/unit/api_fixture.h"

#define NCONT 1000
#define NAPPS 100

static double
ms_since(int64_t t0)
{
	return (double)(now_mono_ns() - t0) / 1e6;
}

static void
big_table(struct container_table *t)
{
	char id[80], app[64], task[64], name[64];
	size_t i;

	memset(t, 0, sizeof(*t));
	pthread_mutex_init(&t->lock, NULL);
	t->cap = NCONT;
	t->c = calloc(t->cap, sizeof(*t->c));
	if (t->c == NULL)
		exit(1);
	for (i = 0; i < NCONT; i++) {
		snprintf(id, sizeof(id), "%064zx", i + 1);
		snprintf(app, sizeof(app), "/shop/app-%zu", i % NAPPS);
		snprintf(task, sizeof(task), "shop_app-%zu.%zu", i % NAPPS, i);
		snprintf(name, sizeof(name), "c-%zu", i);
		t->c[t->n] = fix_task(id, name, app, task, (double)(i % 97), 100);
		fix_label(t->c[t->n], "team", "shop");
		t->c[t->n]->cur.have |= HAVE_NET | HAVE_BLKIO;
		t->c[t->n]->cur.net.nif = 1;
		str_copy_trunc(t->c[t->n]->cur.net.ifs[0].name, "eth0",
		    NET_IF_NAME_MAX);
		t->c[t->n]->cur.blkio.ndev = 1;
		t->c[t->n]->cur.blkio.dev[0].major = 8;
		t->n++;
	}
	str_copy_trunc(t->host, "bench", sizeof(t->host));
	t->sweeps = 1;
	t->sweep_ts_ns = now_realtime_ns();
	t->sweep_mono_ns = now_mono_ns();
}

static void
bench_render(struct container_table *t)
{
	struct buf b;
	int64_t t0;
	int i, rounds = 20;

	buf_init(&b, 256u << 20);
	t0 = now_mono_ns();
	for (i = 0; i < rounds; i++) {
		buf_reset(&b);
		if (prom_render(t, &b) != 0)
			exit(1);
	}
	printf("api_render_metrics_1000 %.2f ms\n", ms_since(t0) / rounds);
	printf("api_metrics_bytes_1000 %zu bytes\n", b.len);
	t0 = now_mono_ns();
	for (i = 0; i < rounds; i++) {
		buf_reset(&b);
		if (apijson_containers(t, &b) != APIJSON_OK)
			exit(1);
	}
	printf("api_render_containers_1000 %.2f ms\n", ms_since(t0) / rounds);
	printf("api_containers_bytes_1000 %zu bytes\n", b.len);
	rounds = 200;
	t0 = now_mono_ns();
	for (i = 0; i < rounds; i++) {
		buf_reset(&b);
		if (apijson_app(t, "/shop/app-7", now_mono_ns(), &b) !=
		    APIJSON_OK)
			exit(1);
	}
	printf("api_render_app_of_1000 %.1f us\n",
	    ms_since(t0) * 1000 / rounds);
	buf_free(&b);
}

static double
bench_http(unsigned port, const char *path, int n)
{
	struct http_client *h = http_client_new();
	struct http_request r;
	struct http_response resp;
	char url[128];
	int64_t t0;
	int i;

	memset(&r, 0, sizeof(r));
	snprintf(url, sizeof(url), "http://127.0.0.1:%u%s", port, path);
	r.url = url;
	http_response_init(&resp);
	t0 = now_mono_ns();
	for (i = 0; i < n; i++)
		if (http_do(h, &r, &resp) != HTTP_OK || resp.status != 200) {
			fprintf(stderr, "GET %s failed\n", path);
			exit(1);
		}
	http_response_free(&resp);
	http_client_free(h);
	return (double)n / (ms_since(t0) / 1000);
}

int
main(void)
{
	struct container_table t;
	struct api_options o;
	struct api *a;
	char err[256];

	log_init("bench-api", 0);
	http_global_init();
	big_table(&t);
	bench_render(&t);
	memset(&o, 0, sizeof(o));
	o.listen = "127.0.0.1:0";
	a = api_start(&t, &o, err, sizeof(err));
	if (a == NULL) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	printf("api_http_app_rps %.0f req/s\n",
	    bench_http(api_port(a), "/v1/apps/shop/app-7", 2000));
	printf("api_http_healthz_rps %.0f req/s\n",
	    bench_http(api_port(a), "/healthz", 2000));
	printf("api_http_metrics_1000_rps %.1f req/s\n",
	    bench_http(api_port(a), "/metrics", 30));
	api_stop(a);
	fix_table_free(&t);
	http_global_cleanup();
	return 0;
}
