// SPDX-License-Identifier: BSD-2-Clause
/*
 * eve.c - EVE events as Suricata 7 writes them (its "Eve JSON Format" documentation:
 * common section, dns version 2, http, tls, ssh and flow events).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <json-c/json.h>
#include "l7/dns.h"
#include "l7/eve.h"
#include "l7/tls.h"
#include "pktlens.h"
#include "util/json_text.h"

/* A json object under construction; any failed allocation marks it bad. */
struct jb {
	json_object *o;
	int bad;
};

static void add(struct jb *j, const char *key, json_object *v)
{
	if (!v || !j->o || json_object_object_add(j->o, key, v)) {
		json_object_put(v);
		j->bad = 1;
	}
}

static void add_str(struct jb *j, const char *key, const char *s)
{
	add(j, key, pl_l7_eve_string(s, strlen(s)));
}

static void add_int(struct jb *j, const char *key, int64_t v)
{
	add(j, key, json_object_new_int64(v));
}

static void add_bool(struct jb *j, const char *key, int v)
{
	add(j, key, json_object_new_boolean(v));
}

static struct jb obj(void)
{
	struct jb j = { .o = json_object_new_object() };

	j.bad = !j.o;
	return j;
}

/* Move @sub under @key of @j (consumes it). */
static void add_obj(struct jb *j, const char *key, struct jb *sub)
{
	if (sub->bad) {
		json_object_put(sub->o);
		j->bad = 1;
		return;
	}
	add(j, key, sub->o);
}

json_object *pl_l7_eve_string(const char *s, size_t len)
{
	return pl_json_text(s, len, PL_JSON_BAD_HEX);
}

void pl_l7_eve_time(uint64_t ts_ns, char *buf, size_t n)
{
	time_t sec = (time_t)(ts_ns / 1000000000ull);
	struct tm tm;
	char date[32], zone[8];

	if (!localtime_r(&sec, &tm)) {
		snprintf(buf, n, "ts-error");
		return;
	}
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	strftime(zone, sizeof(zone), "%z", &tm);
	snprintf(buf, n, "%s.%06u%s", date, (unsigned int)(ts_ns / 1000 % 1000000), zone);
}

/* nDPI protocol names whose Suricata app_proto differs from the lower-case name. */
static const struct {
	const char *ndpi, *suricata;
} app_names[] = {
	{ "HTTP", "http" },	   { "HTTP_Connect", "http" }, { "HTTP_Proxy", "http" },
	{ "TLS", "tls" },	   { "DNS", "dns" },	       { "SSH", "ssh" },
	{ "QUIC", "quic" },	   { "SMTP", "smtp" },	       { "IMAP", "imap" },
	{ "POP3", "pop3" },	   { "FTP_CONTROL", "ftp" },   { "FTP_DATA", "ftp-data" },
	{ "SMBv1", "smb" },	   { "SMBv23", "smb" },	       { "NFS", "nfs" },
	{ "DHCP", "dhcp" },	   { "Kerberos", "krb5" },     { "SNMP", "snmp" },
	{ "SIP", "sip" },	   { "RDP", "rdp" },	       { "VNC", "rfb" },
	{ "NTP", "ntp" },	   { "TFTP", "tftp" },	       { "Modbus", "modbus" },
	{ "DNP3", "dnp3" },	   { "MQTT", "mqtt" },	       { "PostgreSQL", "pgsql" },
	{ "LDAP", "ldap" },	   { "Telnet", "telnet" },     { "WebSocket", "websocket" },
	{ "MDNS", "mdns" },	   { "IPsec", "ike" },	       { "EthernetIP", "enip" },
};

const char *pl_l7_eve_app_proto(const struct pl_l7_verdict *v, char *buf)
{
	const char *names[2];

	if (!v || (!v->master_id && !v->app_id))
		return NULL;
	/* The master first: "TLS.Google" is tls to Suricata. */
	names[0] = v->master_id ? v->master : v->app;
	names[1] = v->app;
	for (int k = 0; k < 2; k++)
		for (size_t i = 0; i < sizeof(app_names) / sizeof(app_names[0]); i++)
			if (!strcmp(names[k], app_names[i].ndpi))
				return app_names[i].suricata;
	for (size_t i = 0; i < 31 && names[0][i]; i++) {
		buf[i] = (char)tolower((unsigned char)names[0][i]);
		buf[i + 1] = '\0';
	}
	return buf;
}

