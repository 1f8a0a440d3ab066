#include "protocol/traversal.h"

#include <array>
#include <utility>

namespace pvc::core {

namespace {
template <typename Enum, std::size_t N> using Names = std::array<std::pair<Enum, const char*>, N>;

constexpr Names<NatKind, 4> NatNames { { { NatKind::Unknown, "unknown" }, { NatKind::None, "none" },
    { NatKind::EndpointIndependent, "endpoint-independent" }, { NatKind::Symmetric, "symmetric" } } };
constexpr Names<CandidateKind, 3> CandidateNames { { { CandidateKind::Host, "host" }, { CandidateKind::Srflx, "srflx" },
    { CandidateKind::Upnp, "upnp" } } };
constexpr Names<Technique, 7> TechniqueNames { { { Technique::None, "" }, { Technique::Public, "public" },
    { Technique::Upnp, "upnp" }, { Technique::UdpPunch, "udp-punch" }, { Technique::TcpPunch, "tcp-punch" },
    { Technique::Ttcp, "ttcp" }, { Technique::Relay, "relay" } } };
constexpr Names<BrokerRole, 4> RoleNames { { { BrokerRole::None, "" }, { BrokerRole::Guest, "guest" },
    { BrokerRole::Member, "member" }, { BrokerRole::Master, "master" } } };

template <typename Enum, std::size_t N> QString nameOf(const Names<Enum, N>& names, Enum value)
{
    for (const auto& [known, name] : names)
        if (known == value)
            return QString::fromLatin1(name);
    return {};
}

template <typename Enum, std::size_t N> std::optional<Enum> parse(const Names<Enum, N>& names, QStringView text)
{
    for (const auto& [known, name] : names)
        if (text == QLatin1String(name))
            return known;
    return std::nullopt;
}
} // namespace

QString toString(NatKind kind)
{
    return nameOf(NatNames, kind);
}
QString toString(CandidateKind kind)
{
    return nameOf(CandidateNames, kind);
}
QString toString(Technique technique)
{
    return nameOf(TechniqueNames, technique);
}
QString toString(BrokerRole role)
{
    return nameOf(RoleNames, role);
}
std::optional<NatKind> parseNatKind(QStringView text)
{
    return parse(NatNames, text);
}
std::optional<CandidateKind> parseCandidateKind(QStringView text)
{
    return parse(CandidateNames, text);
}
std::optional<Technique> parseTechnique(QStringView text)
{
    return parse(TechniqueNames, text);
}
std::optional<BrokerRole> parseBrokerRole(QStringView text)
{
    return parse(RoleNames, text);
}

} // namespace pvc::core
