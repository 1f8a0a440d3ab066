#pragma once

#include "virtualization/dnsquery.h"

#include <QByteArray>
#include <optional>

namespace pvc::core {

// Builds the response datagram to a DnsQuery (RFC 1035 section 4.1). The header copies the query's
// ID, opcode and RD; RA stays 0, as this server recurses for nobody. AA is set for names in our
// domain only: for the rest we have no say.
class DnsReply {
public:
    DnsReply(const DnsQuery& query, dns::Rcode rcode, bool authoritative);

    // Header only: for queries whose question could not be read.
    QByteArray headerOnly() const { return header(false, false); }
    // The header and the question, echoed.
    QByteArray withQuestion() const;
    // The question and one A record for its name.
    QByteArray withAddress(quint32 address, quint32 ttlSeconds) const;

private:
    QByteArray header(bool withQuestion, bool withAnswer) const;

    const DnsQuery& m_query;
    const dns::Rcode m_rcode;
    const bool m_authoritative;
};

} // namespace pvc::core