static const char *proto_name(uint8_t proto, char *buf)
{
	switch (proto) {
	case 6: return "TCP";
	case 17: return "UDP";
	case 1: return "ICMP";
	case 58: return "IPv6-ICMP";
	case 132: return "SCTP";
	default:
		sprintf(buf, "%03u", proto);
		return buf;
	}
}

/* The common section; @reverse: addresses as the server sent the packet. */
static struct jb header(const struct pl_l7_eve_flow *fl, const char *type, uint64_t ts_ns,
			int reverse)
{
	struct jb j = obj();
	char ts[64], a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN], pb[8];
	int af = fl->family == 6 ? AF_INET6 : AF_INET;

	pl_l7_eve_time(ts_ns, ts, sizeof(ts));
	inet_ntop(af, fl->src, a, sizeof(a));
	inet_ntop(af, fl->dst, b, sizeof(b));
	add_str(&j, "timestamp", ts);
	add_int(&j, "flow_id", (int64_t)(fl->flow_id & 0x7fffffffffffffffull));
	if (fl->in_iface)
		add_str(&j, "in_iface", fl->in_iface);
	if (fl->pcap_filename)
		add_str(&j, "pcap_filename", fl->pcap_filename);
	add_str(&j, "event_type", type);
	if (fl->vlan) {
		json_object *arr = json_object_new_array();

		if (arr && json_object_array_add(arr, json_object_new_int(fl->vlan)))
			j.bad = 1;
		add(&j, "vlan", arr);
	}
	add_str(&j, "src_ip", reverse ? b : a);
	if (fl->proto == 6 || fl->proto == 17 || fl->proto == 132)
		add_int(&j, "src_port", reverse ? fl->dport : fl->sport);
	add_str(&j, "dest_ip", reverse ? a : b);
	if (fl->proto == 6 || fl->proto == 17 || fl->proto == 132)
		add_int(&j, "dest_port", reverse ? fl->sport : fl->dport);
	add_str(&j, "proto", proto_name(fl->proto, pb));
	return j;
}

static void add_app_proto(struct jb *j, const struct pl_l7_verdict *v)
{
	char buf[32];
	const char *ap = pl_l7_eve_app_proto(v, buf);

	if (ap)
		add_str(j, "app_proto", ap);
}

static void rrtype(struct jb *j, const char *key, unsigned int type)
{
	const char *n = pl_l7_dns_type_name(type);
	char num[8];

	if (!n) {
		snprintf(num, sizeof(num), "%u", type);
		n = num;
	}
	add_str(j, key, n);
}

/* Addresses as Suricata prints answers: IPv6 in full, four hex digits a group. */
static void rdata_addr(char *out, size_t n, const struct pl_l7_dns_rr *rr)
{
	size_t o = 0;

	if (rr->addr_len == 4) {
		inet_ntop(AF_INET, rr->addr, out, (socklen_t)n);
		return;
	}
	for (int i = 0; i < 16; i += 2)
		o += (size_t)snprintf(out + o, n - o, "%s%02x%02x", i ? ":" : "", rr->addr[i],
				      rr->addr[i + 1]);
}

static struct jb dns_answer(const struct pl_l7_dns *d)
{
	struct jb j = obj();
	json_object *arr = json_object_new_array();
	const char *rc = pl_l7_dns_rcode_name(d->rcode);
	char flags[8], num[4];
	static const struct {
		uint16_t bit;
		const char *name;
	} bits[] = { { 0x8000, "qr" }, { 0x0400, "aa" }, { 0x0200, "tc" },
		     { 0x0100, "rd" }, { 0x0080, "ra" }, { 0x0040, "z" } };

	snprintf(flags, sizeof(flags), "%x", d->flags);
	add_int(&j, "version", 2);
	add_str(&j, "type", "answer");
	add_int(&j, "id", d->id);
	add_str(&j, "flags", flags);
	for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++)
		if (d->flags & bits[i].bit)
			add_bool(&j, bits[i].name, 1);
	add_int(&j, "opcode", (d->flags >> 11) & 0xf);
	if (d->have_query) {
		add_str(&j, "rrname", d->qname);
		rrtype(&j, "rrtype", d->qtype);
	}
	if (!rc) {
		snprintf(num, sizeof(num), "%u", d->rcode);
		rc = num;
	}
	add_str(&j, "rcode", rc);
	for (unsigned int i = 0; arr && i < d->n_answers; i++) {
		const struct pl_l7_dns_rr *rr = &d->answers[i];
		struct jb a = obj();
		char addr[48];

		add_str(&a, "rrname", rr->name);
		rrtype(&a, "rrtype", rr->type);
		add_int(&a, "ttl", rr->ttl);
		if (rr->addr_len) {
			rdata_addr(addr, sizeof(addr), rr);
			add_str(&a, "rdata", addr);
		} else if (rr->data[0]) {
			add_str(&a, "rdata", rr->data);
		}
		if (a.bad || json_object_array_add(arr, a.o)) {
			json_object_put(a.o);
			j.bad = 1;
		}
	}
	if (d->n_answers)
		add(&j, "answers", arr);
	else
		json_object_put(arr);
	return j;
}

