# SPDX-License-Identifier: GPL-2.0-or-later
# bench/report.awk -v json=FILE -v machine=TEXT RAW: the table on stdout, the same numbers
# in JSON. RAW lines: TAG VERB MICROSECONDS MAXRSS_KIB EXIT (see bench/lib.sh); an ADD
# followed by a DEL of the same TAG also makes an ADD+DEL sample. Plain POSIX awk (mawk).

function sort(a, n,    i, j, t) {
	for (i = 2; i <= n; i++) {
		t = a[i]
		for (j = i - 1; j >= 1 && a[j] > t; j--)
			a[j + 1] = a[j]
		a[j + 1] = t
	}
}
# Nearest-rank percentile of the samples of key k, in microseconds (-1: none).
function pct(k, p,    n, i, a, r) {
	n = cnt[k]
	if (!n)
		return -1
	for (i = 1; i <= n; i++)
		a[i] = val[k, i]
	sort(a, n)
	r = int(p / 100 * n + 0.999999)
	return a[r < 1 ? 1 : r]
}
function med(k) { return pct(k, 50) }
function ms(us) { return us == -1 ? "-" : sprintf("%.1f", us / 1000) }
function ratio(a, b) { return (a == -1 || b <= 0) ? "-" : sprintf("%.2f", a / b) }
function jnum(x) { return x == "-" || x == "" ? "null" : x }
function add(k, v) { cnt[k]++; val[k, cnt[k]] = v }
function stat_json(k) {
	return sprintf("{\"n\":%d,\"median_us\":%s,\"p90_us\":%s}", cnt[k], jnum(med(k)), jnum(pct(k, 90)))
}
function target(name, met, detail) {
	ntargets++
	tname[ntargets] = name
	tmet[ntargets] = met
	tdetail[ntargets] = detail
}

{
	tag = $1; verb = $2; us = $3 + 0
	add(tag SUBSEP verb, us)
	if (verb == "wggo")
		add(tag SUBSEP "wggo-rss", $4 + 0)
	if (!(tag in seen)) { seen[tag] = 1; order[++ntags] = tag }
	if ((verb == "ADD" || verb == "DEL") && $4 + 0 > rss[tag])
		rss[tag] = $4 + 0
	if (verb == "ADD") {
		pending[tag] = us
		pending_cpu[tag] = NF >= 6 ? $6 : -1
	} else if (verb == "DEL" && (tag in pending)) {
		add(tag SUBSEP "ADD+DEL", pending[tag] + us)
		if (pending_cpu[tag] != -1 && NF >= 6)
			add(tag SUBSEP "cpu", pending_cpu[tag] + $6)
		delete pending[tag]
	}
}

# The floor of one ADD+DEL from the medians of floor tag f: a kernel device made in the
# namespace and deleted (kernel backend), or a TUN moved, wireguard-go started and a
# device deleted (userspace).
function floor_sum(f, kernel) {
	if (kernel)
		return cnt[f SUBSEP "create"] ? med(f SUBSEP "create") + med(f SUBSEP "delete") : -1
	return cnt[f SUBSEP "wggo"] ? med(f SUBSEP "move") + med(f SUBSEP "wggo") + med(f SUBSEP "delete") : -1
}

function row(tag, ref,    a, d, s) {
	a = tag SUBSEP "ADD"; d = tag SUBSEP "DEL"; s = tag SUBSEP "ADD+DEL"
	printf "%-14s %8s %8s | %8s %8s | %8s %8s | %5s %5s %5s | %6s\n", tag,
		ms(med(a)), ms(pct(a, 90)), ms(med(d)), ms(pct(d, 90)), ms(med(s)), ms(pct(s, 90)),
		ratio(med(a), med(ref SUBSEP "ADD")), ratio(med(d), med(ref SUBSEP "DEL")),
		ratio(med(s), med(ref SUBSEP "ADD+DEL")), rss[tag] ? sprintf("%.2f", rss[tag] / 1024) : "-"
}

