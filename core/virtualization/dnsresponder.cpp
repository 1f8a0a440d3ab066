#include "virtualization/dnsresponder.h"

#include "virtualization/dnsreply.h"

#include <algorithm>

namespace pvc::core {

DnsResponder::DnsResponder(const QString& domain, Lookup lookup)
    : m_domain(domain.toLatin1().toLower())
    , m_lookup(std::move(lookup))
{
    if (m_domain.endsWith('.'))
        m_domain.chop(1);
}

std::optional<QByteArray> DnsResponder::answer(const QByteArray& query) const
{
    // Checked before anything is read.
    if (query.size() > MaxQueryBytes)
        return std::nullopt;
    const DnsQuery parsed(query);
    switch (parsed.status()) {
    case DnsQuery::Status::Ignored:
        return std::nullopt;
    case DnsQuery::Status::NotImplemented:
        return DnsReply(parsed, dns::NotImp, false).headerOnly();
    case DnsQuery::Status::Malformed:
        return DnsReply(parsed, dns::FormErr, false).headerOnly();
    case DnsQuery::Status::Parsed:
        break;
    }

    QByteArray name = parsed.labels().join('.');
    const bool apex = name == m_domain;
    const bool inside = apex || (name.endsWith('.' + m_domain) && !m_domain.isEmpty());
    if (!inside || parsed.qclass() != dns::ClassIn)
        return DnsReply(parsed, dns::Refused, false).withQuestion();
    if (apex)
        return DnsReply(parsed, dns::NoError, true).withQuestion();
    name.chop(m_domain.size() + 1);
    const std::optional<quint32> address = lookupHost(name, parsed.labels().size());
    if (!address)
        return DnsReply(parsed, dns::NxDomain, true).withQuestion();
    if (parsed.type() != dns::TypeA && parsed.type() != dns::TypeAny)
        return DnsReply(parsed, dns::NoError, true).withQuestion(); // NODATA: the name exists
    return DnsReply(parsed, dns::NoError, true).withAddress(*address, TtlSeconds);
}

// Hosts are single labels of letters, digits and dashes; nothing else is worth a lookup.
std::optional<quint32> DnsResponder::lookupHost(const QByteArray& host, qsizetype labelCount) const
{
    const bool hostLike = labelCount == qsizetype(m_domain.count('.')) + 2
        && std::all_of(host.cbegin(), host.cend(),
            [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; });
    return hostLike ? m_lookup(QString::fromLatin1(host)) : std::nullopt;
}

} // namespace pvc::core
