/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * netavark's JSON, read and written. Podman validates what it stores, so
 * replies keep every field podman sent and change only what this driver owns.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>

#include "cleanup.h"
#include "error.h"
#include "netavark.h"

#define READ_LIMIT (1024 * 1024)
/* Written into the configuration built from a wg-quick file; any supported version does. */
#define CNI_VERSION "1.0.0"

static inline void json_putp(json_object **o)
{
	json_object_put(*o);
}
#define _cleanup_json_ _cleanup_(json_putp)

int netavark_read_all(int fd, const char *what, char **out, size_t *len)
{
	_cleanup_free_ char *buf = malloc(READ_LIMIT + 1);
	size_t used = 0;

	if (!buf)
		return error_report(-ENOMEM, CNI_ERR_INTERNAL, "reading %s", what);
	/* One byte past the limit tells "exactly 1 MiB" from "more". */
	while (used <= READ_LIMIT) {
		ssize_t n = read(fd, buf + used, READ_LIMIT + 1 - used);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return error_report(-errno, CNI_ERR_IO, "reading %s", what);
		if (n == 0) {
			buf[used] = '\0';
			*len = used;
			*out = TAKE_PTR(buf);
			return 0;
		}
		used += (size_t)n;
	}
	return error_report(-EFBIG, CNI_ERR_DECODE, "%s is larger than 1 MiB", what);
}

