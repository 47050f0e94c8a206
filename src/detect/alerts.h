/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * alerts.h - the alerts of a run: one record per attack, keyed by (sid, attacker,
 * victim when the sid is keyed by victim), raised once and updated while the attack
 * goes on. Built-in detections (src/detect/) and other producers (signatures, by sid)
 * hand in a struct pl_eve_alert with its flow; the store writes one EVE "alert" line
 * when an attack starts, keeps the latest evidence for the reports, and ends the
 * record when no update came for the quiet time.
 */
#ifndef PL_DETECT_ALERTS_H
#define PL_DETECT_ALERTS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "l7/eve.h"

struct pl_json;

/* One attack. Strings are owned by the record. */
struct pl_alert_rec {
	uint64_t id;             /* 1, 2, ... in the order raised */
	struct pl_l7_eve_flow fl; /* src: the attacker (or reflector), dst: the victim */
	struct pl_eve_alert a;   /* a.evidence: owned reference (json-c) */
	uint64_t first_ns, last_ns; /* Unix ns: raised, last updated */
	uint64_t updates;        /* times the producer saw it again */
	bool ended;
	bool touched;            /* raised or updated since the last pl_alerts_tick() */
};

struct pl_alerts;

/*
 * A store of at most @max records; @eve (may be NULL) gets one line per new attack.
 * @quiet_ns: an attack with no update for this long has ended.
 */
struct pl_alerts *pl_alerts_new(FILE *eve, unsigned int max, uint64_t quiet_ns);
void pl_alerts_free(struct pl_alerts *s);
/* Where the new attacks' EVE lines go from now on (NULL: nowhere). */
void pl_alerts_set_eve(struct pl_alerts *s, FILE *eve);
/*
 * A new attack's action ("allowed", "blocked", "would-block"), decided by @fn before
 * its EVE line is written (protect: an automatic block). Called from the thread that
 * raises alerts; @fn locks what it shares.
 */
typedef enum pl_eve_action (*pl_alert_decide_fn)(void *arg, const struct pl_l7_eve_flow *fl,
						  const struct pl_eve_alert *a);
void pl_alerts_set_decide(struct pl_alerts *s, pl_alert_decide_fn fn, void *arg);

/*
 * Raise or update the alert @a on @fl. The key is (a->sid, fl->family, fl->src), or
 * with @by_victim (many or spoofed attackers) (a->sid, fl->family, fl->dst). A new record copies @fl, @a and its strings and takes
 * a reference to a->evidence; an update replaces the evidence and the counts. Returns
 * 1 new, 0 updated, -ENOSPC when the store is full (counted), -ENOMEM, -EIO (EVE).
 */
int pl_alerts_raise(struct pl_alerts *s, const struct pl_l7_eve_flow *fl,
		    const struct pl_eve_alert *a, bool by_victim);

/* Would pl_alerts_raise() update a record (an attack going on) rather than make one? */
bool pl_alerts_active(const struct pl_alerts *s, const struct pl_l7_eve_flow *fl, uint32_t sid,
		      bool by_victim);

/* End the records not updated for the quiet time before @now_ns (Unix ns). */
void pl_alerts_tick(struct pl_alerts *s, uint64_t now_ns);

/* Every record, oldest first (ended ones too): @n of them. */
const struct pl_alert_rec *pl_alerts_list(const struct pl_alerts *s, size_t *n);
/* Alerts refused because the store was full; EVE lines that could not be written. */
uint64_t pl_alerts_dropped(const struct pl_alerts *s);
uint64_t pl_alerts_eve_errors(const struct pl_alerts *s);

/*
 * The detector's own counters, shown with the alerts (the "detection" object):
 * sources followed and evicted, so that bounded memory is seen to be bounded.
 */
struct pl_alerts_counts {
	uint64_t ticks, kernel_sources, sources_forgotten, scan_sources, scan_evicted;
	uint64_t frag_datagrams, frag_evicted;
};
void pl_alerts_set_counts(struct pl_alerts *s, const struct pl_alerts_counts *c);

/* The "alerts" list of a report: @all, or only those raised or updated since the tick;
 * then the "detection" object of the counters. */
void pl_alerts_json_items(struct pl_json *j, const struct pl_alerts *s, bool all);
void pl_alerts_json_counts(struct pl_json *j, const struct pl_alerts *s);
/* Text lines, one per alert (the terminal view and text reports). */
void pl_alerts_text(const struct pl_alerts *s, bool all, void (*emit)(void *, const char *),
		    void *arg);
/* One line for the terminal view: active attacks and the newest one; "" when none. */
void pl_alerts_brief(const struct pl_alerts *s, char *buf, size_t n);
/*
 * Take the ended records out of the store (a long-running daemon, once it has taken
 * them): the store then holds the attacks going on only. Returns how many went.
 */
size_t pl_alerts_forget_ended(struct pl_alerts *s);
/* Forget which records were touched (after a report showed them). */
void pl_alerts_untouch(struct pl_alerts *s);

#endif