static struct jb dns_query(const struct pl_l7_dns *d)
{
	struct jb j = obj();

	add_str(&j, "type", "query");
	add_int(&j, "id", d->id);
	add_str(&j, "rrname", d->qname);
	rrtype(&j, "rrtype", d->qtype);
	add_int(&j, "tx_id", 0);
	add_int(&j, "opcode", (d->flags >> 11) & 0xf);
	return j;
}

static struct jb http_obj(const struct pl_l7_http *h)
{
	struct jb j = obj();
	const char *host = h->host, *colon = NULL, *end;
	size_t hl = strlen(host);

	/* "name:port" and "[v6]:port": the port goes to http_port, as Suricata does. */
	if (host[0] == '[') {
		end = strchr(host, ']');
		if (end && end[1] == ':')
			colon = end + 1;
	} else {
		colon = strrchr(host, ':');
	}
	if (colon && colon[1] && strspn(colon + 1, "0123456789") == strlen(colon + 1) &&
	    strlen(colon + 1) <= 5) {
		add(&j, "hostname", pl_l7_eve_string(host, (size_t)(colon - host)));
		add_int(&j, "http_port", atoi(colon + 1));
	} else if (hl) {
		add_str(&j, "hostname", host);
	}
	add_str(&j, "url", h->url);
	if (h->user_agent[0])
		add_str(&j, "http_user_agent", h->user_agent);
	if (h->content_type[0])
		add_str(&j, "http_content_type", h->content_type);
	add_str(&j, "http_method", h->method);
	add_str(&j, "protocol", h->protocol);
	if (h->have_response)
		add_int(&j, "status", h->status);
	return j;
}

static void alpn_array(struct jb *j, const char *key, const char *list)
{
	json_object *arr;
	const char *p = list;

	if (!list[0])
		return;
	arr = json_object_new_array();
	while (arr) {
		const char *c = strchr(p, ',');
		size_t n = c ? (size_t)(c - p) : strlen(p);

		if (json_object_array_add(arr, pl_l7_eve_string(p, n)))
			j->bad = 1;
		if (!c)
			break;
		p = c + 1;
	}
	add(j, key, arr);
}

static void hash_obj(struct jb *j, const char *key, const char *hash)
{
	struct jb h;

	if (!hash[0])
		return;
	h = obj();
	add_str(&h, "hash", hash);
	add_obj(j, key, &h);
}

static struct jb tls_obj(const struct pl_l7_tls *t)
{
	struct jb j = obj();
	unsigned int ver = t->have_server_hello || t->from_ndpi ? t->server_version : 0;
	const char *vn = pl_l7_tls_version_name(ver);

	if (t->sni[0])
		add_str(&j, "sni", t->sni);
	add_str(&j, "version", vn ? vn : "UNDETERMINED");
	hash_obj(&j, "ja3", t->ja3_client);
	hash_obj(&j, "ja3s", t->ja3_server);
	alpn_array(&j, "client_alpns", t->alpn_client);
	alpn_array(&j, "server_alpns", t->alpn_server);
	return j;
}

static struct jb ssh_side(const struct pl_l7_ssh_side *s, const char *hassh)
{
	struct jb j = obj();

	add_str(&j, "proto_version", s->proto_version);
	add_str(&j, "software_version", s->software_version);
	hash_obj(&j, "hassh", hassh);
	return j;
}

static struct jb flow_obj(const struct pl_l7_eve_flow *fl)
{
	struct jb j = obj();
	char s[64], e[64];

	pl_l7_eve_time(fl->start_ns, s, sizeof(s));
	pl_l7_eve_time(fl->end_ns, e, sizeof(e));
	add_int(&j, "pkts_toserver", (int64_t)fl->pkts_toserver);
	add_int(&j, "pkts_toclient", (int64_t)fl->pkts_toclient);
	add_int(&j, "bytes_toserver", (int64_t)fl->bytes_toserver);
	add_int(&j, "bytes_toclient", (int64_t)fl->bytes_toclient);
	add_str(&j, "start", s);
	add_str(&j, "end", e);
	add_int(&j, "age", (int64_t)(fl->end_ns / 1000000000ull) -
				   (int64_t)(fl->start_ns / 1000000000ull));
	add_str(&j, "state", fl->state ? fl->state : "new");
	add_str(&j, "reason", fl->reason ? fl->reason : "timeout");
	add_bool(&j, "alerted", 0);
	return j;
}