static json_object *parse(const char *json, size_t len, const char *what)
{
	json_tokener *tok = json_tokener_new();
	json_object *o = NULL;

	if (!tok) {
		error_report(-ENOMEM, CNI_ERR_INTERNAL, "parsing %s", what);
		return NULL;
	}
	o = json_tokener_parse_ex(tok, json, (int)len);
	if (!o || json_tokener_get_parse_end(tok) != len || !json_object_is_type(o, json_type_object)) {
		error_report(0, CNI_ERR_DECODE, "%s: not a JSON object (%s)", what,
			     json_tokener_error_desc(json_tokener_get_error(tok)));
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	return o;
}

/* A string member; absent is -ENOENT (reported only when required). */
static int get_string(json_object *obj, const char *key, const char *path, bool required,
		      char **out)
{
	json_object *v = NULL;

	if (!json_object_object_get_ex(obj, key, &v) || !v)
		return required ? error_config("%s: required", path) : -ENOENT;
	if (!json_object_is_type(v, json_type_string) ||
	    strlen(json_object_get_string(v)) != (size_t)json_object_get_string_len(v))
		return error_config("%s: must be a string", path);
	*out = strdup(json_object_get_string(v));
	return *out ? 0 : error_report(-ENOMEM, CNI_ERR_INTERNAL, "copying %s", path);
}

static int parse_option(const char *key, json_object *v, struct netavark_network *net)
{
	char **slot = strcmp(key, "config") == 0  ? &net->config_path :
		      strcmp(key, "wgquick") == 0 ? &net->wgquick_path : NULL;
	const char *s;

	if (!slot)
		return error_config("option %s: unknown (this driver knows config=FILE and "
				    "wgquick=FILE)", key);
	if (!json_object_is_type(v, json_type_string))
		return error_config("option %s: must be a string", key);
	s = json_object_get_string(v);
	/* netavark runs the plugin with cwd "/": a relative path would change meaning. */
	if (s[0] != '/')
		return error_config("option %s=%s: must be an absolute path", key, s);
	*slot = strdup(s);
	return *slot ? 0 : -ENOMEM;
}

static int parse_network(json_object *root, struct netavark_network *net)
{
	json_object *options = NULL, *subnets = NULL;
	int r;

	r = get_string(root, "name", "network.name", true, &net->name);
	if (r < 0)
		return r;
	/* The name becomes a directory name under /run/wgcni. */
	if (strspn(net->name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") !=
		    strlen(net->name) || net->name[0] == '.' || net->name[0] == '\0')
		return error_config("network.name: \"%s\" is not a usable name", net->name);
	if (json_object_object_get_ex(root, "subnets", &subnets) && subnets &&
	    json_object_array_length(subnets) > 0)
		net->has_subnets = true;
	if (json_object_object_get_ex(root, "options", &options) && options) {
		json_object_object_foreach(options, key, value) {
			r = parse_option(key, value, net);
			if (r < 0)
				return r;
		}
	}
	if (!net->config_path && !net->wgquick_path)
		return error_config("options: give -o config=FILE (a wgcni JSON configuration) "
				    "or -o wgquick=FILE (a wg-quick file)");
	if (net->config_path && net->wgquick_path)
		return error_config("options: config and wgquick exclude each other");
	return 0;
}

int netavark_network_parse(const char *json, size_t len, struct netavark_network *net)
{
	_cleanup_json_ json_object *root = parse(json, len, "the network on stdin");
	int r;

	memset(net, 0, sizeof(*net));
	r = root ? parse_network(root, net) : -EINVAL;
	if (r < 0)
		netavark_network_free(net);
	return r;
}

static int get_u16(json_object *obj, const char *key, size_t i, int min, uint16_t *out)
{
	json_object *v = NULL;
	int64_t n;

	if (!json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_int))
		return error_config("port_mappings[%zu].%s: required, a number", i, key);
	n = json_object_get_int64(v);
	if (n < min || n > 65535)
		return error_config("port_mappings[%zu].%s: %lld is out of range", i, key,
				    (long long)n);
	*out = (uint16_t)n;
	return 0;
}

static int protocol_number(const char *name, uint8_t *out)
{
	static const struct {
		const char *name;
		uint8_t number;
	} known[] = { { "tcp", IPPROTO_TCP }, { "udp", IPPROTO_UDP }, { "sctp", IPPROTO_SCTP } };

	for (size_t i = 0; i < ARRAY_SIZE(known); i++)
		if (strcmp(name, known[i].name) == 0) {
			*out = known[i].number;
			return 0;
		}
	return -EINVAL;
}

/* One mapping; its protocol may be a list ("tcp,udp"), one range each. */
static int parse_mapping(json_object *m, size_t i, struct netavark_request *req)
{
	_cleanup_free_ char *protocols = NULL;
	uint16_t port = 0, range = 0;
	char *save = NULL, path[64];
	int r;

	if (!json_object_is_type(m, json_type_object))
		return error_config("port_mappings[%zu]: must be an object", i);
	snprintf(path, sizeof(path), "port_mappings[%zu].protocol", i);
	r = get_u16(m, "container_port", i, 1, &port);
	r = r ?: get_u16(m, "range", i, 1, &range);
	if (r == 0 && (unsigned)port + range - 1 > 65535)
		return error_config("port_mappings[%zu].range: %u ports from %u pass 65535", i,
				    range, port);
	r = r ?: get_string(m, "protocol", path, true, &protocols);
	for (char *p = r ? NULL : strtok_r(protocols, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		struct port_range *grown = reallocarray(req->published, req->n_published + 1,
							sizeof(*grown));

		if (!grown)
			return error_report(-ENOMEM, CNI_ERR_INTERNAL, "reading port_mappings");
		req->published = grown;
		grown[req->n_published] = (struct port_range){ .first = port,
							       .last = (uint16_t)(port + range - 1) };
		if (protocol_number(p, &grown[req->n_published].protocol) < 0)
			return error_config("port_mappings[%zu].protocol: \"%s\" is not tcp, udp "
					    "or sctp", i, p);
		req->n_published++;
	}
	return r;
}

/* Absent or null: no published ports. */
static int parse_mappings(json_object *root, struct netavark_request *req)
{
	json_object *list = NULL;
	int r = 0;

	if (!json_object_object_get_ex(root, "port_mappings", &list) || !list)
		return 0;
	if (!json_object_is_type(list, json_type_array))
		return error_config("port_mappings: must be an array");
	for (size_t i = 0; r == 0 && i < json_object_array_length(list); i++)
		r = parse_mapping(json_object_array_get_idx(list, i), i, req);
	return r;
}

int netavark_request_parse(const char *json, size_t len, struct netavark_request *req)
{
	_cleanup_json_ json_object *root = parse(json, len, "the request on stdin");
	json_object *network = NULL, *options = NULL;
	int r = -EINVAL;

	memset(req, 0, sizeof(*req));
	if (!root)
		return -EINVAL;
	if (!json_object_object_get_ex(root, "network", &network) ||
	    !json_object_is_type(network, json_type_object))
		error_config("network: required");
	else if (!json_object_object_get_ex(root, "network_options", &options) ||
		 !json_object_is_type(options, json_type_object))
		error_config("network_options: required");
	else if ((r = get_string(root, "container_id", "container_id", true, &req->container_id)) == 0 &&
		 (r = get_string(options, "interface_name", "network_options.interface_name", true,
				 &req->ifname)) == 0)
		r = parse_network(network, &req->network);
	if (r == 0)
		r = parse_mappings(root, req);
	if (r == 0 && strlen(req->ifname) >= IFNAMSIZ)
		r = error_config("network_options.interface_name: longer than %d bytes", IFNAMSIZ - 1);
	if (r < 0)
		netavark_request_free(req);
	return r;
}

void netavark_network_free(struct netavark_network *net)
{
	free(net->name);
	free(net->config_path);
	free(net->wgquick_path);
	memset(net, 0, sizeof(*net));
}

void netavark_request_free(struct netavark_request *req)
{
	free(req->container_id);
	free(req->ifname);
	free(req->published);
	netavark_network_free(&req->network);
	memset(req, 0, sizeof(*req));
}

/* A conflist names its plugins: ours is the "wireguard" one, under the list's cniVersion. */
static json_object *plugin_object(json_object *root, const char *what)
{
	json_object *plugins = NULL, *version = NULL;

	if (!json_object_object_get_ex(root, "plugins", &plugins))
		return json_object_get(root);
	if (!json_object_is_type(plugins, json_type_array)) {
		error_config("%s: plugins: must be an array", what);
		return NULL;
	}
	json_object_object_get_ex(root, "cniVersion", &version);
	for (size_t i = 0; i < json_object_array_length(plugins); i++) {
		json_object *p = json_object_array_get_idx(plugins, i), *type = NULL;

		if (!json_object_is_type(p, json_type_object) ||
		    !json_object_object_get_ex(p, "type", &type) ||
		    strcmp(json_object_get_string(type), "wireguard") != 0)
			continue;
		if (version && !json_object_object_get_ex(p, "cniVersion", NULL))
			json_object_object_add(p, "cniVersion", json_object_get(version));
		return json_object_get(p);
	}
	error_config("%s: no plugin of type \"wireguard\" in plugins", what);
	return NULL;
}

static json_object *read_config_file(const char *path, const char *what)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	_cleanup_free_ char *text = NULL;
	_cleanup_json_ json_object *root = NULL;
	size_t len = 0;

	if (fd < 0) {
		error_report(-errno, CNI_ERR_INVALID_CONFIG, "%s", what);
		return NULL;
	}
	if (netavark_read_all(fd, what, &text, &len) < 0)
		return NULL;
	root = parse(text, len, what);
	return root ? plugin_object(root, what) : NULL;
}

static int to_string(json_object *o, char **json, size_t *len)
{
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
						       JSON_C_TO_STRING_NOSLASHESCAPE);

	*json = s ? strdup(s) : NULL;
	if (!*json)
		return error_report(-ENOMEM, CNI_ERR_INTERNAL, "writing JSON");
	*len = strlen(*json);
	return 0;
}

