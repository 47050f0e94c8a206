// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <sys/ioctl.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include "loader/dataplane_internal.h"
#include "loader/interfaces.h"
#include "loader/xdp_features.h"

void pl_if_driver(const char *ifname, char *out, size_t len)
{
	struct ethtool_drvinfo info = { .cmd = ETHTOOL_GDRVINFO };
	struct ifreq ifr = { .ifr_data = (void *)&info };

	out[0] = 0;
	if (!pl_if_ioctl(ifname, SIOCETHTOOL, &ifr))
		snprintf(out, len, "%s", info.driver);
}

/* tcpdump's flag words: "Up, Running, Loopback", or "none". */
static void flag_words(const char *ifname, char *out, size_t len)
{
	struct ifreq ifr = {};
	static const struct {
		short flag;
		const char *word;
	} words[] = { { IFF_UP, "Up" }, { IFF_RUNNING, "Running" }, { IFF_LOOPBACK, "Loopback" } };
	size_t n = 0;

	out[0] = 0;
	if (!pl_if_ioctl(ifname, SIOCGIFFLAGS, &ifr))
		for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
			if (ifr.ifr_flags & words[i].flag)
				n += (size_t)snprintf(out + n, n < len ? len - n : 0, "%s%s",
						      n ? ", " : "", words[i].word);
	if (!out[0])
		snprintf(out, len, "none");
}

int pl_list_interfaces(FILE *out)
{
	struct if_nameindex *ifs = if_nameindex(), *i;
	struct pl_xdp_native xdp;
	bool know_xdp;
	int n = 0;

	if (!ifs)
		return -errno;
	/* Kernels before 6.3 cannot say which drivers have native XDP: then just the driver. */
	know_xdp = !pl_xdp_native_query(&xdp);
	for (i = ifs; i->if_index; i++) {
		struct ifreq ifr = {};
		char flags[64], drv[32];
		const char *what;

		flag_words(i->if_name, flags, sizeof(flags));
		pl_if_driver(i->if_name, drv, sizeof(drv));
		if (!pl_if_ioctl(i->if_name, SIOCGIFHWADDR, &ifr) &&
		    ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER &&
		    ifr.ifr_hwaddr.sa_family != ARPHRD_LOOPBACK)
			what = "not Ethernet: cannot capture";
		else if (!know_xdp)
			what = "XDP";
		else
			what = pl_xdp_native_has(&xdp, (int)i->if_index) == 1 ? "native XDP"
									     : "generic XDP";
		fprintf(out, "%d.%s [%s] %s%s%s%s\n", ++n, i->if_name, flags, what,
			drv[0] ? " (" : "", drv, drv[0] ? ")" : "");
	}
	if (know_xdp)
		pl_xdp_native_free(&xdp);
	if_freenameindex(ifs);
	return 0;
}