static void add_dbl(struct jb *j, const char *key, double v)
{
	add(j, key, json_object_new_double(v));
}

static void rtt_obj(struct jb *j, const char *key, const struct pl_rtt_stat *st)
{
	struct jb r;

	if (!st->samples)
		return;
	r = obj();
	add_dbl(&r, "min", st->min_ns / 1e3);
	add_dbl(&r, "avg", st->sum_ns / 1e3 / st->samples);
	add_dbl(&r, "max", st->max_ns / 1e3);
	add_dbl(&r, "last", st->last_ns / 1e3);
	add_int(&r, "samples", st->samples);
	add_obj(j, key, &r);
}

/* pktlens's own addition to the flow event: passive RTT and TCP health. */
static struct jb tcp_obj(const struct pl_l7_eve_flow *fl)
{
	const struct pl_tcp_val *t = fl->tcp;
	const struct pl_tcp_dir *c = &t->d[t->init_dir & 1], *sv = &t->d[!(t->init_dir & 1)];
	struct jb j = obj();

	rtt_obj(&j, "rtt_us", &t->rtt[0]);
	if (t->hs & PL_HS_DONE)
		add_dbl(&j, "handshake_rtt_us", t->handshake_ns / 1e3);
	rtt_obj(&j, fl->tcp_offline ? "rtt_server_side_us" : "echo_delay_us", &t->rtt[1]);
	add_int(&j, "retransmitted_segments", (int64_t)c->retrans + sv->retrans);
	add_int(&j, "out_of_order_segments", (int64_t)c->ooo + sv->ooo);
	add_int(&j, "duplicate_acks", (int64_t)c->dupack + sv->dupack);
	add_int(&j, "zero_window", (int64_t)c->zero_win + sv->zero_win);
	add_int(&j, "resets_by_client", c->rst);
	add_int(&j, "resets_by_server", sv->rst);
	add_str(&j, "handshake", t->hs & PL_HS_DONE     ? "completed"
				 : t->hs & PL_HS_SYNACK ? "synack_unacked"
				 : t->hs & PL_HS_SYN    ? "syn_unanswered"
							: "not_seen");
	return j;
}

/* pktlens's own addition: nDPI's verdict, which Suricata has no field for. */
static struct jb ndpi_obj(const struct pl_l7_verdict *v)
{
	struct jb j = obj();

	add_str(&j, "protocol", v->name);
	add_str(&j, "master", v->master);
	add_str(&j, "app", v->app);
	add_str(&j, "category", v->category);
	add_bool(&j, "guessed", v->guessed);
	return j;
}

/* Print @j as one line and free it; 1 written, < 0 error. */
static int emit(FILE *out, struct jb *j)
{
	const char *s;
	int rc = 1;

	if (j->bad) {
		json_object_put(j->o);
		return -ENOMEM;
	}
	s = json_object_to_json_string_ext(j->o, JSON_C_TO_STRING_PLAIN |
							 JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!s)
		rc = -ENOMEM;
	else if (fputs(s, out) == EOF || fputc('\n', out) == EOF)
		rc = -EIO;
	json_object_put(j->o);
	return rc;
}

/* One application event: the common section, app_proto, then @body under @type. */
static int app_event(FILE *out, const struct pl_l7_eve_flow *fl, const struct pl_l7_verdict *v,
		     const char *type, uint64_t ts_ns, int reverse, struct jb body)
{
	struct jb j = header(fl, type, ts_ns, reverse);

	add_app_proto(&j, v);
	add_obj(&j, type, &body);
	return emit(out, &j);
}