int netavark_cni_config(const struct netavark_network *net, char **json, size_t *len)
{
	_cleanup_json_ json_object *conf = NULL;
	char what[4200];

	if (net->config_path) {
		snprintf(what, sizeof(what), "option config=%s", net->config_path);
		conf = read_config_file(net->config_path, what);
		if (!conf)
			return -EINVAL;
		if (!json_object_object_get_ex(conf, "cniVersion", NULL))
			json_object_object_add(conf, "cniVersion", json_object_new_string(CNI_VERSION));
	} else {
		conf = json_object_new_object();
		if (!conf)
			return -ENOMEM;
		json_object_object_add(conf, "cniVersion", json_object_new_string(CNI_VERSION));
		json_object_object_add(conf, "type", json_object_new_string("wireguard"));
		json_object_object_add(conf, "wgQuickConfig", json_object_new_string(net->wgquick_path));
	}
	/* Records are kept under the podman network's name, whatever the file calls it. */
	json_object_object_add(conf, "name", json_object_new_string(net->name));
	return to_string(conf, json, len);
}

static int print_object(FILE *out, json_object *o)
{
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
						       JSON_C_TO_STRING_NOSLASHESCAPE);

	if (!s || fprintf(out, "%s\n", s) < 0)
		return error_report(-EIO, CNI_ERR_IO, "writing the reply");
	return 0;
}

