/*
 * rules.h — one scaling rule per Marathon app: the model, its JSON form,
 * and validation.  Decoding and validation are pure (no I/O); errors name
 * the offending field so the REST API can answer
 * {"error": "...", "field": "max_instances"}.
 *
 * JSON shape (every key but app_id, min/max_instances and one of cpu/mem
 * is optional and takes the default shown; unknown keys are rejected):
 *
 *     {
 *       "app_id": "/shop/web",
 *       "min_instances": 2, "max_instances": 20,
 *       "mode": "threshold",                 threshold | target
 *       "cpu": {"above": 80, "below": 20},   threshold mode
 *       "mem": {"target": 60},               target mode (instead)
 *       "trigger": "any",                    any | all (threshold mode)
 *       "step": 1, "confirm_cycles": 2,
 *       "tolerance": 0.1, "stabilization_s": 300,
 *       "scale_up_max_percent": 100, "scale_up_max_instances": 4,
 *       "scale_down_max_percent": 50, "rate_period_s": 60,
 *       "cooldown_up_s": 60, "cooldown_down_s": 120, "warmup_s": 60,
 *       "dry_run": false, "paused": false
 *     }
 *
 * Percentages are of the app's limit (0..100).
 */
#ifndef HOIST_RULES_H
#define HOIST_RULES_H

#include <stddef.h>
#include <stdint.h>

#define RULES_APP_ID_MAX    256    /* bytes incl. NUL */
#define RULES_MAX_INSTANCES 10000  /* upper bound of max_instances */
#define RULES_BODY_MAX      (64u << 10) /* largest rule or state document */

enum rules_mode { RULES_MODE_THRESHOLD, RULES_MODE_TARGET };
enum rules_trigger { RULES_TRIGGER_ANY, RULES_TRIGGER_ALL };

/* One metric block; `enabled` is 0 when the rule has no such block. */
struct rules_metric {
	int    enabled;
	double above;    /* threshold mode: scale up when strictly above */
	double below;    /* threshold mode: scale down when strictly below */
	double target;   /* target mode: the utilisation to hold */
};

struct rule {
	char                app_id[RULES_APP_ID_MAX]; /* "/shop/web" */
	int                 min_instances;
	int                 max_instances;
	enum rules_mode     mode;
	struct rules_metric cpu;
	struct rules_metric mem;
	enum rules_trigger  trigger;
	int                 step;
	int                 confirm_cycles;
	double              tolerance;
	int64_t             stabilization_s;
	int                 scale_up_max_percent;
	int                 scale_up_max_instances;
	int                 scale_down_max_percent;
	int64_t             rate_period_s;
	int64_t             cooldown_up_s;
	int64_t             cooldown_down_s;
	int64_t             warmup_s;
	int                 dry_run;
	int                 paused;
};

/* A validation or decoding error; `field` is "" when none applies. */
struct rules_error {
	char error[256];
	char field[64];
};

/* rules.c */
/* Fill r with the defaults (app_id empty, min/max 0, no metric block). */
void        rules_defaults(struct rule *r);
/*
 * Decode a rule from a parsed cJSON object (borrowed; type void * to keep
 * cJSON out of this header).  Unknown keys, wrong types and values that
 * fail rules_validate() give -1 with err filled.  `path_app_id`, when not
 * NULL, is the id from the URL: the body's app_id may then be left out,
 * and if given must name the same app.
 */
int         rules_from_cjson(const void *json, const char *path_app_id,
	struct rule *r, struct rules_error *err);
/*
 * Parse and decode a JSON text of `len` bytes.  A syntax error gives
 * "invalid JSON at line L column C (byte B)".
 */
int         rules_from_json(const char *text, size_t len,
	const char *path_app_id, struct rule *r, struct rules_error *err);
/* Check every constraint; 0 or -1 with err naming the field. */
int         rules_validate(const struct rule *r, struct rules_error *err);
/*
 * Normalise a Marathon app id in place to its absolute form ("/a/b":
 * leading slash added, one trailing slash removed) and check it: segments
 * of lowercase letters, digits, '-' and '.', not empty.  0 or -1.
 */
int         rules_normalize_app_id(char *id, size_t size);
/* Encode a rule as a new cJSON object (caller owns it, cJSON_Delete). */
void       *rules_to_cjson(const struct rule *r);
const char *rules_mode_str(enum rules_mode m);
const char *rules_trigger_str(enum rules_trigger t);

#endif
