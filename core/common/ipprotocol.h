#pragma once

#include <QtGlobal>

// IANA protocol numbers, shared by the policy (rules name a protocol) and the data plane (packets carry one).
namespace pvc::core::ipproto {
inline constexpr quint8 Icmp = 1;
inline constexpr quint8 Tcp = 6;
inline constexpr quint8 Udp = 17;
} // namespace pvc::core::ipproto