int netavark_create_print(FILE *out, const char *json, size_t len)
{
	_cleanup_json_ json_object *root = parse(json, len, "the network on stdin");
	json_object *ipam = NULL;

	if (!root)
		return -EINVAL;
	ipam = json_object_new_object();
	if (!ipam)
		return -ENOMEM;
	/* The tunnel's addresses come from the configuration, not from podman's IPAM. */
	json_object_object_add(ipam, "driver", json_object_new_string("none"));
	json_object_object_add(root, "ipam_options", ipam);
	json_object_object_del(root, "subnets");
	/* netavark starts no aardvark-dns for plugin networks: the servers are the tunnel's. */
	json_object_object_add(root, "dns_enabled", json_object_new_boolean(0));
	return print_object(out, root);
}

static json_object *string_array(char **items, size_t n)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; a && i < n; i++)
		json_object_array_add(a, json_object_new_string(items[i]));
	return a;
}

static json_object *subnets_of(const struct cni_result *result, int iface)
{
	json_object *subnets = json_object_new_array();
	char text[64];

	for (size_t i = 0; subnets && i < result->n_ips; i++) {
		json_object *net = NULL;

		if (result->ips[i].interface != iface)
			continue;
		net = json_object_new_object();
		cidr_format(&result->ips[i].address, text, sizeof(text));
		json_object_object_add(net, "ipnet", json_object_new_string(text));
		json_object_array_add(subnets, net);
	}
	return subnets;
}

int netavark_status_print(FILE *out, const struct cni_result *result, const char *ifname)
{
	_cleanup_json_ json_object *root = json_object_new_object();
	json_object *interfaces = json_object_new_object();
	const struct dns_conf *dns = &result->dns;

	if (!root || !interfaces) {
		json_object_put(interfaces);
		return -ENOMEM;
	}
	json_object_object_add(root, "interfaces", interfaces);
	for (size_t i = 0; i < result->n_interfaces; i++) {
		json_object *iface = NULL;

		if (strcmp(result->interfaces[i].name, ifname) != 0)
			continue;
		iface = json_object_new_object();
		/* A WireGuard device has no MAC; podman wants a parseable one. */
		json_object_object_add(iface, "mac_address",
				       json_object_new_string(result->interfaces[i].mac));
		json_object_object_add(iface, "subnets", subnets_of(result, (int)i));
		json_object_object_add(interfaces, ifname, iface);
	}
	json_object_object_add(root, "dns_server_ips",
			       string_array(dns->nameservers, result->has_dns ? dns->n_nameservers : 0));
	json_object_object_add(root, "dns_search_domains",
			       string_array(dns->search, result->has_dns ? dns->n_search : 0));
	return print_object(out, root);
}

void netavark_error_print(FILE *out, const char *message)
{
	_cleanup_json_ json_object *root = json_object_new_object();

	if (root) {
		json_object_object_add(root, "error", json_object_new_string(message));
		print_object(out, root);
	}
	fflush(out);
}

void netavark_info_print(FILE *out)
{
	fprintf(out, "{\"version\":\"%s\",\"api_version\":\"1.0.0\",\"description\":"
		"\"wgcni: the container's network is a WireGuard tunnel\"}\n", WGCNI_VERSION);
}