END {
	printf "Machine: %s\n\n", machine
	print "Direct invocation, fresh namespace each time (ms; ratios are of medians, to ptp of the same environment)"
	printf "%-14s %8s %8s | %8s %8s | %8s %8s | %5s %5s %5s | %6s\n", "subject", "ADD med", "p90",
		"DEL med", "p90", "A+D med", "p90", "xADD", "xDEL", "xA+D", "RSSMiB"
	for (i = 1; i <= ntags; i++) {
		t = order[i]
		if (t ~ /@/ || t ~ /floor|podman|count|rss/ || !cnt[t SUBSEP "ADD"])
			continue
		row(t, t ~ /^vm:/ ? "vm:ptp" : "ptp")
	}

	print "\nThe kernel's floor (ms, median / p90) and wgcni above it"
	split("move create delete wggo wggo-listen", fv, " ")
	for (e = 0; e <= 1; e++) {
		p = e ? "vm:" : ""
		if (!cnt[p "floor" SUBSEP "delete"])
			continue
		line = sprintf("%-9s", e ? "VM:" : "host:")
		for (i = 1; i <= 5; i++)
			if (cnt[p "floor" SUBSEP fv[i]])
				line = line sprintf("  %s %s/%s", fv[i], ms(med(p "floor" SUBSEP fv[i])),
					ms(pct(p "floor" SUBSEP fv[i], 90)))
		print line
	}
	us_floor_add = med("floor" SUBSEP "move") + med("floor" SUBSEP "wggo")
	us_above_add = med("wgus" SUBSEP "ADD") - us_floor_add
	us_above_del = med("wgus" SUBSEP "DEL") - med("floor" SUBSEP "delete")
	k_above_add = med("vm:wgk" SUBSEP "ADD") - med("vm:floor" SUBSEP "create")
	k_above_del = med("vm:wgk" SUBSEP "DEL") - med("vm:floor" SUBSEP "delete")
	if (cnt["wgus" SUBSEP "ADD"])
		printf "userspace: ADD %s above move + wireguard-go start until it answers (%s); DEL %s above one device delete\n",
			ms(us_above_add), ms(us_floor_add), ms(us_above_del)
	if (cnt["vm:wgk" SUBSEP "ADD"])
		printf "kernel (VM): ADD %s above one create-in-namespace; DEL %s above one delete\n",
			ms(k_above_add), ms(k_above_del)
	if (cnt["floor" SUBSEP "wggo"])
		printf "wireguard-go RSS right after start: %.1f MiB\n", med("floor" SUBSEP "wggo-rss") / 1024
	if (cnt["rss" SUBSEP "wggo-per-tunnel"])
		printf "wireguard-go RSS per attached tunnel (mean of the helpers): %.1f MiB\n",
			med("rss" SUBSEP "wggo-per-tunnel") / 1024

	sj = ""
	printf "\nScaling: ADD+DEL medians (ms) with tunnels already attached, x of none. floor: the same\n"
	printf "kernel operations without wgcni, timed between the calls under the same load; cpu: the\n"
	printf "plugin's own CPU time (user + system) for ADD+DEL\n"
	for (i = 1; i <= ntags; i++) {
		t = order[i]
		if (t !~ /@/ || t ~ /floor@/)
			continue
		split(t, parts, "@")
		base = parts[1] "@0"
		p = t ~ /^vm:/ ? "vm:" : ""
		f = floor_sum(p "floor@" parts[2], p != ""); f0 = floor_sum(p "floor@0", p != "")
		printf "  %-12s %8s (x%s)   floor %6s (x%s)   cpu %6s (x%s)\n", t,
			ms(med(t SUBSEP "ADD+DEL")), ratio(med(t SUBSEP "ADD+DEL"), med(base SUBSEP "ADD+DEL")),
			ms(f), ratio(f, f0), ms(med(t SUBSEP "cpu")), ratio(med(t SUBSEP "cpu"), med(base SUBSEP "cpu"))
		sj = sj sprintf("%s\"%s\":{\"add_del\":%s,\"floor_median_us\":%s,\"cpu\":%s}", sj ? "," : "",
			t, stat_json(t SUBSEP "ADD+DEL"), jnum(f == -1 ? "" : f), stat_json(t SUBSEP "cpu"))
		if (parts[2] == 500) {
			s = parts[1]
			scale[s] = med(t SUBSEP "ADD+DEL") / med(base SUBSEP "ADD+DEL")
			scale_floor[s] = ratio(f, f0)
			scale_cpu[s] = ratio(med(t SUBSEP "cpu"), med(base SUBSEP "cpu"))
		}
	}

	split("podman podman5", pt, " ")
	split("4.3 (CNI)|5.4 (netavark plugin, in a Debian 13 root)", pname, "|")
	for (j = 1; j <= 2; j++) {
		if (!cnt[pt[j] SUBSEP "none"])
			continue
		none = med(pt[j] SUBSEP "none")
		printf "\npodman %s: run --rm localhost/bb true (ms, median / p90; cost over --network none)\n",
			pname[j]
		split("none bridge wgcni", pv, " ")
		for (i = 1; i <= 3; i++) {
			k = pt[j] SUBSEP pv[i]
			printf "  %-7s %8s / %8s   +%s\n", pv[i], ms(med(k)), ms(pct(k, 90)), ms(med(k) - none)
		}
	}

	printf "\nPer ADD (one call, strace): syscalls, netlink requests\n"
	split("wgus ptp bridge", cv, " ")
	for (i = 1; i <= 3; i++)
		if (cnt["count" SUBSEP cv[i] "-syscalls"])
			printf "  %-7s %5d syscalls, %3d netlink requests%s\n", cv[i],
				med("count" SUBSEP cv[i] "-syscalls"), med("count" SUBSEP cv[i] "-netlink"),
				(cv[i] == "wgus" ? " (the plugin process; wireguard-go not counted)" : " (with the IPAM plugin it runs)")

	# Targets from issue 6.
	if (cnt["vm:wgk" SUBSEP "ADD"]) {
		r = med("vm:wgk" SUBSEP "ADD") / med("vm:ptp" SUBSEP "ADD")
		target("kernel ADD median <= 0.5 x ptp ADD", r <= 0.5, sprintf("x%.2f", r))
		r = med("vm:wgk" SUBSEP "DEL") / med("vm:ptp" SUBSEP "DEL")
		target("kernel DEL median <= ptp DEL", r <= 1, sprintf("x%.2f", r))
	}
	if (cnt["wgus" SUBSEP "ADD"]) {
		target("userspace ADD within 2 ms of move + wireguard-go start", us_above_add <= 2000,
			sprintf("%+.1f ms", us_above_add / 1000))
		r = med("wgus" SUBSEP "DEL") / med("ptp" SUBSEP "DEL")
		target("userspace DEL <= 0.25 x ptp DEL", r <= 0.25, sprintf("x%.2f", r))
		m = rss["wgus"] > rss["vm:wgk"] ? rss["wgus"] : rss["vm:wgk"]
		target("plugin peak RSS < 4 MiB", m < 4096, sprintf("%.2f MiB", m / 1024))
	}
	for (j = 1; j <= 2; j++) {
		if (!cnt[pt[j] SUBSEP "none"])
			continue
		none = med(pt[j] SUBSEP "none")
		w = med(pt[j] SUBSEP "wgcni") - none
		b = med(pt[j] SUBSEP "bridge") - none
		target(sprintf("%s run: wgcni cost over none <= bridge's", pt[j]), w <= b,
			sprintf("%.1f vs %.1f ms", w / 1000, b / 1000))
	}
	for (s in scale)
		target(s " ADD+DEL with 500 attached <= 1.2 x none", scale[s] <= 1.2,
			sprintf("x%.2f (floor x%s, plugin CPU x%s)", scale[s], scale_floor[s], scale_cpu[s]))
	printf "\nTargets (issue 6)\n"
	tj = ""
	for (i = 1; i <= ntargets; i++) {
		printf "  %-7s %-58s %s\n", tmet[i] ? "MET" : "NOT MET", tname[i], tdetail[i]
		tj = tj sprintf("%s{\"target\":\"%s\",\"met\":%s,\"value\":\"%s\"}", i > 1 ? "," : "",
			tname[i], tmet[i] ? "true" : "false", tdetail[i])
	}

	if (json == "")
		exit
	printf "{\"machine\":\"%s\",\"unit\":\"microseconds\",\"subjects\":{", machine >json
	first = 1
	for (i = 1; i <= ntags; i++) {
		t = order[i]
		printf "%s\"%s\":{", first ? "" : ",", t >json
		first = 0
		f2 = 1
		for (k in cnt) {
			split(k, kk, SUBSEP)
			if (kk[1] != t)
				continue
			printf "%s\"%s\":%s", f2 ? "" : ",", kk[2], stat_json(k) >json
			f2 = 0
		}
		if (rss[t])
			printf ",\"peak_rss_kib\":%d", rss[t] >json
		printf "}" >json
	}
	printf "},\"above_floor_us\":{\"userspace_add\":%s,\"userspace_del\":%s,\"kernel_add\":%s,\"kernel_del\":%s}",
		cnt["wgus" SUBSEP "ADD"] ? us_above_add : "null", cnt["wgus" SUBSEP "ADD"] ? us_above_del : "null",
		cnt["vm:wgk" SUBSEP "ADD"] ? k_above_add : "null", cnt["vm:wgk" SUBSEP "ADD"] ? k_above_del : "null" >json
	printf ",\"scaling_add_del\":{%s},\"targets\":[%s]}\n", sj, tj >json
}
