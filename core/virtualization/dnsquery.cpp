#include "virtualization/dnsquery.h"

namespace pvc::core {

DnsQuery::DnsQuery(const QByteArray& datagram)
    : m_datagram(datagram)
    , m_status(parse())
{
}

quint16 DnsQuery::read16(const QByteArray& data, qsizetype at)
{
    return quint16(quint8(data[at]) << 8 | quint8(data[at + 1]));
}

QByteArray DnsQuery::question() const
{
    return m_datagram.mid(dns::HeaderBytes, m_end - dns::HeaderBytes);
}

DnsQuery::Status DnsQuery::parse()
{
    if (m_datagram.size() < dns::HeaderBytes || (quint8(m_datagram[2]) & 0x80))
        return Status::Ignored;
    const quint8 opcode = (quint8(m_datagram[2]) >> 3) & 0x0f;
    if (opcode != 0)
        return Status::NotImplemented;
    if (read16(m_datagram, 4) != 1 || !readName())
        return Status::Malformed;
    if (m_end + 4 > m_datagram.size())
        return Status::Malformed;
    m_type = read16(m_datagram, m_end);
    m_class = read16(m_datagram, m_end + 2);
    m_end += 4;
    return Status::Parsed;
}

// The question name, label by label. Compression pointers (and the reserved 01/10 label types) have
// no place in the only question of a query: refusing them keeps this a plain walk.
bool DnsQuery::readName()
{
    qsizetype at = dns::HeaderBytes;
    for (;;) {
        if (at >= m_datagram.size() || at - dns::HeaderBytes >= dns::MaxNameBytes)
            return false;
        const quint8 length = quint8(m_datagram[at]);
        ++at;
        if (length == 0)
            break;
        if ((length & 0xc0) || at + length > m_datagram.size())
            return false;
        m_labels.append(m_datagram.mid(at, length).toLower());
        at += length;
    }
    m_end = at;
    return at - dns::HeaderBytes <= dns::MaxNameBytes;
}

} // namespace pvc::core
