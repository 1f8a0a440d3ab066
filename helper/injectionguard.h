#pragma once

#include <QString>
#include <QtGlobal>

// The netfilter rule that keeps an injected SYN on this host (docs/helper.md, "inject-syn"). The helper's
// raw socket marks each SYN it sends; a marked packet that, after any NAT on output, would leave by an
// interface other than loopback is dropped. So an output DNAT rule (a container runtime's, or one a user
// was allowed to add) cannot turn "a SYN to this host" into a spoofed SYN to somewhere else.
namespace pvc::helper {

inline constexpr quint32 InjectedMark = 0x70766321; // "pvc!"

// Replaces the table `ip pvc_helper` of this network namespace with the one rule, through
// /usr/sbin/nft run with an empty environment. Called at start, while the helper still has its
// capabilities; the table stays after the helper stops (it drops only marked packets). False, with
// *error, if nft is missing or refuses: inject-syn is then refused (helper.unavailable).
bool installInjectionGuard(QString* error);

} // namespace pvc::helper
