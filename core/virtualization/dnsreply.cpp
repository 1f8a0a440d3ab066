#include "virtualization/dnsreply.h"

namespace pvc::core {

namespace {

void append16(QByteArray& out, quint16 value)
{
    out.append(char(value >> 8));
    out.append(char(value));
}

void append32(QByteArray& out, quint32 value)
{
    append16(out, quint16(value >> 16));
    append16(out, quint16(value));
}

} // namespace

DnsReply::DnsReply(const DnsQuery& query, dns::Rcode rcode, bool authoritative)
    : m_query(query)
    , m_rcode(rcode)
    , m_authoritative(authoritative)
{
}

QByteArray DnsReply::withQuestion() const
{
    return header(true, false) + m_query.question();
}

QByteArray DnsReply::withAddress(quint32 address, quint32 ttlSeconds) const
{
    QByteArray out = header(true, true) + m_query.question();
    append16(out, 0xc000 | dns::HeaderBytes); // the name: a pointer to the question's
    append16(out, dns::TypeA);
    append16(out, dns::ClassIn);
    append32(out, ttlSeconds);
    append16(out, 4);
    append32(out, address);
    return out;
}

// RFC 1035 section 4.1.1.
QByteArray DnsReply::header(bool withQuestion, bool withAnswer) const
{
    const QByteArray& query = m_query.datagram();
    QByteArray out;
    out.reserve(dns::HeaderBytes);
    out.append(query[0]);
    out.append(query[1]);
    const quint8 opcodeAndRd = quint8(query[2]) & 0x79;
    out.append(char(0x80 | opcodeAndRd | (m_authoritative ? 0x04 : 0)));
    out.append(char(m_rcode));
    append16(out, withQuestion ? 1 : 0);
    append16(out, withAnswer ? 1 : 0);
    append16(out, 0);
    append16(out, 0);
    return out;
}

} // namespace pvc::core