static int app_events(FILE *out, const struct pl_l7_eve_flow *fl, const struct pl_l7_verdict *v,
		      const struct pl_l7_meta *m)
{
	int n = 0, rc = 0;

#define EVENT(cond, ...)                                                                  \
	do {                                                                              \
		if ((cond) && rc >= 0) {                                                  \
			rc = app_event(out, fl, v, __VA_ARGS__);                          \
			n += rc > 0;                                                      \
		}                                                                         \
	} while (0)
	EVENT(m->dns.have_query, "dns", m->dns.query_ts_ns, 0, dns_query(&m->dns));
	EVENT(m->dns.have_response, "dns", m->dns.response_ts_ns, 1, dns_answer(&m->dns));
	EVENT(m->http.have_request, "http", m->http.request_ts_ns, 0, http_obj(&m->http));
	EVENT((m->tls.have_client_hello || m->tls.have_server_hello),
	      m->tls.from_ndpi ? "quic" : "tls", m->tls.ts_ns, 0, tls_obj(&m->tls));
	if (rc >= 0 && (m->ssh.client.have || m->ssh.server.have)) {
		struct jb s = obj();

		if (m->ssh.client.have) {
			struct jb c = ssh_side(&m->ssh.client, m->ssh.hassh_client);

			add_obj(&s, "client", &c);
		}
		if (m->ssh.server.have) {
			struct jb c = ssh_side(&m->ssh.server, m->ssh.hassh_server);

			add_obj(&s, "server", &c);
		}
		EVENT(1, "ssh", m->ssh.ts_ns, 0, s);
	}
#undef EVENT
	return rc < 0 ? rc : n;
}

int pl_l7_eve_write(FILE *out, unsigned int what, const struct pl_l7_eve_flow *fl,
		    const struct pl_l7_verdict *v, const struct pl_l7_meta *m)
{
	int n = 0, rc;

	if ((what & PL_L7_EVE_APP) && m) {
		n = app_events(out, fl, v, m);
		if (n < 0)
			return n;
	}
	if (what & PL_L7_EVE_FLOW) {
		struct jb j = header(fl, "flow", fl->end_ns, 0), f = flow_obj(fl);

		add_app_proto(&j, v);
		add_obj(&j, "flow", &f);
		if (fl->tcp) {
			struct jb t = tcp_obj(fl);

			add_obj(&j, "tcp", &t);
		}
		if (v && v->done) {
			struct jb d = ndpi_obj(v);

			add_obj(&j, "ndpi", &d);
		}
		rc = emit(out, &j);
		if (rc < 0)
			return rc;
		n += rc;
	}
	return n;
}

static const char *action_name(enum pl_eve_action a)
{
	switch (a) {
	case PL_EVE_BLOCKED: return "blocked";
	case PL_EVE_WOULD_BLOCK: return "would-block";
	default: return "allowed";
	}
}

static struct jb alert_obj(const struct pl_eve_alert *a)
{
	struct jb j = obj();

	add_str(&j, "action", action_name(a->action));
	add_int(&j, "gid", a->gid ? a->gid : 1);
	add_int(&j, "signature_id", a->sid);
	add_int(&j, "rev", a->rev);
	add_str(&j, "signature", a->signature ? a->signature : "");
	add_str(&j, "category", a->category ? a->category : "");
	add_int(&j, "severity", a->severity ? a->severity : 3);
	return j;
}

json_object *pl_l7_eve_alert_json(const struct pl_l7_eve_flow *fl, const struct pl_eve_alert *a)
{
	struct jb j = header(fl, "alert", a->ts_ns, 0), al = alert_obj(a);

	if (j.o && fl->no_addrs) {
		json_object_object_del(j.o, "src_ip");
		json_object_object_del(j.o, "dest_ip");
	}
	if (j.o && fl->zero_unknown) {
		if (!fl->flow_id)
			json_object_object_del(j.o, "flow_id");
		if (!fl->proto)
			json_object_object_del(j.o, "proto");
		if (!fl->sport)
			json_object_object_del(j.o, "src_port");
		if (!fl->dport)
			json_object_object_del(j.o, "dest_port");
	}
	if (a->app_proto)
		add_str(&j, "app_proto", a->app_proto);
	add_obj(&j, "alert", &al);
	if (fl->pkts_toserver || fl->pkts_toclient) {
		struct jb f = obj();
		char s[64];

		pl_l7_eve_time(fl->start_ns, s, sizeof(s));
		add_int(&f, "pkts_toserver", (int64_t)fl->pkts_toserver);
		add_int(&f, "pkts_toclient", (int64_t)fl->pkts_toclient);
		add_int(&f, "bytes_toserver", (int64_t)fl->bytes_toserver);
		add_int(&f, "bytes_toclient", (int64_t)fl->bytes_toclient);
		add_str(&f, "start", s);
		add_obj(&j, "flow", &f);
	}
	if (a->evidence)
		add(&j, "pktlens", json_object_get(a->evidence));
	if (j.bad) {
		json_object_put(j.o);
		return NULL;
	}
	return j.o;
}

int pl_l7_eve_alert(FILE *out, const struct pl_l7_eve_flow *fl, const struct pl_eve_alert *a)
{
	struct jb j = { .o = pl_l7_eve_alert_json(fl, a) };

	j.bad = !j.o;
	return emit(out, &j);
}
